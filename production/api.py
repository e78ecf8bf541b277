"""REST endpoints of the MPS: items with their grid, revisions and diffs, rough-cut load, and replanning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sop_portal.api import expected_version
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs.api import JobSerializer
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.weeks import parse_week, week_label

from . import selectors, services
from .models import FirmPlannedOrder, MpsItem, MpsRevision, ResourceLoad


class MpsItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    product = serializers.CharField(source="product.name")
    family = serializers.CharField(source="product.family.code")
    plant = serializers.CharField(source="plant.code")
    shortage = serializers.BooleanField(source="plan.shortage", default=False)
    first_shortage_week = serializers.SerializerMethodField()
    below_safety_stock = serializers.BooleanField(source="plan.below_safety_stock", default=False)
    overload = serializers.BooleanField(read_only=True)
    revision = serializers.IntegerField(source="plan.revision.number", default=None)

    class Meta:
        model = MpsItem
        fields = [
            "id", "sku", "product", "family", "plant", "demand_share", "on_hand", "safety_stock", "lead_time",
            "demand_time_fence", "planning_time_fence", "demand_inside_dtf", "demand_outside_dtf", "lot_rule",
            "lot_qty", "poq_periods", "fixed_lot_repeats", "min_lot", "max_lot", "lot_multiple", "atp_rule",
            "version", "shortage", "first_shortage_week", "below_safety_stock", "overload", "revision",
        ]  # fmt: skip
        read_only_fields = fields

    def get_first_shortage_week(self, item: MpsItem) -> str | None:
        plan = getattr(item, "plan", None)
        return week_label(plan.first_shortage_week) if plan and plan.first_shortage_week else None


class MpsItemFilter(django_filters.FilterSet):
    family = django_filters.CharFilter(field_name="product__family__code")
    plant = django_filters.CharFilter(field_name="plant__code")
    sku = django_filters.CharFilter(field_name="product__sku")
    exception = django_filters.ChoiceFilter(
        choices=[("shortage", "shortage"), ("overload", "overload"), ("below_safety_stock", "below safety stock")],
        method="filter_exception",
    )

    class Meta:
        model = MpsItem
        fields = ["family", "plant", "sku", "exception"]

    def filter_exception(self, queryset: Any, name: str, value: str) -> Any:
        if value == "shortage":
            return queryset.filter(plan__shortage=True)
        if value == "overload":
            return queryset.filter(overload=True)
        return queryset.filter(plan__below_safety_stock=True)


class MpsParametersSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="Version you edited (or send If-Match)")

    class Meta:
        model = MpsItem
        fields = [*services.MPS_ITEM_FIELDS, "version"]
        extra_kwargs = {name: {"required": False} for name in services.MPS_ITEM_FIELDS}


class FirmPlannedOrderSerializer(serializers.ModelSerializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2027-W14")
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = FirmPlannedOrder
        fields = ["id", "week", "quantity", "note", "created_by", "created"]
        read_only_fields = ["id", "created_by", "created"]

    def to_representation(self, instance: FirmPlannedOrder) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["week"] = week_label(instance.week)
        return data

    def validate_week(self, value: str) -> Any:
        try:
            return parse_week(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class MpsItemViewSet(viewsets.ReadOnlyModelViewSet):
    """MPS items, exceptions first (shortage, overload, below safety stock), each with its grid.

    PATCH changes planning parameters (If-Match / version, 409 when stale) and queues the item's replan.
    """

    serializer_class = MpsItemSerializer
    filterset_class = MpsItemFilter
    write_capability = "mps.edit"
    search_fields = ["product__sku", "product__name"]
    ordering_fields = ["product__sku", "plant__code"]

    def get_queryset(self) -> Any:
        return selectors.items_exceptions_first().select_related("plan__revision")

    @extend_schema(request=MpsParametersSerializer, responses=MpsItemSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        body = MpsParametersSerializer(item, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {k: v for k, v in body.validated_data.items() if k != "version"}
        try:
            services.update_mps_item(item, expected_version=expected_version(request), actor=request.user, **changes)
        except StaleEdit as exc:
            return Response({"detail": str(exc), "current_version": exc.current_version}, status=409)
        except InputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=FirmPlannedOrderSerializer, responses=FirmPlannedOrderSerializer(many=True))
    @action(detail=True, methods=["get", "post"], url_path="firm-planned-orders")
    def firm_planned_orders(self, request: Request, pk: str | None = None) -> Response:
        """The item's firm planned orders; POST adds one (and queues the item's replan)."""
        item = self.get_object()
        if request.method == "POST":
            body = FirmPlannedOrderSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                order = services.add_firm_planned_order(item, actor=request.user, **body.validated_data)
            except InputError as exc:
                raise ValidationError({exc.field: exc.message}) from exc
            return Response(FirmPlannedOrderSerializer(order).data, status=status.HTTP_201_CREATED)
        orders = item.firm_planned_orders.select_related("created_by").order_by("week")
        return Response(FirmPlannedOrderSerializer(orders, many=True).data)

    @extend_schema(
        responses=inline_serializer(
            "MpsGrid",
            {
                "item": MpsItemSerializer(),
                "weeks": serializers.ListField(child=serializers.CharField()),
                "rows": serializers.DictField(child=serializers.ListField(child=serializers.FloatField())),
            },
        )
    )
    @action(detail=True)
    def grid(self, request: Request, pk: str | None = None) -> Response:
        """The MPS grid: forecast, orders, gross requirements, receipts, projected available, MPS, ATP."""
        item = self.get_object()
        grid = selectors.grid(item, services.planning_window())
        return Response(
            {
                "item": self.get_serializer(item).data,
                "weeks": grid.weeks,
                "rows": {measure: values for measure, _, values in grid.rows},
            }
        )


class RevisionSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    first_week = serializers.SerializerMethodField()

    class Meta:
        model = MpsRevision
        fields = [
            "number", "created", "trigger", "causes", "requested_by", "first_week", "items_changed",
            "cells_changed", "summary",
        ]  # fmt: skip

    def get_first_week(self, revision: MpsRevision) -> str:
        return week_label(revision.first_week)


class DiffLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    plant = serializers.CharField()
    measure = serializers.CharField()
    week = serializers.CharField()
    old = serializers.FloatField()
    new = serializers.FloatField()
    causes = serializers.CharField()
    text = serializers.CharField()


class RevisionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = MpsRevision.objects.select_related("requested_by")
    serializer_class = RevisionSerializer
    lookup_field = "number"
    filterset_fields = ["trigger"]

    @extend_schema(
        parameters=[
            OpenApiParameter("against", OpenApiTypes.INT, description="Older revision (default: the previous one)"),
            OpenApiParameter("sku", OpenApiTypes.STR, description="Only this product"),
        ],
        responses=DiffLineSerializer(many=True),
    )
    @action(detail=True)
    def diff(self, request: Request, number: str | None = None) -> Response:
        """What changed from revision `against` to this one, cell by cell, with the cause of each change."""
        revision = self.get_object()
        try:
            against = int(request.query_params.get("against", revision.number - 1))
        except ValueError as exc:
            raise ValidationError({"against": "must be a revision number"}) from exc
        if not 0 <= against < revision.number:
            raise ValidationError({"against": f"must be an earlier revision than {revision.number}"})
        item_ids = None
        if sku := request.query_params.get("sku"):
            product = get_object_or_404(Product, sku=sku)
            item_ids = list(MpsItem.objects.filter(product=product).values_list("pk", flat=True))
        lines = selectors.diff_lines(against, revision.number, item_ids)
        page: list[Any] = self.paginate_queryset(lines) or []  # type: ignore[arg-type]
        return self.get_paginated_response(DiffLineSerializer(page, many=True).data)


class ResourceLoadSerializer(serializers.ModelSerializer):
    resource = serializers.CharField(source="resource.code")
    name = serializers.CharField(source="resource.name")
    plant = serializers.CharField(source="resource.plant.code")
    revision = serializers.IntegerField(source="revision.number")
    weeks = serializers.SerializerMethodField()

    class Meta:
        model = ResourceLoad
        fields = ["resource", "name", "plant", "revision", "weeks", "load", "capacity", "overloaded_weeks",
                  "peak_utilisation"]  # fmt: skip

    def get_weeks(self, row: ResourceLoad) -> list[str]:
        return [week_label(row.first_week + timedelta(weeks=k)) for k in range(len(row.load))]


class CapacityLoadViewSet(viewsets.ReadOnlyModelViewSet):
    """Rough-cut capacity: load against capacity per resource and week in the latest plan."""

    serializer_class = ResourceLoadSerializer
    lookup_field = "resource__code"
    lookup_url_kwarg = "resource"
    filterset_fields = {"resource__plant__code": ["exact"], "overloaded_weeks": ["gt", "exact"]}

    def get_queryset(self) -> Any:
        return selectors.resource_loads()


class ReplanRequest(serializers.Serializer):
    products = serializers.ListField(
        child=serializers.CharField(), required=False, allow_empty=False, help_text="SKUs; omit for all"
    )


class ReplanView(APIView):
    """Queue a replan; answers 202 at once with the job's status URL to poll."""

    write_capability = "mps.replan"

    @extend_schema(request=ReplanRequest, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        body = ReplanRequest(data=request.data)
        body.is_valid(raise_exception=True)
        products = None
        if skus := body.validated_data.get("products"):
            found = dict(Product.objects.filter(sku__in=skus).values_list("sku", "pk"))
            missing = [sku for sku in skus if sku not in found]
            if missing:
                raise ValidationError({"products": f"unknown SKU(s): {', '.join(missing)}"})
            products = list(found.values())
        job = services.request_replan(products, requested_by=request.user)
        status_url = reverse("job-detail", kwargs={"pk": job.pk})
        data = {**JobSerializer(job).data, "status_url": request.build_absolute_uri(status_url)}
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": status_url})
