import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bold_portal.settings")

app = Celery("bold_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
