"""/api/v1/alerts/: the notification centre for scripts — list with filters, acknowledge, resolve, assign — and
/api/v1/alerts/accountability/, the leadership review's figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sop_portal.errors import InputError

from . import accountability, services
from .models import Alert


class AlertSerializer(serializers.ModelSerializer):
    severity = serializers.CharField(source="get_severity_display", read_only=True)
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, read_only=True)
    resolved_by = serializers.CharField(source="resolved_by.username", default=None, read_only=True)
    departments = serializers.ListField(child=serializers.CharField(), read_only=True)
    cause = serializers.DictField(read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "key", "type", "severity", "status", "subject_type", "subject_id", "subject_label", "message",
                  "cause", "departments", "occurrences", "created", "last_seen", "due_at", "owner",
                  "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by"]  # fmt: skip
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text="Id of a user in one of the alert's departments")


class AlertFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Alert.Status.choices)
    type = filters.ChoiceFilter(choices=Alert.Type.choices)
    min_severity = filters.NumberFilter(field_name="severity", lookup_expr="gte")
    department = filters.CharFilter(method="in_department", help_text="Department code")

    class Meta:
        model = Alert
        fields = ["status", "type", "min_severity", "department", "owner"]

    def in_department(self, queryset: QuerySet[Alert], name: str, value: str) -> QuerySet[Alert]:
        return queryset.filter(services.in_departments([value]))


CONFLICT = OpenApiResponse(description="The alert was already acknowledged or resolved; nothing was written")


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alerts of every department. Members of one of an alert's departments may acknowledge, resolve, assign it."""

    queryset = Alert.objects.select_related("owner", "acknowledged_by", "resolved_by").order_by("-last_seen", "pk")
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering_fields = ["last_seen", "created", "severity", "due_at"]
    action_capabilities = {"acknowledge": "alerts.act", "resolve": "alerts.act", "assign": "alerts.act"}

    def _act(self, request: Request, do: Callable[[Alert], Any]) -> Response:
        alert = self.get_object()
        if not services.may_act(request.user, alert):
            raise PermissionDenied("Only members of the alert's departments may act on it.")
        try:
            do(alert)
        except services.AlertStateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except InputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(request=None, responses={200: AlertSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, lambda a: services.acknowledge_alert(a, actor=request.user))

    @extend_schema(request=None, responses={200: AlertSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, lambda a: services.resolve_alert(a, actor=request.user))

    @extend_schema(request=AssignSerializer, responses={200: AlertSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = body.validated_data["owner"]
        return self._act(request, lambda a: services.assign_alert(a, owner=owner, actor=request.user))


class AccountabilityView(APIView):
    """The accountability review (the page /alerts/accountability/): unresolved alerts per department and
    severity, median hours to acknowledge and to resolve the alerts raised in the period, overdue alerts per
    owner, and per ISO week of the last 13 the alerts raised, acknowledged, resolved, open and overdue."""

    @extend_schema(
        parameters=[
            OpenApiParameter("weeks", int, enum=list(accountability.PERIODS), description="Period of the medians"),
            OpenApiParameter("department", str, description="Department code; all departments when left out"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        form = accountability.AccountabilityForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        return Response(accountability.report(form.scope()).as_json())
