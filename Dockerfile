# The portal's image: one image for the web, worker and beat services (see docker-compose.yml).

# GOV.UK Frontend, compiled with Sass by `make static` into build/static. Only npm is needed here:
# the suite replays this stage in a folder holding only what it copies (tests/bold_portal/test_image_build.py).
FROM node:22-bookworm AS static
WORKDIR /src
COPY Makefile package.json package-lock.json ./
RUN make node_modules/.installed
COPY static/ static/
RUN make static

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# WeasyPrint (the PDF export) draws text with Pango and HarfBuzz; the slim image has neither, and no
# fonts at all: DejaVu Sans has the ✓ and ✗ the matrix prints.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
COPY --from=static /src/build/static build/static
# Static files are collected (hashed and compressed by WhiteNoise) at build time, not on start.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --no-create-home --uid 10001 bold
USER bold
EXPOSE 8000
CMD ["gunicorn", "bold_portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
