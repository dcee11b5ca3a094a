"""Celery, used only when TAIZHANG_BROKER_URL is set (Redis or RabbitMQ). Tasks are thin and take ids."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
app = Celery("taizhang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
