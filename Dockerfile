# OpenAOP production image: gunicorn serving Django; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN useradd --create-home openaop \
 && mkdir -p /var/lib/openaop/imports && chown openaop /var/lib/openaop/imports \
 && DEBUG=0 SECRET_KEY=build-only-key-build-only-key-build-only-key-0123456789 \
    python manage.py collectstatic --noinput \
 && chown -R openaop /app
USER openaop

EXPOSE 8000
CMD ["gunicorn", "aop_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]
