"""REST endpoints for campaigns: CRUD with lines, submit / approve / reject / cancel, impact, pipeline state."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sop_portal.api import expected_version
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs.api import JobSerializer
from sop_portal.masterdata.models import Product
from sop_portal.organisation.models import Department

from . import impact, imports, services
from .models import Campaign, CampaignChange, CampaignProduct, CampaignStatus, CampaignType


class LineSerializer(serializers.ModelSerializer):
    sku = serializers.SlugRelatedField(source="product", slug_field="sku", queryset=Product.objects.all())
    predecessor_sku = serializers.SlugRelatedField(
        source="predecessor", slug_field="sku", queryset=Product.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = CampaignProduct
        fields = [
            "sku", "uplift_kind", "uplift_value", "profile", "custom_profile", "decay_weeks", "prebuy_pct",
            "prebuy_weeks", "dip_pct", "dip_weeks", "halo_pct", "cannibalisation_pct", "predecessor_sku",
            "transfer_pct",
        ]  # fmt: skip


class CampaignSerializer(serializers.ModelSerializer):
    owner_department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())
    owner = serializers.CharField(source="owner.username", read_only=True)
    lines = LineSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False, help_text="Version you edited (or send If-Match)")
    pipeline = serializers.SerializerMethodField(help_text="The latest change's trip through the pipeline")

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "type", "channel", "region", "description", "owner_department", "owner", "budget",
            "spend", "start_date", "end_date", "status", "version", "created", "updated", "lines", "pipeline",
        ]  # fmt: skip
        read_only_fields = ["id", "status", "created", "updated", "owner"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_pipeline(self, campaign: Campaign) -> dict[str, Any] | None:
        event = campaign.pipeline_events.select_related("job").first()
        if event is None or event.job is None:
            return None
        job = event.job
        return {
            "version": event.version, "status": job.status, "progress": job.progress, "message": job.message,
            "error": job.error, "revision": (job.result or {}).get("revision"), "job": str(job.pk),
        }  # fmt: skip


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CampaignStatus.choices)
    type = django_filters.ChoiceFilter(choices=CampaignType.choices)
    owner_department = django_filters.CharFilter(field_name="owner_department__code")
    sku = django_filters.CharFilter(field_name="lines__product__sku", distinct=True)
    starts_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    ends_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lte")

    class Meta:
        model = Campaign
        fields = ["status", "type", "channel", "region", "owner_department", "sku"]


def _conflict(exc: StaleEdit) -> Response:
    return Response({"detail": str(exc), "current_version": exc.current_version}, status=status.HTTP_409_CONFLICT)


def _bad(exc: InputError) -> ValidationError:
    field = f"lines[{exc.row - 1}].{exc.field}" if exc.row is not None else exc.field
    return ValidationError({field: exc.message})


def _lines(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"product": line.pop("product"), **line} for line in data]


class CampaignViewSet(viewsets.ModelViewSet):
    queryset = Campaign.objects.select_related("owner", "owner_department").prefetch_related(
        "lines__product", "lines__predecessor"
    )
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name", "description", "region"]
    ordering_fields = ["start_date", "end_date", "name", "budget", "updated"]
    write_capability = "campaigns.plan"
    action_capabilities = {"approve": "campaigns.approve", "reject": "campaigns.approve"}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        lines = _lines([dict(line) for line in data.pop("lines", [])])
        try:
            campaign = services.create_campaign(actor=request.user, lines=lines, **data)
        except InputError as exc:
            raise _bad(exc) from exc
        return Response(self.get_serializer(campaign).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        campaign = self.get_object()
        serializer = self.get_serializer(campaign, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        lines = _lines([dict(line) for line in data.pop("lines")]) if "lines" in data else None
        try:
            campaign = services.update_campaign(
                campaign, actor=request.user, expected_version=expected_version(request), lines=lines, **data
            )
        except StaleEdit as exc:
            return _conflict(exc)
        except InputError as exc:
            raise _bad(exc) from exc
        response = Response(self.get_serializer(campaign).data)
        response["ETag"] = f'"{campaign.version}"'
        return response

    def _transition(self, request: Request, name: str) -> Response:
        campaign = self.get_object()
        try:
            with transaction.atomic():
                campaign = services.transition(
                    campaign, name, actor=request.user, expected_version=expected_version(request),
                    note=str(request.data.get("note", ""))[:300],
                )  # fmt: skip
        except StaleEdit as exc:
            return _conflict(exc)
        except InputError as exc:
            return Response({"detail": f"{exc.field}: {exc.message}"}, status=status.HTTP_409_CONFLICT)
        response = Response(self.get_serializer(campaign).data)
        response["ETag"] = f'"{campaign.version}"'
        return response

    @extend_schema(request=None, parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Draft → proposed: ask for approval."""
        return self._transition(request, "submit")

    @extend_schema(request=None, parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)])
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Proposed → approved: its uplift enters the plan (the pipeline runs)."""
        return self._transition(request, "approve")

    @extend_schema(request=None, parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)])
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Proposed → draft, with a note saying why."""
        return self._transition(request, "reject")

    @extend_schema(request=None, parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)])
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Any open campaign → cancelled: its uplift leaves the plan."""
        return self._transition(request, "cancel")

    @extend_schema(
        responses=inline_serializer(
            "CampaignImpact",
            {
                "weeks": serializers.ListField(child=serializers.CharField()),
                "units_added": serializers.ListField(child=serializers.FloatField()),
                "mps_added": serializers.ListField(child=serializers.FloatField()),
                "total_units": serializers.FloatField(),
                "products": serializers.ListField(child=serializers.DictField()),
                "new_shortages": serializers.ListField(child=serializers.DictField()),
                "resources": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(detail=True)
    def impact(self, request: Request, pk: str | None = None) -> Response:
        """What this campaign does to demand, the MPS and capacity (counted as if approved; nothing saved)."""
        return Response(impact.campaign_impact(self.get_object()).as_json())

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def pipeline(self, request: Request, pk: str | None = None) -> Response:
        """Pipeline runs of this campaign's changes, newest first: queued, running, done or failed."""
        campaign = self.get_object()
        events = campaign.pipeline_events.select_related("job")[:20]
        return Response(
            [{"version": e.version, "action": e.action, **JobSerializer(e.job).data} for e in events if e.job]
        )

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request: Request) -> Response:
        """Bulk import from CSV or Excel (one row per campaign line): all rows are checked, and with any error
        nothing is written and every bad row is listed with its column."""
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "attach a .csv or .xlsx file"})
        result = imports.import_campaigns(upload.read(), upload.name, request.user)
        if result.errors:
            return Response(
                {
                    "detail": f"{len(result.errors)} row error(s); nothing was imported",
                    "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"created": result.created, "duplicates": result.duplicates, "campaigns": [c.pk for c in result.campaigns]},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The audit trail: every change with who, when and what."""
        changes = CampaignChange.objects.filter(campaign=self.get_object()).select_related("changed_by")
        return Response(
            [
                {"version": c.version, "action": c.action, "at": c.at, "by": getattr(c.changed_by, "username", None),
                 "changes": c.changes, "note": c.note}
                for c in changes
            ]
        )  # fmt: skip
