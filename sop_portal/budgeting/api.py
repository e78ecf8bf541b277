"""REST endpoints of joint budgeting under /api/v1/budget/: cycles (settings, phase, capacity costs, compare,
sign-offs, comments, decisions, baseline), scenarios (changes, summary, drill-down, promote) and changes
(withdraw). Thin: every write is a `services` call.

Reading needs `budget.view`; planning (`budget.plan`): scenarios, changes, comments, decisions, sign-offs;
running the cycle (`budget.manage`): create, settings, phase, capacity costs, promote. A locked cycle answers
409 with what was refused; a stale `If-Match` (the cycle's version, or the scenario's revision for its changes,
or the proposal's revision for a signature) answers 409 with the current value; bad input answers 400 naming
the field (`lines[0].sku`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from sop_portal.api import expected_version
from sop_portal.errors import InputError, StaleEdit

from . import selectors, services, variance
from .deltas import DeltaValidationError
from .errors import BudgetLocked
from .excel_views import PackActions
from .models import BudgetCycle, CapacityCost, ChangeKind, Comment, Decision, Phase, Scenario, ScenarioChange, SignOff

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)


class BudgetErrors:
    """Service errors as HTTP answers, for every view of this module."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, BudgetLocked):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, StaleEdit):
            return Response(
                {"detail": str(exc), "current_version": exc.current_version},
                status=status.HTTP_409_CONFLICT,
                headers={"ETag": f'"{exc.current_version}"'},
            )
        if isinstance(exc, DeltaValidationError):
            exc = ValidationError(exc.errors)
        elif isinstance(exc, InputError):
            exc = ValidationError({exc.field: exc.message})
        return super().handle_exception(exc)  # type: ignore[misc]


# --- serializers ------------------------------------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    participants: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    proposal: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    proposal_revision = serializers.IntegerField(source="proposal.revision", read_only=True, default=None)

    class Meta:
        model = BudgetCycle
        fields = [
            "id", "fiscal_year", "name", "first_week", "weeks", "phase", "participants", "proposal",
            "proposal_revision", "returns_handling_cost", "revision", "version", "created", "locked_at",
        ]  # fmt: skip
        read_only_fields = fields


class CycleCreateSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=9998)
    participants = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    returns_handling_cost = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)


class CycleUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=120)
    returns_handling_cost = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    participants = serializers.ListField(child=serializers.CharField(), allow_empty=False, required=False)


class PhaseSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)


class CapacityCostSerializer(serializers.ModelSerializer):
    resource: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    resource_code = serializers.CharField(write_only=True)

    class Meta:
        model = CapacityCost
        fields = [
            "resource", "resource_code", "overtime_cost_per_hour", "overtime_limit_pct", "shift_hours",
            "shift_cost_per_week", "max_extra_shifts",
        ]  # fmt: skip


class ScenarioSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    active_changes = serializers.SerializerMethodField(help_text="Deltas not withdrawn")

    class Meta:
        model = Scenario
        fields = ["id", "cycle", "name", "description", "revision", "created", "created_by", "active_changes"]
        read_only_fields = fields

    def get_active_changes(self, scenario: Scenario) -> int:
        counted = getattr(scenario, "active_changes", None)  # annotated by selectors.scenarios
        return counted if counted is not None else scenario.changes.filter(withdrawn__isnull=True).count()


class ScenarioCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    copy_from = serializers.IntegerField(required=False, allow_null=True, help_text="Scenario whose deltas to copy")


class ChangeSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)
    department = serializers.CharField(source="department.code", read_only=True, default=None)

    class Meta:
        model = ScenarioChange
        fields = [
            "id", "scenario", "kind", "payload", "summary", "author", "department", "created", "withdrawn", "note",
        ]  # fmt: skip
        read_only_fields = fields


class ChangeCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=f"One of {', '.join(ChangeKind.values)}")
    payload = serializers.JSONField()
    department = serializers.CharField(required=False, allow_null=True, help_text="Default: your own")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class SignOffSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", read_only=True)
    signed_by = serializers.CharField(source="signed_by.username", read_only=True, default=None)

    class Meta:
        model = SignOff
        fields = [
            "department", "status", "signed_by", "signed_at", "scenario_revision", "reopened_at", "reopened_reason",
        ]  # fmt: skip
        read_only_fields = fields


class SignSerializer(serializers.Serializer):
    department = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)
    mentions: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    scenario = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "scenario", "line", "body", "author", "mentions", "created"]
        read_only_fields = ["id", "author", "mentions", "created"]


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    departments = serializers.ListField(child=serializers.CharField(), required=False, write_only=True)
    department_codes: Any = serializers.SlugRelatedField(
        source="departments", slug_field="code", many=True, read_only=True
    )
    scenario = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "scenario", "title", "rationale", "departments", "department_codes", "decided_by", "created"]
        read_only_fields = ["id", "decided_by", "created"]


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _tagged(data: Any, version: int) -> Response:
    response = Response(data)
    response["ETag"] = f'"{version}"'
    return response


# --- cycles -----------------------------------------------------------------------------------------------------


class CycleViewSet(
    BudgetErrors, PackActions, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = BudgetCycle.objects.select_related("proposal").prefetch_related("participants")
    serializer_class = CycleSerializer
    read_capability = "budget.view"
    write_capability = "budget.manage"
    action_capabilities = {
        "scenarios": "budget.plan", "signoffs": "budget.plan", "comments": "budget.plan", "decisions": "budget.plan",
        "import_inputs": "budget.plan",
    }  # fmt: skip
    http_method_names = ["get", "post", "patch", "head", "options"]
    pagination_class = None

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cycle = self.get_object()
        return _tagged(CycleSerializer(cycle).data, cycle.version)

    @extend_schema(request=CycleCreateSerializer, responses={201: CycleSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open the budget of a fiscal year with the departments that must sign (finance)."""
        data = _valid(CycleCreateSerializer, request)
        cycle = services.create_cycle(
            data["fiscal_year"], data["participants"], request.user, name=data.get("name", ""),
            returns_handling_cost=data.get("returns_handling_cost", 0),
        )  # fmt: skip
        return Response(CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CycleUpdateSerializer, responses=CycleSerializer, parameters=[IF_MATCH])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Name, returns handling cost, participants (If-Match: the cycle's version)."""
        data = _valid(CycleUpdateSerializer, request)
        cycle = services.update_cycle(
            self.get_object(), request.user, expected_version=expected_version(request), **data
        )
        return _tagged(CycleSerializer(cycle).data, cycle.version)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=PhaseSerializer, responses=CycleSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def phase(self, request: Request, pk: str | None = None) -> Response:
        """Move the cycle one phase on (If-Match: its version); 409 when that step is not possible now."""
        data = _valid(PhaseSerializer, request)
        try:
            cycle = services.move_phase(self.get_object(), data["phase"], request.user, expected_version(request))
        except InputError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return _tagged(CycleSerializer(cycle).data, cycle.version)

    @extend_schema(request=CapacityCostSerializer, responses=CapacityCostSerializer(many=True), parameters=[IF_MATCH])
    @action(detail=True, methods=["get", "post"], url_path="capacity-costs")
    def capacity_costs(self, request: Request, pk: str | None = None) -> Response:
        """What extra hours cost per resource this year; POST sets one resource's (If-Match: cycle version)."""
        cycle = self.get_object()
        if request.method == "POST":
            serializer = CapacityCostSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            services.set_capacity_cost(
                cycle, data.pop("resource_code"), request.user, expected_version=expected_version(request), **data
            )
        rows = CapacityCost.objects.filter(cycle=cycle).select_related("resource")
        return Response(CapacityCostSerializer(rows, many=True).data)

    @extend_schema(request=ScenarioCreateSerializer, responses=ScenarioSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def scenarios(self, request: Request, pk: str | None = None) -> Response:
        """The cycle's scenarios; POST makes one (empty, or copying another's deltas)."""
        cycle = self.get_object()
        if request.method == "POST":
            data = _valid(ScenarioCreateSerializer, request)
            source = None
            if data.get("copy_from") is not None:
                source = Scenario.objects.filter(pk=data["copy_from"], cycle=cycle).first()
                if source is None:
                    raise ValidationError({"copy_from": "no such scenario in this cycle"})
            scenario = services.create_scenario(
                cycle, data["name"], request.user, copy_from=source, description=data.get("description", "")
            )
            return Response(ScenarioSerializer(scenario).data, status=status.HTTP_201_CREATED)
        return Response(ScenarioSerializer(selectors.scenarios(cycle), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("scenarios", str, description="Scenario ids, comma-separated (2 or 3)"),
            OpenApiParameter("base", bool, description="Start with the base plan (default true)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True)
    def compare(self, request: Request, pk: str | None = None) -> Response:
        """KPIs side by side: volume, revenue, margin, utilisation, overloads (and differences to the first)."""
        cycle = self.get_object()
        ids = []
        for part in request.query_params.get("scenarios", "").split(","):
            if part.strip():
                if not part.strip().isdigit():
                    raise ValidationError({"scenarios": f"{part.strip()} is not a scenario id"})
                ids.append(int(part))
        found = {s.pk: s for s in Scenario.objects.filter(cycle=cycle, pk__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationError({"scenarios": f"no scenario {missing[0]} in this cycle"})
        chosen: list[Scenario | None] = [found[i] for i in ids]
        if request.query_params.get("base", "true").lower() not in ("0", "false", "no"):
            chosen.insert(0, None)
        return Response(services.compare(cycle, chosen))

    @extend_schema(request=SignSerializer, responses=SignOffSerializer(many=True), parameters=[IF_MATCH])
    @action(detail=True, methods=["get", "post"])
    def signoffs(self, request: Request, pk: str | None = None) -> Response:
        """Each department's sign-off; POST signs one's own department's part (If-Match: proposal revision)."""
        cycle = self.get_object()
        if request.method == "POST":
            data = _valid(SignSerializer, request)
            services.sign_off(cycle, data["department"], request.user, expected_revision=expected_version(request))
        return Response(SignOffSerializer(selectors.signoffs(cycle), many=True).data)

    @extend_schema(request=CommentSerializer, responses=CommentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        """Remarks on lines of the plan with their @department mentions; POST adds one."""
        cycle = self.get_object()
        if request.method == "POST":
            serializer = CommentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            comment = services.add_comment(
                cycle, data.get("line", ""), data["body"], request.user, scenario=data.get("scenario")
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return Response(CommentSerializer(selectors.comments(cycle), many=True).data)

    @extend_schema(request=DecisionSerializer, responses=DecisionSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def decisions(self, request: Request, pk: str | None = None) -> Response:
        """The decisions log; POST records one."""
        cycle = self.get_object()
        if request.method == "POST":
            serializer = DecisionSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            decision = services.record_decision(
                cycle, data["title"], request.user, rationale=data.get("rationale", ""),
                departments=data.get("departments", []), scenario=data.get("scenario"),
            )  # fmt: skip
            return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
        return Response(DecisionSerializer(selectors.decisions(cycle), many=True).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    @action(detail=True)
    def baseline(self, request: Request, pk: str | None = None) -> Response:
        """The locked consensus baseline (404 until the cycle locks)."""
        baseline = selectors.baseline(self.get_object())
        if baseline is None:
            return Response({"detail": "not locked yet: no baseline"}, status=status.HTTP_404_NOT_FOUND)
        return Response(
            {
                "scenario_name": baseline.scenario_name, "scenario_revision": baseline.scenario_revision,
                "locked_at": baseline.locked_at, "locked_by": getattr(baseline.locked_by, "username", None),
                "summary": baseline.summary, "campaigns": baseline.campaigns, "changes": baseline.changes,
                "signatures": baseline.signatures,
            }
        )  # fmt: skip

    @extend_schema(
        parameters=[
            OpenApiParameter("department", str, description="Only this department's part"),
            OpenApiParameter("month", int, description="Only this month (1..12)"),
        ],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    @action(detail=True)
    def variance(self, request: Request, pk: str | None = None) -> Response:
        """The live plan against the locked baseline: KPIs, variance rows by department part and month (largest
        first), unbudgeted campaigns with their impact, budgeted campaigns changed since (404 until it locks)."""
        department = request.query_params.get("department") or None
        if department is not None and department not in variance.DEPARTMENT_PARTS:
            raise ValidationError({"department": f"must be one of {', '.join(variance.DEPARTMENT_PARTS)}"})
        month_text = request.query_params.get("month") or ""
        if month_text and not (month_text.isdigit() and 1 <= int(month_text) <= 12):
            raise ValidationError({"month": "must be a month number 1..12"})
        measured = variance.measure(self.get_object())
        if measured is None:
            return Response({"detail": "not locked yet: no baseline"}, status=status.HTTP_404_NOT_FOUND)
        return Response(measured.as_json(department, int(month_text) if month_text else None))


# --- scenarios and changes --------------------------------------------------------------------------------------


class ScenarioViewSet(BudgetErrors, viewsets.ReadOnlyModelViewSet):
    queryset = Scenario.objects.select_related("cycle", "created_by").order_by("cycle", "pk")
    serializer_class = ScenarioSerializer
    read_capability = "budget.view"
    write_capability = "budget.plan"
    action_capabilities = {"promote": "budget.manage"}
    filterset_fields = ["cycle"]

    @extend_schema(request=None, responses=CycleSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def promote(self, request: Request, pk: str | None = None) -> Response:
        """Make this scenario the proposal the departments sign (If-Match: the cycle's version)."""
        scenario = self.get_object()
        cycle = services.promote_proposal(scenario.cycle, scenario, request.user, expected_version(request))
        return _tagged(CycleSerializer(cycle).data, cycle.version)

    @extend_schema(request=ChangeCreateSerializer, responses=ChangeSerializer(many=True), parameters=[IF_MATCH])
    @action(detail=True, methods=["get", "post"])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        """The scenario's deltas in order (withdrawn ones too, marked); POST adds one (If-Match: the scenario's
        revision, optional)."""
        scenario = self.get_object()
        if request.method == "POST":
            data = _valid(ChangeCreateSerializer, request)
            change = services.add_change(
                scenario, data["kind"], data["payload"], request.user, data.get("department"),
                note=data.get("note", ""), expected_revision=expected_version(request),
            )  # fmt: skip
            scenario.refresh_from_db()
            response = Response(ChangeSerializer(change).data, status=status.HTTP_201_CREATED)
            response["ETag"] = f'"{scenario.revision}"'
            return response
        changes = scenario.changes.select_related("author", "department").order_by("pk")
        return _tagged(ChangeSerializer(changes, many=True).data, scenario.revision)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def summary(self, request: Request, pk: str | None = None) -> Response:
        """The year's figures by month (docs/budgeting.md "The summary"); ETag: the scenario's revision."""
        scenario = self.get_object()
        return _tagged(services.scenario_summary(scenario.cycle, scenario), scenario.revision)

    @extend_schema(
        parameters=[
            OpenApiParameter("family", str, required=True),
            OpenApiParameter("by", str, enum=["month", "week"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True)
    def family(self, request: Request, pk: str | None = None) -> Response:
        """Drill-down: one family's products over months or weeks."""
        scenario = self.get_object()
        code = request.query_params.get("family", "")
        if not code:
            raise ValidationError({"family": "is required"})
        return Response(services.family_detail(scenario.cycle, scenario, code, request.query_params.get("by", "month")))


class ChangeViewSet(BudgetErrors, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = ScenarioChange.objects.select_related("scenario", "author", "department")
    serializer_class = ChangeSerializer
    read_capability = "budget.view"
    write_capability = "budget.plan"

    @extend_schema(request=NoteSerializer, responses=ChangeSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take the delta out of its scenario (kept, marked withdrawn); If-Match: the scenario's revision."""
        data = _valid(NoteSerializer, request)
        change = services.withdraw_change(
            self.get_object(), request.user, note=data.get("note", ""), expected_revision=expected_version(request)
        )
        return Response(ChangeSerializer(change).data)
