# The Fengkong server's image: the API and the officer console under uvicorn, as `fengkong serve`
# runs them. The reference deployment (deploy/docker-compose.yml, docs/scaling.md) runs several
# of these behind a proxy.
FROM python:3.11-slim

# LightGBM's wheel links OpenMP's runtime, which the slim image lacks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/fengkong
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
# The versions the project is tested with (constraints.txt), not whatever is newest today.
RUN pip install -c constraints.txt . && rm -rf /opt/fengkong/src

RUN useradd --system --create-home --home-dir /var/lib/fengkong --uid 10001 fengkong
USER fengkong

# FENGKONG_HOME holds model artifacts, signed audit checkpoints and the signing key: a volume
# shared by the replicas. Each container's metrics files stay its own (PROMETHEUS_MULTIPROC_DIR):
# `serve` empties that directory at start, which must not touch another replica's.
ENV FENGKONG_HOME=/var/lib/fengkong \
    FENGKONG_LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/fengkong-metrics \
    WEB_CONCURRENCY=2
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]

# WEB_CONCURRENCY: uvicorn worker processes in this container (one per core it is given).
CMD ["sh", "-c", "exec fengkong serve --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY}\""]
