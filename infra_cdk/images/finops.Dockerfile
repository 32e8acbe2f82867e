# The platform's image: `finops serve` (API + dashboard + /metrics) and `finops jobs run NAME`
# (long stages on ECS Fargate, the compose `jobs` service). Build context: the repository root.
#   docker build -f infra_cdk/images/finops.Dockerfile -t finops .
FROM node:22-bookworm-slim AS dashboard
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /opt/finops
COPY pyproject.toml README.md alembic.ini ./
COPY app/ app/
COPY functions/ functions/
COPY migrations/ migrations/
COPY --from=dashboard /src/frontend/dist/ frontend/dist/
# Editable install: the migrations are read from the source tree next to the package.
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /opt/finops finops \
    && mkdir -p /var/log/finops && chown finops /var/log/finops
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"
ENTRYPOINT ["finops"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
