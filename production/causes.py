"""Why the MPS changed: the cause a revision and each of its changed lines point back to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cause:
    type: str  # an MpsRevision.Trigger value: manual, campaign, returns, parameters, schedule, initial
    ref: str = ""  # what exactly, e.g. "campaign:12@v3" or "returns-batch:88"
    label: str = ""  # what a planner reads, e.g. "Campaign 'Summer push' v3"

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "ref": self.ref, "label": self.label or self.ref or self.type}
