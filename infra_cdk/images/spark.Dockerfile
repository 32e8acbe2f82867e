# The Spark ingest scan's image on EMR Serverless: the EMR base image with Python 3.11 and the
# finops package, so `finops/ingest/spark_job.py` (the job's entry point) imports the same
# modules the platform runs everywhere else. Build context: the repository root.
#   docker build -f infra_cdk/images/spark.Dockerfile -t finops-spark .
#
# Why a custom image: spark_job.py and the finops.ingest modules it imports need Python >= 3.11
# (datetime.UTC, the package's requires-python); the EMR images run PySpark on the Amazon Linux
# 2023 system Python unless told otherwise.
#
# Why this release: EMR_RELEASE is the one release label of the stack (finops_infra.spark
# passes SPARK_RELEASE_LABEL as this build argument and sets it on the application), so the
# image and the application cannot disagree; EMR Serverless requires the custom image to be
# built on the base image of the application's release. emr-spark-8.0.0 (Spark 4.0.2, the
# AWS runtime for Apache Spark 4) is the release closest to the pyspark 4 the tests run the
# same scan on; it is on Amazon Linux 2023 and lists Python 3.11 among its Pythons, and dnf
# installs python3.11 where the base lacks it (no compiled Python). The `latest` tag of a release label moves only with that release's patched base
# images (security fixes), never to another EMR or Spark version.
ARG EMR_RELEASE=emr-spark-8.0.0

# The wheel, built as the platform image builds it (infra_cdk/images/finops.Dockerfile): a pure
# Python wheel, so the Python that builds it does not matter. No migrations, no dashboard: the
# scan needs neither.
FROM python:3.12-slim-bookworm AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app/ app/
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM public.ecr.aws/emr-serverless/spark/${EMR_RELEASE}:latest
USER root
# --no-deps: the scan imports only pyspark (the image's own, /usr/lib/spark/python) and pure
# modules of finops.ingest, none of the package's third-party dependencies.
COPY --from=wheel /wheels/ /tmp/wheels/
RUN dnf install -y python3.11 python3.11-pip \
    && dnf clean all \
    && python3.11 -m pip install --no-cache-dir --no-deps /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && python3.11 -c "import finops.ingest.spark_job"
# The driver and the executors run PySpark on Python 3.11 (the application's spark-defaults set
# spark.pyspark.python and spark.pyspark.driver.python to the same path: finops_infra.spark).
ENV PYSPARK_PYTHON=/usr/bin/python3.11 \
    PYSPARK_DRIVER_PYTHON=/usr/bin/python3.11
# EMR Serverless runs the image as hadoop.
USER hadoop:hadoop
