"""Unresolved alerts raised before due dates existed (0004 added `due_at`, empty for them) get the due date they
would have had: first seen (`created`) + the SLA of their type and severity. Many are overdue at once, which is
the truth the accountability review needs. Resolved alerts stay without one: nothing is due any more."""

from datetime import timedelta

from django.db import migrations
from django.db.models import F

# Frozen copies, as of this migration, of settings.ALERT_SLA_DAYS and of the lookup in services.sla ("type:severity",
# then the type, then the severity, else 7 days): a data migration must not import live code that may change later.
SLA_DAYS = {"critical": 1, "warning": 3, "info": 7}
SEVERITY_NAMES = {10: "info", 20: "warning", 30: "critical"}
DEFAULT_DAYS = 7


def sla_days(alert_type, severity):
    name = SEVERITY_NAMES.get(severity, "")
    for key in (f"{alert_type}:{name}", alert_type, name):
        if key in SLA_DAYS:
            return SLA_DAYS[key]
    return DEFAULT_DAYS


def set_due_dates(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    undated = Alert.objects.filter(due_at__isnull=True).exclude(status="resolved").order_by()
    # One UPDATE per type and severity, computed in the database, however many alerts there are.
    for alert_type, severity in undated.values_list("type", "severity").distinct():
        days = timedelta(days=sla_days(alert_type, severity))
        undated.filter(type=alert_type, severity=severity).update(due_at=F("created") + days)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_owners_subscriptions_outbox")]
    # Backwards leaves the dates: they are right for those alerts, and 0004 backwards drops the column anyway.
    operations = [migrations.RunPython(set_due_dates, migrations.RunPython.noop)]
