# The portal's one image: web (gunicorn), worker and beat (celery) and the one-shot migrate all run it.
# docker-compose.yml shows how; docs/operations.md explains the processes.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=sop_portal.settings \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, and /app on PYTHONPATH, so every process (gunicorn, celery, the health checks) imports the code
# from /app, where settings' BASE_DIR finds templates/ and static/ too.
RUN pip install --no-deps -e .

# Hashed, compressed static files baked into the image. The key only lets settings load; it is not kept.
RUN SECRET_KEY=collectstatic-at-build-time-only DEBUG=0 python manage.py collectstatic --noinput

# The code stays owned by root: the portal's processes can read it but not change it.
RUN groupadd --system sop && useradd --system --gid sop --no-create-home --home-dir /app sop
USER sop

EXPOSE 8000
CMD ["gunicorn", "sop_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
