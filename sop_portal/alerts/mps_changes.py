"""The top MPS changes a digest shows: the item lines the revisions since the user's last digest moved most, and
why (the causes each changed line records: a campaign edit, a returns batch, a replan someone asked for).

Read once for a whole run of digests (two queries however many users), ranked by how much of the MPS receipts
moved, then picked per user by who needs to know.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from itertools import islice
from urllib.parse import urlencode

from django.urls import reverse

from campaigns.models import Campaign
from production.models import Measure, MpsItemChange, MpsRevision
from sop_portal.masterdata.weeks import week_label
from sop_portal.organisation import departments as d

TOP = 5
# Ranked by the MPS receipts: what the plants will make. A forecast, stock or ATP line can move without the
# schedule moving; everything that does change production (campaign uplift, restocked returns, lot sizes, a
# replan) shows here, and one measure keeps "moved most" comparable across items.
MEASURE = Measure.MPS
WEEKS_SHOWN = 4
CAMPAIGN_REF = re.compile(r"^campaign:(\d+)@")


def quantity(value: float, sign: bool = True) -> str:
    """1200.0 → '+1,200'; fractions only where an item has them (a plant's share of demand): 12.5 → '+12.5'."""
    value = value if abs(value) >= 0.05 else 0.0  # a shift that nets out reads "+0", never "-0"
    text = f"{value:+,.0f}" if abs(value - round(value)) < 0.05 else f"{value:+,.1f}"
    return text if sign else text.lstrip("+")


@dataclass(frozen=True)
class WeekMove:
    week: str  # "2027-W14"
    delta: float

    def __str__(self) -> str:
        return f"{self.week} {quantity(self.delta)}"


@dataclass(frozen=True)
class MpsChange:
    """One item line of one revision: how its MPS receipts moved, week by week, and what caused it."""

    revision: int
    at: datetime
    item_id: int
    sku: str
    product: str
    plant: str
    weeks: tuple[WeekMove, ...]
    causes: tuple[str, ...]
    # The departments owning the campaigns behind it: they see it too (`visible`).
    campaign_departments: frozenset[str]

    measure = MEASURE.label

    @cached_property
    def revision_path(self) -> str:
        # The revision's diff narrowed to this product's MPS receipts: the line the digest talks about.
        query = urlencode({"sku": self.sku, "measure": MEASURE.value})
        return f"{reverse('mps-revision', args=[self.revision])}?{query}"

    @cached_property
    def item_path(self) -> str:
        return reverse("mps-item", args=[self.item_id])

    @property
    def net(self) -> float:
        return sum(w.delta for w in self.weeks)

    @property
    def moved(self) -> float:
        return sum(abs(w.delta) for w in self.weeks)

    @property
    def net_text(self) -> str:
        return quantity(self.net)

    @property
    def moved_text(self) -> str:
        return quantity(self.moved, sign=False)

    @property
    def weeks_text(self) -> str:
        shown = ", ".join(str(w) for w in self.weeks[:WEEKS_SHOWN])
        more = len(self.weeks) - WEEKS_SHOWN
        return f"{shown} and {more} more week{'s' if more > 1 else ''}" if more > 0 else shown

    @property
    def week_count(self) -> str:
        return f"{len(self.weeks)} week{'s' if len(self.weeks) > 1 else ''}"

    @property
    def summary(self) -> str:
        """'MPS receipts net +1,200, moved 1,200 in 2 weeks: 2027-W14 +600, 2027-W15 +600'."""
        return f"{self.measure} net {self.net_text}, moved {self.moved_text} in {self.week_count}: {self.weeks_text}"

    @property
    def cause_text(self) -> str:
        return "; ".join(self.causes)


def visible(change: MpsChange, departments: frozenset[str]) -> bool:
    """Who gets an MPS change in their digest. Every user may open the MPS pages (portal.view), but a digest is
    what someone must act on: operations own the schedule, so they get every change; any other department gets
    the changes a campaign it owns caused, so marketing learns what its promotion did to production. Returns
    batches and replans stay with operations: the other departments hear of their effect through the shortage,
    fill-rate and warehouse alerts they subscribe to, and a line per moved item would only be noise there."""
    return d.OPERATIONS in departments or bool(change.campaign_departments & departments)


@dataclass
class MpsChanges:
    """Every MPS change of the revisions published in (since, until], most moved first."""

    since: datetime
    until: datetime
    changes: list[MpsChange]
    # Per scope (operations, or a set of other departments): the changes it sees, and their times in order.
    _scopes: dict[object, tuple[list[MpsChange], list[datetime]]] = field(default_factory=dict)

    def covers(self, since: datetime, until: datetime) -> bool:
        return self.since <= since and until <= self.until

    def top(self, departments: list[str], since: datetime, until: datetime) -> tuple[list[MpsChange], int]:
        """The `TOP` changes these departments see among those published in (since, until], and how many they
        see in all. Each scope is sorted out once per run; a user's window then costs a count and a short scan."""
        wanted = frozenset(departments)
        scope: object = d.OPERATIONS if d.OPERATIONS in wanted else wanted
        if scope not in self._scopes:
            mine = [c for c in self.changes if visible(c, wanted)]
            self._scopes[scope] = (mine, sorted(c.at for c in mine))
        mine, times = self._scopes[scope]
        total = bisect_right(times, until) - bisect_right(times, since)
        top = list(islice((c for c in mine if since < c.at <= until), min(TOP, total)))
        return top, total


def _campaigns(causes: list[dict[str, str]]) -> set[int]:
    """The ids of the campaigns among these causes ("campaign:12@v3")."""
    return {int(match.group(1)) for c in causes if (match := CAMPAIGN_REF.match(c.get("ref", "")))}


def load(since: datetime, until: datetime) -> MpsChanges:
    """The changes of the revisions published in (since, until]: one query for the changed lines (only their MPS
    receipts are read out of the stored cells), one for the departments owning the campaigns behind them."""
    rows = list(
        MpsItemChange.objects.filter(
            revision__created__gt=since, revision__created__lte=until, cells__has_key=MEASURE.value
        ).values_list(
            "item_id", "item__product__sku", "item__product__name", "item__plant__name", "revision__number",
            "revision__created", "revision__first_week", "revision__trigger", "revision__causes", "causes",
            f"cells__{MEASURE.value}",
        )
    )  # fmt: skip
    campaign_ids = set().union(*(_campaigns(row[9] or row[8]) for row in rows))
    owners = dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "owner_department__code"))
    triggers = dict(MpsRevision.Trigger.choices)
    changes = []
    for item_id, sku, product, plant, number, at, first_week, trigger, revision_causes, own, cells in rows:
        weeks = tuple(
            WeekMove(week_label(first_week + timedelta(weeks=offset)), new - old)
            for offset, old, new in zip(cells["weeks"], cells["old"], cells["new"], strict=True)
            if abs(new - old) > 1e-9
        )
        if not weeks:
            continue
        causes = own or revision_causes  # the line's own causes, else the revision's
        labels = tuple(c.get("label") or c.get("ref") or c.get("type", "") for c in causes)
        campaigns = _campaigns(causes) & owners.keys()
        changes.append(
            MpsChange(
                revision=number, at=at, item_id=item_id, sku=sku, product=product, plant=plant, weeks=weeks,
                causes=labels or (str(triggers.get(trigger, trigger)),),
                campaign_departments=frozenset(owners[c] for c in campaigns),
            )
        )  # fmt: skip
    changes.sort(key=lambda c: (-c.moved, -c.revision, c.sku, c.plant))
    return MpsChanges(since, until, changes)
