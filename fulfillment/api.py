"""REST endpoints of warehouse capacity: warehouses with their capacity (PATCH with If-Match, 409 when stale),
weekly capacity, the stored projection, heatmap rows, a week's breakdown, order fill, capacity exceptions and
product assignments. Reads come from `selectors`, the same as the pages; writes go through `services`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from production.plan_inputs import PlanningWindow
from production.services import planning_window
from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata.models import Product
from sop_portal.masterdata.weeks import parse_week, week_label

from . import inputs, selectors, services
from .models import Assignment, CapacityException, Warehouse
from .planning.projection import DIMENSIONS
from .stored import UTILISATION_CAP, as_series, as_utilisation, stored


def series(**kwargs: Any) -> serializers.ListField:
    """One number per week (null where not recorded); a new field each time, as DRF binds fields to one parent."""
    return serializers.ListField(child=serializers.FloatField(allow_null=True), **kwargs)


MAX_FILL_PRODUCTS = 200


def _expected_version(request: Request) -> int | None:
    """`If-Match: "7"` or a `version` field; None means "don't check"."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    raw = header or request.data.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"version": "must be a whole number"}) from exc


def _stale(exc: StaleEdit) -> Response:
    return Response(
        {"detail": str(exc), "current_version": exc.current_version},
        status=status.HTTP_409_CONFLICT,
        headers={"ETag": f'"{exc.current_version}"'},
    )


def _week(value: str | None, field: str) -> Any:
    try:
        return parse_week(value or "")
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from exc


class WarehouseSerializer(serializers.ModelSerializer):
    peak_utilisation = serializers.FloatField(source="projection.peak_utilisation", default=None, read_only=True)
    weeks_above_warning = serializers.IntegerField(source="projection.weeks_above_warning", default=0, read_only=True)
    weeks_above_critical = serializers.IntegerField(source="projection.weeks_above_critical", default=0, read_only=True)
    late_order_lines = serializers.IntegerField(source="projection.late_order_lines", default=0, read_only=True)
    checked = serializers.DateTimeField(source="projection.checked", default=None, read_only=True)

    class Meta:
        model = Warehouse
        fields = [
            "code", "name", "location", *services.CAPACITY_FIELDS, "version", "peak_utilisation",
            "weeks_above_warning", "weeks_above_critical", "late_order_lines", "checked",
        ]  # fmt: skip
        read_only_fields = ["code", "name", "location"]


class CapacityUpdateSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="Version you edited (or send If-Match)")

    class Meta:
        model = Warehouse
        fields = [*services.CAPACITY_FIELDS, "version"]
        extra_kwargs = {name: {"required": False} for name in services.CAPACITY_FIELDS}


WeeklyCapacity = inline_serializer(
    "WarehouseWeeklyCapacity",
    {
        "warehouse": serializers.CharField(),
        "weeks": serializers.ListField(child=serializers.CharField()),
        "capacity": serializers.DictField(
            child=series(), help_text="dimension → capacity per week; null: not recorded"
        ),
    },
)
Projection = inline_serializer(
    "WarehouseProjection",
    {
        "warehouse": serializers.CharField(),
        "revision": serializers.IntegerField(allow_null=True),
        "checked": serializers.DateTimeField(),
        "weeks": serializers.ListField(child=serializers.CharField()),
        "load": serializers.DictField(child=series()),
        "capacity": serializers.DictField(child=series()),
        "utilisation": serializers.DictField(
            child=series(), help_text=f"load / capacity; null: not checked; {UTILISATION_CAP:g}: load on a closed week"
        ),
        "worst": series(),
        "campaigns": serializers.ListField(
            child=inline_serializer(
                "CampaignOutbound",
                {"id": serializers.IntegerField(), "name": serializers.CharField(), "outbound": series()},
            )
        ),
    },
)  # fmt: skip
HeatmapRow = inline_serializer(
    "HeatmapRow",
    {
        "warehouse": serializers.CharField(),
        "name": serializers.CharField(),
        "cells": serializers.ListField(
            child=inline_serializer(
                "HeatmapCell",
                {
                    "week": serializers.CharField(),
                    "utilisation": serializers.FloatField(allow_null=True),
                    "level": serializers.CharField(),
                    "dimension": serializers.CharField(),
                },
            )
        ),
    },
    many=True,
)
Campaign = inline_serializer(
    "BreakdownCampaign",
    {"id": serializers.IntegerField(), "name": serializers.CharField(), "load": serializers.FloatField(),
     "share": serializers.FloatField(allow_null=True)},
)  # fmt: skip
Breakdown = inline_serializer(
    "WarehouseWeekBreakdown",
    {
        "warehouse": serializers.CharField(),
        "week": serializers.CharField(),
        "dimensions": serializers.ListField(
            child=inline_serializer(
                "DimensionBreakdown",
                {
                    "dimension": serializers.CharField(),
                    "units": serializers.CharField(),
                    "load": serializers.FloatField(allow_null=True),
                    "capacity": serializers.FloatField(allow_null=True),
                    "utilisation": serializers.FloatField(allow_null=True),
                    "level": serializers.CharField(),
                    "campaigns": serializers.ListField(child=Campaign),
                    "products": serializers.ListField(
                        child=inline_serializer(
                            "BreakdownProduct",
                            {
                                "sku": serializers.CharField(),
                                "name": serializers.CharField(),
                                "load": serializers.FloatField(),
                                "share": serializers.FloatField(allow_null=True),
                            },
                        )
                    ),
                },
            )
        ),
    },
)
LateLine = inline_serializer(
    "LateOrderLine",
    {
        "number": serializers.CharField(), "line": serializers.IntegerField(), "customer": serializers.CharField(),
        "channel": serializers.CharField(), "sku": serializers.CharField(), "due_week": serializers.CharField(),
        "quantity": serializers.FloatField(), "on_time": serializers.FloatField(), "short": serializers.FloatField(),
        "ship_week": serializers.CharField(allow_null=True), "weeks_late": serializers.IntegerField(allow_null=True),
        "campaigns": serializers.ListField(child=serializers.DictField()),
    },
)  # fmt: skip
WarehouseFill = inline_serializer(
    "WarehouseFill",
    {
        "warehouse": serializers.CharField(),
        "weeks": serializers.ListField(child=serializers.CharField()),
        "demand": series(),
        "on_time": series(),
        "backorder": series(),
        "fill_rate": series(),
        "campaigns": serializers.ListField(child=serializers.DictField(), help_text="[{id, name, backorder: [...]}]"),
        "late_order_lines": serializers.IntegerField(),
        "late_orders": serializers.ListField(child=LateLine),
    },
)


class WarehouseViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Warehouses with their capacity settings and how loaded they are. PATCH changes capacity, rates or
    thresholds (warehouse.edit; If-Match or `version`, 409 when stale) and re-assesses the projected load."""

    serializer_class = WarehouseSerializer
    lookup_field = "code"
    write_capability = "warehouse.edit"
    http_method_names = ["get", "patch", "head", "options"]
    search_fields = ["code", "name"]

    def get_queryset(self) -> Any:
        return selectors.warehouses()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        warehouse = self.get_object()
        return Response(self.get_serializer(warehouse).data, headers={"ETag": f'"{warehouse.version}"'})

    @extend_schema(request=CapacityUpdateSerializer, responses=WarehouseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        warehouse = self.get_object()
        body = CapacityUpdateSerializer(warehouse, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {k: v for k, v in body.validated_data.items() if k != "version"}
        try:
            saved = services.update_capacity(
                warehouse, expected_version=_expected_version(request), actor=request.user, **changes
            )
        except StaleEdit as exc:
            return _stale(exc)
        except InputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        data = self.get_serializer(self.get_queryset().get(pk=saved.pk)).data
        return Response(data, headers={"ETag": f'"{saved.version}"'})

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(responses=WeeklyCapacity)
    @action(detail=True)
    def capacity(self, request: Request, code: str | None = None) -> Response:
        """Capacity per dimension and week over the planning horizon, exceptions applied."""
        warehouse = self.get_object()
        window = planning_window()
        capacity = inputs.capacity_by_week([warehouse], window)[0]
        return Response(
            {
                "warehouse": warehouse.code,
                "weeks": _labels(window),
                "capacity": {d: as_series(capacity[k]) for k, d in enumerate(DIMENSIONS)},
            }
        )

    @extend_schema(responses=Projection)
    @action(detail=True)
    def projection(self, request: Request, code: str | None = None) -> Response:
        """The stored projection: load, capacity and utilisation per dimension and week, each campaign's outbound."""
        view = stored(self._projection())
        return Response(
            {
                "warehouse": view.projection.warehouse.code,
                "revision": view.projection.revision.number if view.projection.revision else None,
                "checked": view.projection.checked,
                "weeks": [view.label(k) for k in range(view.weeks)],
                "load": view.projection.load,
                "capacity": view.projection.capacity,
                "utilisation": {d: as_utilisation(view.utilisation[k]) for k, d in enumerate(DIMENSIONS)},
                "worst": view.projection.worst,
                "campaigns": view.projection.campaigns,
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("week", OpenApiTypes.STR, required=True, description="ISO week, e.g. 2027-W14")],
        responses=Breakdown,
    )
    @action(detail=True)
    def breakdown(self, request: Request, code: str | None = None) -> Response:
        """One week: each dimension's load against capacity, the campaigns and the products behind it."""
        warehouse = self.get_object()
        found = selectors.breakdown(warehouse, _week(request.query_params.get("week"), "week"))
        if found is None:
            raise NotFound(f"{warehouse.name} has no projection for that week")
        return Response(
            {
                "warehouse": warehouse.code,
                "week": found.week,
                "dimensions": [
                    {"dimension": d.dimension, "units": d.units, "load": d.load, "capacity": d.capacity,
                     "utilisation": d.utilisation, "level": d.level, "campaigns": d.campaigns,
                     "products": [{k: p[k] for k in ("sku", "name", "load", "share")} for p in d.products]}
                    for d in found.dimensions
                ],
            }
        )  # fmt: skip

    @extend_schema(responses=WarehouseFill)
    @action(detail=True, url_path="fill-rate")
    def fill_rate(self, request: Request, code: str | None = None) -> Response:
        """Projected order fill through this warehouse per week, the campaigns behind the backorder, and the open
        order lines projected late or short."""
        projection = self._projection()
        series = selectors.fill_series(projection)
        return Response(
            {
                "warehouse": projection.warehouse.code,
                "weeks": series.labels,
                "demand": series.demand,
                "on_time": series.on_time,
                "backorder": series.backorder,
                "fill_rate": series.rate,
                "campaigns": series.campaigns,
                "late_order_lines": projection.late_order_lines,
                "late_orders": projection.late_orders,
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("from", OpenApiTypes.STR, description="First ISO week (default: this week)"),
                    OpenApiParameter("weeks", OpenApiTypes.INT, description="How many weeks (default 26)")],
        responses=HeatmapRow,
    )  # fmt: skip
    @action(detail=False)
    def heatmap(self, request: Request) -> Response:
        """Warehouses x weeks: the worst utilisation over the dimensions, its colour band and which dimension."""
        start = _week(request.query_params["from"], "from") if "from" in request.query_params else None
        try:
            weeks = int(request.query_params.get("weeks", selectors.HEATMAP_WEEKS))
        except ValueError as exc:
            raise ValidationError({"weeks": "must be a whole number"}) from exc
        if not 1 <= weeks <= 520:
            raise ValidationError({"weeks": "must be between 1 and 520"})
        data = selectors.heatmap(start, weeks)
        return Response(
            [
                {
                    "warehouse": row.warehouse.code,
                    "name": row.warehouse.name,
                    "cells": [
                        {"week": c.week, "utilisation": c.utilisation, "level": c.level, "dimension": c.dimension}
                        for c in row.cells
                    ],
                }
                for row in data.rows
            ]
        )

    def _projection(self) -> Any:
        warehouse = self.get_object()
        projection = getattr(warehouse, "projection", None)
        if projection is None:
            raise NotFound(f"{warehouse.name} has not been checked yet: assign products to it")
        return projection


def _labels(window: PlanningWindow) -> list[str]:
    return [week_label(window.first_week + timedelta(weeks=k)) for k in range(window.weeks)]


class ExceptionSerializer(serializers.ModelSerializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())
    week = serializers.CharField(help_text="ISO week, e.g. 2027-W14")
    version = serializers.IntegerField(
        required=False, write_only=True, help_text="The warehouse's version you edited (or send If-Match)"
    )

    class Meta:
        model = CapacityException
        fields = ["id", "warehouse", "dimension", "week", "capacity", "reason", "version"]

    def to_representation(self, instance: CapacityException) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["week"] = week_label(instance.week)
        return data

    def validate_week(self, value: str) -> Any:
        return _week(value, "week")


class ExceptionViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Weekly capacity exceptions (holidays, peak shifts, closures). Writes need warehouse.edit and the
    warehouse's version (If-Match or `version`); they re-assess the warehouse's load."""

    serializer_class = ExceptionSerializer
    write_capability = "warehouse.edit"
    filterset_fields = {"warehouse__code": ["exact"], "dimension": ["exact"]}

    def get_queryset(self) -> Any:
        return CapacityException.objects.select_related("warehouse").order_by("warehouse__code", "week", "dimension")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            exception = services.set_capacity_exception(
                data["warehouse"], expected_version=_expected_version(request), dimension=data["dimension"],
                week=data["week"], capacity=data["capacity"], reason=data.get("reason", ""), actor=request.user,
            )  # fmt: skip
        except StaleEdit as exc:
            return _stale(exc)
        except InputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        return Response(self.get_serializer(exception).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            services.remove_capacity_exception(
                self.get_object(), expected_version=_expected_version(request), actor=request.user
            )
        except StaleEdit as exc:
            return _stale(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentSerializer(serializers.ModelSerializer):
    sku = serializers.SlugRelatedField(source="product", slug_field="sku", queryset=Product.objects.all())
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())

    class Meta:
        model = Assignment
        fields = ["id", "sku", "warehouse", "share_pct", "units_per_case", "units_per_pallet"]
        validators: list[Any] = []  # a product already in the warehouse is replaced, not refused


class AssignmentFilter(django_filters.FilterSet):
    warehouse = django_filters.CharFilter(field_name="warehouse__code")
    sku = django_filters.CharFilter(field_name="product__sku")

    class Meta:
        model = Assignment
        fields = ["warehouse", "sku"]


class AssignmentViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Which products ship from which warehouse, with their share of demand (a product's shares add up to 100 % at
    most), units per case and per pallet. POST one or a list (an existing product + warehouse is replaced);
    writes re-check the warehouses involved."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    write_capability = "warehouse.edit"

    def get_queryset(self) -> Any:
        return Assignment.objects.select_related("product", "warehouse").order_by("warehouse__code", "product__sku")

    @extend_schema(request=AssignmentSerializer(many=True), responses={201: AssignmentSerializer(many=True)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        many = isinstance(request.data, list)
        body = self.get_serializer(data=request.data, many=many)
        body.is_valid(raise_exception=True)
        rows = body.validated_data if many else [body.validated_data]
        try:
            services.set_assignments(rows, actor=request.user)
        except InputError as exc:
            raise ValidationError({"detail": str(exc), exc.field: exc.message}) from exc
        saved = Assignment.objects.select_related("product", "warehouse").filter(
            product__in=[r["product"] for r in rows], warehouse__in=[r["warehouse"] for r in rows]
        )
        wanted = {(r["product"].pk, r["warehouse"].pk) for r in rows}
        data = [AssignmentSerializer(a).data for a in saved if (a.product_id, a.warehouse_id) in wanted]
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.remove_assignment(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


ProductFill = inline_serializer(
    "ProductFill",
    {
        "sku": serializers.CharField(),
        "weeks": serializers.ListField(child=serializers.CharField()),
        "demand": series(),
        "on_time": series(),
        "backorder": series(),
        "fill_rate": series(),
        "campaigns": serializers.ListField(child=serializers.DictField(), help_text="[{id, name, backorder_share}]"),
    },
    many=True,
)


class FillRateView(APIView):
    """Projected fill rate per product and week, from the current plan and open orders (computed on request):
    demand (the plan's gross requirements, never less than the orders), units shipped on time, backorder, and the
    share of each week's backorder each campaign carries."""

    @extend_schema(
        parameters=[OpenApiParameter("sku", OpenApiTypes.STR, many=True, required=True,
                                     description=f"One or more SKUs (at most {MAX_FILL_PRODUCTS})")],
        responses=ProductFill,
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        skus = request.query_params.getlist("sku")
        if not skus:
            raise ValidationError({"sku": "name at least one SKU"})
        if len(skus) > MAX_FILL_PRODUCTS:
            raise ValidationError({"sku": f"at most {MAX_FILL_PRODUCTS} SKUs per request"})
        found = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
        missing = [sku for sku in skus if sku not in found]
        if missing:
            raise ValidationError({"sku": f"unknown SKU(s): {', '.join(missing)}"})
        rows = selectors.product_fill([found[sku] for sku in dict.fromkeys(skus)])
        return Response(
            [
                {"sku": row.product.sku, "weeks": row.weeks, "demand": row.demand, "on_time": row.on_time,
                 "backorder": row.backorder, "fill_rate": row.rate, "campaigns": row.campaigns}
                for row in rows
            ]
        )  # fmt: skip
