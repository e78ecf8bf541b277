"""Acknowledge, resolve, assign and the SLA: one person acts once; a stale action is refused and writes nothing."""

from datetime import timedelta

import pytest

from sop_portal.alerts import services
from sop_portal.alerts.models import Alert, AlertOccurrence, Inbox, Severity
from sop_portal.alerts.services import AlertStateError, Condition, reconcile
from sop_portal.errors import InputError
from sop_portal.organisation.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_raised_alert_is_due_after_the_sla_of_its_severity(raise_alert):
    critical = raise_alert("a", severity=Severity.CRITICAL)
    warning = raise_alert("b", severity=Severity.WARNING)
    assert critical.due_at is not None
    assert warning.due_at is not None
    assert critical.due_at - critical.created == pytest.approx(timedelta(days=1), abs=timedelta(seconds=1))
    assert warning.due_at - warning.created == pytest.approx(timedelta(days=3), abs=timedelta(seconds=1))


def test_sla_takes_type_and_severity_then_type_then_severity(settings):
    settings.ALERT_SLA_DAYS = {"overload:critical": 0.5, "overload": 2, "critical": 1, "warning": 3}
    assert services.sla("overload", Severity.CRITICAL) == timedelta(hours=12)
    assert services.sla("overload", Severity.WARNING) == timedelta(days=2)
    assert services.sla("shortage", Severity.CRITICAL) == timedelta(days=1)
    assert services.sla("shortage", Severity.INFO) == timedelta(days=7)  # nothing configured: a week


def test_a_worse_condition_brings_the_due_date_forward_and_never_pushes_it_back(raise_alert):
    alert = raise_alert("a", severity=Severity.WARNING)
    first_due = alert.due_at
    raise_alert("a", severity=Severity.CRITICAL, label="Assembly line")
    worse = Alert.objects.get(pk=alert.pk)
    assert worse.severity == Severity.CRITICAL
    assert worse.due_at is not None
    assert first_due is not None
    assert worse.due_at < first_due
    assert worse.due_at - worse.last_seen == pytest.approx(timedelta(days=1), abs=timedelta(seconds=1))
    raise_alert("a", severity=Severity.WARNING, label="Assembly")
    assert Alert.objects.get(pk=alert.pk).due_at == worse.due_at


def test_acknowledge_makes_the_actor_owner_and_records_who_and_when(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    alert = services.acknowledge_alert(raise_alert(), actor=mia)
    assert (alert.status, alert.acknowledged_by, alert.owner) == ("acknowledged", mia, mia)
    assert alert.acknowledged_at is not None
    history = list(alert.history.values_list("event", "actor__username"))
    assert history == [("raised", None), ("acknowledged", "mia")]


def test_acknowledge_keeps_an_existing_owner(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    ola = make_user("ola", departments={"operations": Role.PLANNER})
    alert = services.assign_alert(raise_alert(), owner=ola, actor=mia)
    alert = services.acknowledge_alert(alert, actor=mia)
    assert (alert.owner, alert.acknowledged_by) == (ola, mia)


def test_a_second_acknowledgement_is_refused_naming_who_was_first(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    ola = make_user("ola", departments={"operations": Role.PLANNER})
    alert = raise_alert()
    stale = Alert.objects.get(pk=alert.pk)
    services.acknowledge_alert(alert, actor=mia)
    refused = f"^Cannot acknowledge alert {alert.pk}: it was already acknowledged by mia.$"
    with pytest.raises(AlertStateError, match=refused):
        services.acknowledge_alert(stale, actor=ola)
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == mia
    assert AlertOccurrence.objects.filter(alert=alert, event="acknowledged").count() == 1


def test_resolve_records_who_and_refuses_a_second_time(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    alert = services.resolve_alert(raise_alert(), actor=mia)
    assert (alert.status, alert.resolved_by) == ("resolved", mia)
    with pytest.raises(AlertStateError, match="it was already resolved by mia"):
        services.resolve_alert(alert, actor=mia)
    with pytest.raises(AlertStateError, match=r"^Cannot assign alert \d+: it was already resolved by mia.$"):
        services.assign_alert(alert, owner=mia, actor=mia)


def test_an_alert_the_check_resolved_says_so(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    alert = raise_alert("a")
    reconcile(["a"], [])
    with pytest.raises(AlertStateError, match=r"already resolved \(its condition is gone\)"):
        services.acknowledge_alert(alert, actor=mia)


def test_assign_only_to_an_active_member_of_the_alerts_departments(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    sam = make_user("sam", departments={"sales": Role.ADMIN})
    alert = raise_alert(departments=("operations", "warehouse"))
    refused = r"^owner: sam is not in any of the alert's departments \(operations, warehouse\)$"
    with pytest.raises(InputError, match=refused):
        services.assign_alert(alert, owner=sam, actor=mia)
    with pytest.raises(InputError, match=r"^owner: no active user with id 'x'$"):
        services.assign_alert(alert, owner="x", actor=mia)
    assert services.assign_alert(alert, owner=str(mia.pk), actor=mia).owner == mia
    assert list(alert.history.values_list("event", flat=True)) == ["raised", "assigned"]


def test_may_act_needs_one_of_the_alerts_departments_or_superuser(raise_alert):
    alert = raise_alert(departments=("operations", "sales"))
    assert services.may_act(make_user("v", departments={"sales": Role.VIEWER}), alert)
    assert not services.may_act(make_user("w", departments={"warehouse": Role.ADMIN}), alert)
    assert services.may_act(make_user("root", departments={}, is_superuser=True), alert)


def test_unread_counts_unresolved_alerts_of_my_departments_raised_since_my_last_visit(raise_alert):
    mia = make_user("mia", departments={"operations": Role.VIEWER})
    raise_alert("a", departments=("operations",))
    raise_alert("b", departments=("sales", "operations"))
    raise_alert("c", departments=("warehouse",))
    reconcile(["d"], [Condition("d", "overload", Severity.INFO, "resource", "4", "Line 4", "m",
                                departments=("operations",))])  # fmt: skip
    reconcile(["d"], [])
    assert services.unread_count(mia) == 2
    services.mark_alerts_seen(mia)
    assert services.unread_count(mia) == 0
    Inbox.objects.filter(user=mia).update(seen_until=Alert.objects.get(key="a").created)
    assert services.unread_count(mia) == 1  # "b" was raised after "a"
