from typing import Any

from django.http import HttpRequest

from .permissions import capabilities_of, roles_of


def memberships(request: HttpRequest) -> dict[str, Any]:
    """Templates show only what the user may do: `{% if 'products.edit' in caps %}`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"caps": frozenset(), "my_roles": {}}
    return {"caps": capabilities_of(user), "my_roles": roles_of(user)}
