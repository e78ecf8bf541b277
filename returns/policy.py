"""The returns policy as the planning maths wants it (read-only: services.update_policy changes it)."""

from __future__ import annotations

from .models import ReturnsPolicy
from .planning.rates import Detection
from .planning.supply import Recovery


def current() -> ReturnsPolicy:
    """The stored policy, or the defaults when none is stored yet (a fresh or flushed database)."""
    return ReturnsPolicy.objects.filter(pk=1).first() or ReturnsPolicy(pk=1)


def detection(policy: ReturnsPolicy) -> Detection:
    return Detection(margin=policy.margin_pct / 100, alpha=policy.alpha, prior_units=policy.prior_units)


def recovery(policy: ReturnsPolicy) -> Recovery:
    return Recovery.of(
        (policy.restock_lag_weeks, policy.restock_yield_pct / 100),
        (policy.refurbish_lag_weeks, policy.refurbish_yield_pct / 100),
    )
