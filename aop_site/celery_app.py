"""Celery wiring: the apps' tasks are found by autodiscovery; settings come from Django."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aop_site.settings")

app = Celery("aop_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
