# Production image: gunicorn behind nginx (docker-compose.yml, deploy/nginx.conf).
# Settings default to production: DEBUG is off unless the environment says otherwise.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# torch==2.13.0 from PyPI is the CUDA build on Linux (what a GPU host wants). For a
# smaller CPU-only image, point pip at a CPU wheel index:
#   docker build --build-arg PIP_EXTRA_INDEX_URL=<cpu wheel index> .
ARG PIP_EXTRA_INDEX_URL=
# Pango: WeasyPrint draws the GST invoice PDFs with it.
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN DEBUG=false SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput
# /static: collected again at start into the volume nginx serves (compose).
RUN useradd --create-home shop && mkdir -p /data /static && chown shop /data /static
USER shop
EXPOSE 8000
# Settings (workers, threads, model preloaded before fork): gunicorn.conf.py.
CMD ["gunicorn"]
