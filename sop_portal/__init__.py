import os

# Several web and worker processes share a machine's cores; OpenBLAS's own thread pool on top of them spins on
# busy cores and made the planning's matrix products several times slower under load (budget scenario on a busy
# 2-core machine: 0.1 s → 0.8 s). One BLAS thread per process unless the deployment says otherwise. This runs
# before numpy is first imported by any Django process (manage.py, gunicorn, celery all import settings first).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Importing the Celery app here makes `@shared_task` bind to it wherever Django starts (web, worker, beat).
from .celery import app as celery_app

__all__ = ("celery_app",)
