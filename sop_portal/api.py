"""API plumbing shared by every app: pagination and error bodies that name the field."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus a one-line `detail` on validation errors so clients can show one message."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        first = next(iter(response.data.items()), None)
        if first is not None:
            field, errors = first
            message = errors[0] if isinstance(errors, list) and errors else errors
            response.data = {"detail": f"{field}: {message}", "errors": response.data}
    return response


def expected_version(request: Any) -> int | None:
    """The version the client edited: `If-Match: "7"` or a `version` field; None means "don't check"."""
    from rest_framework.exceptions import ValidationError

    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    raw: Any = header or request.data.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"version": "must be a whole number"}) from exc
