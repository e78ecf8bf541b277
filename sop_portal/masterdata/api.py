"""REST endpoints for product families, products and the baseline forecast. Writes go through services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from sop_portal.api import expected_version
from sop_portal.errors import InputError, StaleEdit

from . import services
from .models import BaselineForecast, Product, ProductFamily, ProductStatus
from .weeks import parse_week, week_label, week_start


def _django_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class FamilySerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = ProductFamily
        fields = ["id", "code", "name", "description", "product_count"]


class FamilyViewSet(viewsets.ModelViewSet):
    queryset = ProductFamily.objects.all()
    serializer_class = FamilySerializer
    lookup_field = "code"
    write_capability = "products.edit"
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.create_family(**serializer.validated_data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        family = self.get_object()
        if family.products.exists():
            return Response(
                {"detail": f"family {family.code} still has products; move or delete them first"},
                status=status.HTTP_409_CONFLICT,
            )
        return super().destroy(request, *args, **kwargs)


class ProductSerializer(serializers.ModelSerializer):
    family = serializers.SlugRelatedField(slug_field="code", queryset=ProductFamily.objects.all())
    version = serializers.IntegerField(
        required=False, help_text="Version you edited; a stale one is refused with 409. Or send If-Match."
    )

    class Meta:
        model = Product
        fields = [
            "id", "sku", "name", "family", "unit", "unit_cost", "unit_price", "status",
            "launch_date", "end_date", "version", "updated",
        ]  # fmt: skip
        read_only_fields = ["id", "updated"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        launch = attrs.get("launch_date", getattr(self.instance, "launch_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if launch and end and end < launch:
            raise ValidationError({"end_date": "must be on or after launch_date"})
        return attrs


class ProductFilter(django_filters.FilterSet):
    family = django_filters.CharFilter(field_name="family__code")
    status = django_filters.ChoiceFilter(choices=ProductStatus.choices)
    sku_prefix = django_filters.CharFilter(field_name="sku", lookup_expr="istartswith")

    class Meta:
        model = Product
        fields = ["family", "status", "unit", "sku_prefix"]


class ForecastWeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2027-W14")
    quantity = serializers.FloatField(min_value=0)


class ForecastUpdateSerializer(serializers.Serializer):
    weeks = ForecastWeekSerializer(many=True, allow_empty=False)


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.select_related("family")
    serializer_class = ProductSerializer
    lookup_field = "sku"
    lookup_value_regex = "[^/]+"
    write_capability = "products.edit"
    action_capabilities = {"forecast": "forecast.edit"}
    filterset_class = ProductFilter
    search_fields = ["sku", "name"]
    ordering_fields = ["sku", "name", "unit_cost", "unit_price", "launch_date", "updated"]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        try:
            serializer.instance = services.create_product(**data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        changes.pop("version", None)
        try:
            product = services.update_product(product, expected_version=expected_version(request), **changes)
        except StaleEdit as exc:
            return Response(
                {"detail": str(exc), "current_version": exc.current_version}, status=status.HTTP_409_CONFLICT
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        response = Response(self.get_serializer(product).data)
        response["ETag"] = f'"{product.version}"'
        return response

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().destroy(request, *args, **kwargs)
        except IntegrityError:
            return Response({"detail": "product is still used by plans"}, status=status.HTTP_409_CONFLICT)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.STR, description="First ISO week (default: this week)"),
            OpenApiParameter("weeks", OpenApiTypes.INT, description="Number of weeks (default 26, max 260)"),
        ],
        request=ForecastUpdateSerializer,
        responses={
            200: inline_serializer(
                "ProductForecast",
                {"sku": serializers.CharField(), "weeks": ForecastWeekSerializer(many=True)},
            )
        },
    )
    @action(detail=True, methods=["get", "put"])
    def forecast(self, request: Request, sku: str | None = None) -> Response:
        """The baseline weekly forecast of one product; PUT replaces the weeks given (atomic, all or nothing)."""
        product = get_object_or_404(Product, sku=sku)
        if request.method == "PUT":
            body = ForecastUpdateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            quantities = {}
            for i, row in enumerate(body.validated_data["weeks"]):
                try:
                    quantities[parse_week(row["week"])] = row["quantity"]
                except ValueError as exc:
                    raise ValidationError({f"weeks[{i}].week": str(exc)}) from exc
            try:
                services.set_forecast(product, quantities)
            except InputError as exc:
                raise ValidationError({exc.field: exc.message}) from exc
            first, last = min(quantities), max(quantities)
            return Response(self._forecast_body(product, first, (last - first).days // 7 + 1))
        first_label = request.query_params.get("from")
        try:
            first = parse_week(first_label) if first_label else week_start(services.today())
            weeks = int(request.query_params.get("weeks", 26))
        except ValueError as exc:
            raise ValidationError({"from" if first_label else "weeks": str(exc)}) from exc
        if not 1 <= weeks <= 260:
            raise ValidationError({"weeks": "must be between 1 and 260"})
        return Response(self._forecast_body(product, first, weeks))

    @staticmethod
    def _forecast_body(product: Product, first: Any, weeks: int) -> dict[str, Any]:
        stored = dict(
            BaselineForecast.objects.filter(
                product=product, week__gte=first, week__lt=first + timedelta(weeks=weeks)
            ).values_list("week", "quantity")
        )
        days = [first + timedelta(weeks=i) for i in range(weeks)]
        return {
            "sku": product.sku,
            "weeks": [{"week": week_label(day), "quantity": stored.get(day, 0.0)} for day in days],
        }
