"""0005: unresolved alerts from before due dates get first seen + the SLA of their type and severity, by running
the real migration on a database migrated back to 0004 (MigrationExecutor)."""

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sop_portal.alerts import services
from sop_portal.alerts.models import Alert, Severity

BEFORE = [("alerts", "0004_owners_subscriptions_outbox")]
AFTER = [("alerts", "0005_due_dates_for_old_alerts")]
migration = importlib.import_module("sop_portal.alerts.migrations.0005_due_dates_for_old_alerts")
RAISED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # the graph as the database now stands
    executor.migrate(targets)
    return executor


@pytest.fixture
def at_0004() -> Iterator[MigrationExecutor]:
    yield migrate(BEFORE)
    # The rest of the session needs the latest schema back.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_unresolved_alerts_without_a_due_date_get_first_seen_plus_their_sla(at_0004):
    Alert = at_0004.loader.project_state(BEFORE).apps.get_model("alerts", "Alert")

    def old_alert(key, *, type="overload", severity=Severity.CRITICAL, status="open", due_at=None) -> int:
        alert = Alert.objects.create(
            key=key, type=type, severity=severity, status=status, due_at=due_at, subject_type="resource",
            subject_id="1", subject_label="Assembly", message="m",
        )  # fmt: skip
        Alert.objects.filter(pk=alert.pk).update(created=RAISED)  # auto_now_add: first seen set afterwards
        return alert.pk

    critical = old_alert("critical")
    acknowledged = old_alert("acknowledged", severity=Severity.WARNING, status="acknowledged")
    info = old_alert("info", type="fill_rate", severity=Severity.INFO)
    resolved = old_alert("resolved", status="resolved")
    dated = old_alert("dated", due_at=datetime(2026, 3, 20, tzinfo=UTC))

    executor = migrate(AFTER)

    after = executor.loader.project_state(AFTER).apps.get_model("alerts", "Alert")
    assert dict(after.objects.values_list("pk", "due_at")) == {
        critical: RAISED + timedelta(days=1),
        acknowledged: RAISED + timedelta(days=3),
        info: RAISED + timedelta(days=7),
        resolved: None,  # nothing is due any more
        dated: datetime(2026, 3, 20, tzinfo=UTC),  # a due date already set is kept
    }


@pytest.mark.parametrize(
    "table", [migration.SLA_DAYS, {"overload:critical": 0.5, "overload": 2, "fill_rate:info": 4, "info": 9}]
)
def test_the_frozen_sla_lookup_follows_the_live_one(settings, monkeypatch, table):
    # The copy must pick days as services.sla did when it was made; the table in settings may change later.
    settings.ALERT_SLA_DAYS = table
    monkeypatch.setattr(migration, "SLA_DAYS", table)
    for alert_type in Alert.Type.values:
        for severity in Severity.values:
            assert timedelta(days=migration.sla_days(alert_type, severity)) == services.sla(alert_type, severity)
