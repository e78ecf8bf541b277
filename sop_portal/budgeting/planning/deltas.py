"""Scenario deltas in row terms (no Django): what `apply` changes in a copy of the year's inputs.

The service layer (`sop_portal/budgeting/deltas.py`) validates the stored JSON payloads and translates SKUs,
family codes, resource codes and dates into the rows and week indices used here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .inputs import YearInputs


@dataclass(frozen=True)
class NewLine:
    product: int  # product row
    uplift_kind: int  # campaigns.planning.uplift.UpliftKind
    uplift_value: float
    profile: int  # campaigns.planning.uplift.Profile (not CUSTOM)
    decay_weeks: int = 2


@dataclass(frozen=True)
class AddCampaign:
    campaign_id: int  # negative: -(scenario change id)
    name: str
    start: int  # week index into the fiscal year
    end: int  # inclusive
    budget: float
    lines: tuple[NewLine, ...]


@dataclass(frozen=True)
class MoveCampaign:
    campaign_id: int
    weeks: int  # + later, - earlier


@dataclass(frozen=True)
class ScaleCampaign:
    campaign_id: int
    factor: float  # uplift and budget x factor


@dataclass(frozen=True)
class DropCampaign:
    campaign_id: int


@dataclass(frozen=True)
class VolumeTarget:
    family: int  # family row
    month: int  # 0..11
    units: float  # the family's baseline in that month is scaled to sum to this


@dataclass(frozen=True)
class AddShift:
    resource: int  # resource row
    first_month: int  # 0..11
    last_month: int  # 0..11, inclusive
    shifts: int


Delta = AddCampaign | MoveCampaign | ScaleCampaign | DropCampaign | VolumeTarget | AddShift


class DeltaError(ValueError):
    """A delta that cannot apply to these inputs (e.g. it names a campaign the plan does not hold)."""


def apply(inputs: YearInputs, deltas: Sequence[Delta]) -> YearInputs:
    """New inputs with the deltas applied in order; `inputs` and its arrays are left untouched."""
    raise NotImplementedError
