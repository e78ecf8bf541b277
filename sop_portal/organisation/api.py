"""REST endpoints: departments with their members, who am I, and token login (throttled)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .models import Department, Membership, Role
from .permissions import capabilities_of


class DepartmentSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["code", "name", "description", "members"]

    def get_members(self, department: Department) -> list[dict[str, str]]:
        return [
            {"username": m.user.username, "role": Role(m.role).label.lower()}
            for m in department.memberships.all()
        ]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.prefetch_related("memberships__user")
    serializer_class = DepartmentSerializer
    lookup_field = "code"
    pagination_class = None


class MeView(APIView):
    # Anyone logged in may ask who they are, even before joining a department.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "email": serializers.EmailField(),
                "departments": serializers.DictField(child=serializers.CharField()),
                "capabilities": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user: Any = request.user
        roles = {
            m.department.code: Role(m.role).label.lower()
            for m in Membership.objects.filter(user=user).select_related("department")
        }
        return Response(
            {
                "username": user.get_username(),
                "email": user.email,
                "departments": roles,
                "capabilities": sorted(capabilities_of(user)),
            }
        )


class TokenLoginView(ObtainAuthToken):
    """Username + password → API token. Throttled per client, and django-axes locks out repeated failures."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Without this check a locked-out client would only see "unable to log in" and keep guessing.
        if AxesProxyHandler.is_locked(request._request, credentials={"username": request.data.get("username")}):
            minutes = round(settings.AXES_COOLOFF_TIME * 60)
            return Response(
                {"detail": f"Too many failed logins; try again in {minutes} minutes."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        return super().post(request, *args, **kwargs)

