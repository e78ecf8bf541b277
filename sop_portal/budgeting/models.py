"""Joint annual budgeting: a cycle per fiscal year, scenarios stored as deltas on the live plan, comments and
decisions from the joint session, department sign-offs, and the locked consensus baseline.

A scenario never copies the plan: it is an ordered list of `ScenarioChange` deltas (add, move, scale or drop a
campaign, a volume target, an extra shift) applied in memory on top of the base inputs the planning engines read
from the live data. See docs/budgeting.md for the money maths and the department parts that sign-off covers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from production.models import Resource
from sop_portal.organisation.models import Department


class Phase(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    SESSION = "session", "Joint session"
    SIGN_OFF = "sign_off", "Sign-off"
    LOCKED = "locked", "Locked"
    REVIEW = "review", "Mid-year review"


# Phases in order; a cycle moves forward one step at a time (lock happens when every department has signed).
PHASE_ORDER = [Phase.PREPARATION, Phase.SESSION, Phase.SIGN_OFF, Phase.LOCKED, Phase.REVIEW]
# The plan can still change in these phases; afterwards it is the locked baseline.
OPEN_PHASES = frozenset({Phase.PREPARATION, Phase.SESSION, Phase.SIGN_OFF})


class BudgetCycle(models.Model):
    fiscal_year = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(2000)])
    name = models.CharField(max_length=120)
    first_week = models.DateField(help_text="Monday of the fiscal year's first ISO week")
    weeks = models.PositiveSmallIntegerField(default=52, validators=[MinValueValidator(52), MaxValueValidator(53)])
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.PREPARATION)
    participants = models.ManyToManyField(
        Department, related_name="budget_cycles", help_text="Departments at the table: each must sign off"
    )
    proposal = models.ForeignKey(
        "Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The scenario the departments sign off and that locks as the baseline",
    )  # fmt: skip
    returns_handling_cost = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)],
        help_text="Cost of receiving, inspecting and booking one returned unit",
    )  # fmt: skip
    # Bumped by every change in the cycle (a delta, a comment, a decision, a sign-off): session screens poll it.
    revision = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock for the cycle's own settings")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.phase in OPEN_PHASES


class CapacityCost(models.Model):
    """What extra hours on a plant resource cost this fiscal year: overtime up to a limit, then extra shifts."""

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="capacity_costs")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    overtime_cost_per_hour = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    overtime_limit_pct = models.FloatField(
        default=20, validators=[MinValueValidator(0)], help_text="Most overtime per week, % of normal capacity"
    )
    shift_hours = models.FloatField(
        default=0, validators=[MinValueValidator(0)], help_text="Hours one extra shift adds per week (0: none)"
    )
    shift_cost_per_week = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    max_extra_shifts = models.PositiveSmallIntegerField(
        default=1, help_text="Extra shifts the plant can run in one week when overtime is not enough"
    )

    class Meta:
        ordering = ["cycle", "resource__code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "resource"], name="one_capacity_cost_per_resource")]

    def __str__(self) -> str:
        return f"{self.resource_id} in {self.cycle_id}: overtime {self.overtime_cost_per_hour}/h"


class Scenario(models.Model):
    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=0, help_text="Bumped by every delta added or withdrawn")

    class Meta:
        ordering = ["cycle", "name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "name"], name="scenario_name_unique_in_cycle")]

    def __str__(self) -> str:
        return self.name


class ChangeKind(models.TextChoices):
    ADD_CAMPAIGN = "add_campaign", "Add a campaign"
    MOVE_CAMPAIGN = "move_campaign", "Move a campaign"
    SCALE_CAMPAIGN = "scale_campaign", "Scale a campaign"
    DROP_CAMPAIGN = "drop_campaign", "Drop a campaign"
    VOLUME_TARGET = "volume_target", "Volume target"
    ADD_SHIFT = "add_shift", "Add a shift"


class ScenarioChange(models.Model):
    """One delta on top of the base plan. Rows are never edited: withdrawing one keeps it for the record."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    payload = models.JSONField(help_text="The delta's parameters, validated by budgeting.deltas")
    summary = models.CharField(max_length=300, help_text="What a planner reads in the activity feed")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    withdrawn = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["scenario", "id"]

    def __str__(self) -> str:
        return self.summary


class PlanSnapshot(models.Model):
    """The year's figures for one scenario at one revision (the monthly summary the session screen shows), so
    every participant's poll reads a row instead of recomputing the plan."""

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="snapshots")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots")
    scenario_revision = models.PositiveIntegerField(default=0)
    inputs_stamp = models.CharField(max_length=64, help_text="Fingerprint of the live data the base inputs came from")
    computed = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0, help_text="How long the computation took")
    summary = models.JSONField(help_text="Monthly figures by family, resource, warehouse and department part")

    class Meta:
        ordering = ["-computed"]
        indexes = [models.Index(fields=["cycle", "scenario", "-computed"])]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.scenario_id or 'base'}@{self.scenario_revision}"


class Comment(models.Model):
    """A remark on one line of the plan (`line` is the grid's key, e.g. "family:snacks:revenue")."""

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="comments")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    line = models.CharField(max_length=120, blank=True)
    body = models.TextField(max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    mentions = models.ManyToManyField(Department, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "created", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class Decision(models.Model):
    """What the room agreed, with who and why: the decisions log of the joint session."""

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="decisions")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    rationale = models.TextField(blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "created", "id"]

    def __str__(self) -> str:
        return self.title


class SignOffStatus(models.TextChoices):
    PENDING = "pending", "Not signed"
    SIGNED = "signed", "Signed"
    REOPENED = "reopened", "Re-opened"


class SignOff(models.Model):
    """A department's signature on its part of the proposal. `fingerprint` is a hash of that part's figures when
    signed: a later change that moves them re-opens the sign-off and says why."""

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="signoffs")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SignOffStatus.choices, default=SignOffStatus.PENDING)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    scenario_revision = models.PositiveIntegerField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["cycle", "department__name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "department"], name="one_signoff_per_department")]

    def __str__(self) -> str:
        return f"{self.department_id}: {self.status}"


class BudgetBaseline(models.Model):
    """The locked consensus plan: written once when the last department signs, never updated or deleted (the
    database refuses both, see the migration's triggers)."""

    cycle = models.OneToOneField(BudgetCycle, on_delete=models.PROTECT, related_name="baseline")
    scenario_name = models.CharField(max_length=80)
    scenario_revision = models.PositiveIntegerField()
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.JSONField(help_text="The monthly figures as signed (same shape as PlanSnapshot.summary)")
    campaigns = models.JSONField(help_text="[{id, name, version, budget, start, end}] in the budget")
    changes = models.JSONField(help_text="The proposal's deltas as applied: [{kind, payload, summary}]")
    signatures = models.JSONField(help_text="[{department, user, at, fingerprint}]")

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(scenario_name=""), name="baseline_names_scenario")]

    def __str__(self) -> str:
        return f"Baseline {self.cycle_id} ({self.scenario_name} r{self.scenario_revision})"
