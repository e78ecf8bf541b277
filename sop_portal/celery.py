"""The Celery app. Broker, eager mode and the beat schedule come from settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_portal.settings")

app = Celery("sop_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["sop_portal"], related_name="health")
