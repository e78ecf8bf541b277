"""Project system checks: refuse to serve without what production needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = "SECRET_KEY is required when DEBUG is off (see .env.example)"


def _has_secret_key() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        return False


@register()
def secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[Error]:
    return [] if _has_secret_key() else [Error(MISSING_KEY, id="sop_portal.E001")]


def require_secret_key() -> None:
    """For entry points that run no system checks (WSGI / ASGI): fail at start, not on the first request."""
    if not _has_secret_key():
        raise ImproperlyConfigured(MISSING_KEY)
