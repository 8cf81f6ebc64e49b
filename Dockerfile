# ketacare: one image for the web server (`ketacare serve`) and the worker (`ketacare worker`).
# Build: docker build -t ketacare .   Run with PostgreSQL: compose.yaml, docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango (and its FreeType backend) for WeasyPrint's PDFs, e.g. the printable session record.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

# The package and its runtime dependencies only (no test tools); static files ship inside
# the package and are served by the app (WhiteNoise): no collectstatic step.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf /src

# No root at run time; the working directory holds nothing but a SQLite file if one is used.
RUN useradd --system --uid 10001 --home-dir /var/lib/ketacare --create-home ketacare \
    && install -d -o ketacare -g ketacare /var/lib/ketacare/audit
USER ketacare
WORKDIR /var/lib/ketacare

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
# Behind a TLS-terminating proxy (docs/deployment.md); workers and threads from
# KETACARE_SERVE_WORKERS / KETACARE_SERVE_THREADS.
CMD ["ketacare", "serve", "--host", "0.0.0.0", "--port", "8000"]
