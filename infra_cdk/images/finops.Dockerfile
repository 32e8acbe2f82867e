# The platform's image: `finops serve` (API + dashboard + /metrics) and `finops jobs run NAME`
# (long stages on ECS Fargate, the compose `jobs` service). Build context: the repository root.
#   docker build -f infra_cdk/images/finops.Dockerfile -t finops .
FROM node:22-bookworm-slim AS dashboard
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# The wheel, laid out as scripts/package.py builds it: the migrations and the dashboard inside
# the package (finops/db/migrations, finops/dashboard), so the installed copy needs no checkout.
FROM python:3.12-slim-bookworm AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app/ app/
COPY functions/chalicelib/ functions/chalicelib/
COPY migrations/ app/finops/db/migrations/
COPY --from=dashboard /src/frontend/dist/ app/finops/dashboard/
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /opt/finops
# A regular install of the wheel (docs/decisions/0014): no source tree in the image.
COPY --from=wheel /wheels/ /tmp/wheels/
RUN pip install /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && useradd --system --uid 10001 --home-dir /opt/finops finops \
    && mkdir -p /var/log/finops && chown finops /var/log/finops
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"
ENTRYPOINT ["finops"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
