"""REST endpoints for returns: single returns and bulk loads (rows or a file), import batches with their error
report, shipped quantities, return rates, the policy, and anomalies with their thread (acknowledge, answer,
note)."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sop_portal.api import expected_version
from sop_portal.errors import InputError, StaleEdit
from sop_portal.masterdata.models import Channel, Product
from sop_portal.masterdata.weeks import parse_week, week_start

from . import access, selectors, services
from . import policy as policies
from .imports import COLUMNS
from .models import (
    AnomalyResponse,
    ImportBatch,
    ItemCondition,
    ReturnAnomaly,
    ReturnAuthorisation,
    ReturnLine,
    ReturnReason,
    ReturnsPolicy,
)

MAX_JSON_ROWS = 10_000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ReturnReasonSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = ReturnReason
        fields = ["code", "name", "group"]


class ReturnLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    reason = serializers.CharField(source="reason.code")
    reason_label = serializers.CharField(source="reason.__str__", read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True, allow_null=True)

    class Meta:
        model = ReturnLine
        fields = ["line", "sku", "quantity", "reason", "reason_label", "comment", "condition", "disposition",
                  "campaign", "order_week", "return_week"]  # fmt: skip
        read_only_fields = fields


class AuthorisationSerializer(serializers.ModelSerializer):
    lines = ReturnLineSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnAuthorisation
        fields = ["number", "order_reference", "customer", "channel", "order_date", "return_date", "batch", "lines"]
        read_only_fields = fields


class NewReturnLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(help_text="Reason group code or name, e.g. size-fit")
    sub_reason = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    condition = serializers.ChoiceField(choices=ItemCondition.choices, required=False, allow_blank=True, default="")
    disposition = serializers.CharField(help_text="restock, refurbish, scrap or return_to_vendor")


class NewReturnSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="The return (RMA) number: loading it twice adds nothing")
    order_reference = serializers.CharField(required=False, allow_blank=True, default="")
    customer = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices)
    order_date = serializers.DateField()
    return_date = serializers.DateField()
    lines = NewReturnLineSerializer(many=True, allow_empty=False)

    def rows(self) -> list[dict[str, Any]]:
        data = self.validated_data
        head = {k: data[k] for k in ("order_reference", "customer", "channel", "order_date", "return_date")}
        return [{"return_number": data["number"], "line": i, **head, **line} for i, line in enumerate(data["lines"], 1)]


class ReturnBatchSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", default=None, read_only=True)
    cause = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "source", "status", "rows", "returns_created", "lines_created", "units",
                  "rows_skipped", "error_count", "errors", "uploaded_by", "import_job", "pipeline_job", "created",
                  "finished", "cause"]  # fmt: skip
        read_only_fields = fields

    def get_cause(self, batch: ImportBatch) -> dict[str, str]:
        return {"type": "returns", "ref": batch.cause_ref, "label": batch.label}


class ReturnsBulkSerializer(serializers.Serializer):
    rows = serializers.ListField(
        child=serializers.DictField(), required=False, max_length=MAX_JSON_ROWS,
        help_text=f"Rows with the file's columns ({', '.join(COLUMNS)}); loaded at once",
    )  # fmt: skip
    file = serializers.FileField(required=False, help_text="A CSV or .xlsx file: loaded by a background job")
    source = serializers.CharField(required=False, default="API")  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("rows")) == bool(attrs.get("file")):
            raise ValidationError({"rows": "send either rows or a file"})
        upload = attrs.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError({"file": "is larger than 50 MB; split it"})
        return attrs


class AnomalyResponseSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = AnomalyResponse
        fields = ["kind", "author", "department", "text", "due_date", "created"]
        read_only_fields = fields


class AnomalySerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", default=None, read_only=True)
    alert = serializers.IntegerField(source="alert_id", read_only=True, allow_null=True)
    responses = AnomalyResponseSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnAnomaly
        fields = ["id", "key", "status", "sku", "campaign", "campaign_name", "first_week", "last_week", "returned",
                  "shipped", "rate", "baseline_rate", "p_value", "top_reasons", "comments", "departments", "alert",
                  "acknowledged_at", "created", "updated", "resolved_at", "responses"]  # fmt: skip
        read_only_fields = fields


class AnomalyAnswerSerializer(serializers.Serializer):
    action_taken = serializers.CharField()
    due_date = serializers.DateField()


class AnomalyNoteSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class ShipmentRowSerializer(serializers.Serializer):
    sku = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    week = serializers.CharField(help_text="ISO week (2027-W14) or any date in it")
    quantity = serializers.FloatField(min_value=0)


class ShipmentsSerializer(serializers.Serializer):
    rows = ShipmentRowSerializer(many=True, allow_empty=False, max_length=200_000)  # type: ignore[call-arg]


class ReturnsPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnsPolicy
        fields = ["margin_pct", "alpha", "prior_units", "recent_weeks", "baseline_weeks", "return_lag_weeks",
                  "restock_lag_weeks", "restock_yield_pct", "refurbish_lag_weeks", "refurbish_yield_pct",
                  "plan_expected_returns", "version", "updated"]  # fmt: skip
        read_only_fields = ["updated"]
        extra_kwargs = {"version": {"required": False}}


def _row_errors(batch: ImportBatch) -> Response:
    """400 with every bad row: {"detail", "errors": [{"row", "column", "message"}], "batch"}."""
    detail = f"{batch.error_count} problem(s), nothing was loaded; first: row {batch.errors[0]['row']}, " + (
        f"{batch.errors[0]['column']}: {batch.errors[0]['message']}"
    )
    return Response({"detail": detail, "errors": batch.errors, "batch": batch.pk}, status=status.HTTP_400_BAD_REQUEST)


# --- Returns ---------------------------------------------------------------------------------------------


class AuthorisationFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="lines__product__sku", distinct=True)
    campaign = django_filters.NumberFilter(field_name="lines__campaign", distinct=True)
    returned_after = django_filters.DateFilter(field_name="return_date", lookup_expr="gte")
    returned_before = django_filters.DateFilter(field_name="return_date", lookup_expr="lte")

    class Meta:
        model = ReturnAuthorisation
        fields = ["channel", "batch", "customer", "sku", "campaign"]


class AuthorisationViewSet(viewsets.ModelViewSet):
    """Return authorisations with their lines. POST one return (idempotent by its number)."""

    queryset = ReturnAuthorisation.objects.prefetch_related("lines__product", "lines__reason__parent")
    serializer_class = AuthorisationSerializer
    filterset_class = AuthorisationFilter
    search_fields = ["number", "order_reference", "customer"]
    ordering_fields = ["return_date", "order_date", "number"]
    write_capability = "returns.import"
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=NewReturnSerializer, responses={201: AuthorisationSerializer, 200: AuthorisationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        new = NewReturnSerializer(data=request.data)
        new.is_valid(raise_exception=True)
        number = new.validated_data["number"]
        batch = services.import_rows(new.rows(), source=f"API return {number}", actor=request.user)
        if batch.status == ImportBatch.Status.REJECTED:
            return _row_errors(batch)
        created = status.HTTP_201_CREATED if batch.returns_created else status.HTTP_200_OK
        return Response(AuthorisationSerializer(self.get_queryset().get(number=number)).data, status=created)

    @extend_schema(
        request={"application/json": ReturnsBulkSerializer, "multipart/form-data": ReturnsBulkSerializer},
        responses={201: ReturnBatchSerializer, 202: ReturnBatchSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def bulk(self, request: Request) -> Response:
        """Many returns: JSON rows are loaded at once (201, or 400 listing every bad row); a file is loaded by a
        background job (202): follow the batch or its import job."""
        serializer = ReturnsBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("file")
        if upload is not None:
            batch = services.submit_import(upload.read(), upload.name, actor=request.user)
            batch.refresh_from_db()
            return Response(ReturnBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
        batch = services.import_rows(data["rows"], source=data["source"], actor=request.user)
        if batch.status == ImportBatch.Status.REJECTED:
            return _row_errors(batch)
        return Response(ReturnBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Import batches: their status, counts, every bad row, and the MPS cause they become."""

    queryset = ImportBatch.objects.select_related("uploaded_by")
    serializer_class = ReturnBatchSerializer
    filterset_fields = ["status", "kind"]


class ReasonViewSet(viewsets.ReadOnlyModelViewSet):
    """The two-level reason taxonomy: groups (group = null) and their sub-reasons."""

    queryset = ReturnReason.objects.select_related("parent")
    serializer_class = ReturnReasonSerializer
    pagination_class = None
    lookup_field = "code"


# --- Anomalies -------------------------------------------------------------------------------------------


class AnomalyViewSet(viewsets.ReadOnlyModelViewSet):
    """Return rates above their baseline, with the owner's acknowledgement and answers."""

    queryset = ReturnAnomaly.objects.select_related("product", "campaign__owner_department").prefetch_related(
        "responses__author"
    )
    serializer_class = AnomalySerializer
    filterset_fields = ["status", "campaign", "product"]
    action_capabilities = {"acknowledge": "returns.answer", "answer": "returns.answer", "note": "portal.view"}

    def _respond(self, request: Request, check: Any, do: Any) -> Response:
        anomaly = self.get_object()
        if not check(request.user, anomaly):
            raise PermissionDenied("Only the campaign's owner or its department's planners may answer this.")
        try:
            do(anomaly)
        except InputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        return Response(AnomalySerializer(self.get_queryset().get(pk=anomaly.pk)).data)

    @extend_schema(request=AnomalyNoteSerializer, responses=AnomalySerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        note = AnomalyNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        return self._respond(
            request, access.may_answer,
            lambda a: services.acknowledge_anomaly(a, actor=request.user, note=note.validated_data["text"]),
        )  # fmt: skip

    @extend_schema(request=AnomalyAnswerSerializer, responses=AnomalySerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        answer = AnomalyAnswerSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        return self._respond(
            request, access.may_answer,
            lambda a: services.answer_anomaly(a, actor=request.user, **answer.validated_data),
        )  # fmt: skip

    @extend_schema(request=AnomalyNoteSerializer, responses=AnomalySerializer)
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str | None = None) -> Response:
        note = AnomalyNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        text = note.validated_data["text"]
        return self._respond(request, access.may_note, lambda a: services.add_note(a, actor=request.user, text=text))


# --- Shipments, rates, policy ----------------------------------------------------------------------------


class ShipmentsView(APIView):
    """Units shipped per product, channel and week: the denominator of every return rate (a week sent again
    takes the new figure)."""

    write_capability = "returns.import"

    @extend_schema(
        request=ShipmentsSerializer,
        responses={200: inline_serializer("ShipmentsLoaded", {"rows": serializers.IntegerField()})},
    )
    def post(self, request: Request) -> Response:
        serializer = ShipmentsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["rows"]
        ids = dict(Product.objects.filter(sku__in={r["sku"] for r in rows}).values_list("sku", "pk"))
        parsed = []
        for i, r in enumerate(rows):
            if r["sku"] not in ids:
                raise ValidationError({f"rows[{i}].sku": f"'{r['sku']}' is not a known SKU"})
            parsed.append((ids[r["sku"]], r["channel"], _week(r["week"], i), r["quantity"]))
        try:
            count = services.record_shipments(parsed)
        except InputError as exc:
            raise ValidationError({f"rows[{(exc.row or 1) - 1}].{exc.field}": exc.message}) from exc
        return Response({"rows": count})


def _week(text: str, i: int) -> date:
    try:
        return parse_week(text) if "W" in text.upper() else week_start(date.fromisoformat(text))
    except ValueError as exc:
        raise ValidationError({f"rows[{i}].week": str(exc)}) from exc


BY = {"product": "products", "family": "families", "campaign": "campaigns", "channel": "channels",
      "reason": "reasons", "reason_group": "reason_groups", "week": "trend"}  # fmt: skip


class RatesView(APIView):
    """Return rates of the last N order weeks (the current week left out) against the N weeks before them."""

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=list(BY), description="What to break the rates down by"),
            OpenApiParameter("weeks", int, enum=list(selectors.PERIODS), description="Order weeks in the period"),
            OpenApiParameter("channel", str, enum=list(Channel.values)),
            OpenApiParameter("family", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        by = request.query_params.get("by", "product")
        if by not in BY:
            raise ValidationError({"by": f"one of {', '.join(BY)}"})
        try:
            weeks = int(request.query_params.get("weeks", 26))
            family = int(request.query_params["family"]) if request.query_params.get("family") else None
        except ValueError as exc:
            raise ValidationError({"weeks": "must be a whole number"}) from exc
        if weeks not in selectors.PERIODS:
            raise ValidationError({"weeks": f"one of {', '.join(map(str, selectors.PERIODS))}"})
        scope = selectors.Scope(weeks=weeks, family=family, channel=request.query_params.get("channel", ""))
        board = selectors.dashboard(scope)
        data = getattr(board, BY[by])
        if by == "campaign":
            data = [{**{k: v for k, v in row.items() if k != "campaign"}, "campaign": row["campaign"].pk,
                     "name": row["campaign"].name} for row in data]  # fmt: skip
        return Response({"weeks": weeks, "first_week": scope.start, "by": by, "overall": board.kpis, "results": data})


class PolicyView(APIView):
    """How returns are judged (margin, significance) and planned (recovery lags and yields)."""

    write_capability = "returns.import"

    @extend_schema(responses=ReturnsPolicySerializer)
    def get(self, request: Request) -> Response:
        return Response(ReturnsPolicySerializer(policies.current()).data)

    @extend_schema(request=ReturnsPolicySerializer, responses={200: ReturnsPolicySerializer, 409: OpenApiTypes.OBJECT})
    def put(self, request: Request) -> Response:
        serializer = ReturnsPolicySerializer(policies.current(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        try:
            policy = services.update_policy(actor=request.user, expected_version=expected_version(request), **changes)
        except StaleEdit as exc:
            return Response({"detail": str(exc), "current_version": exc.current_version}, status=409)
        except InputError as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        return Response(ReturnsPolicySerializer(policy).data)
