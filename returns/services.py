"""The only writers of returns: imports (atomic, idempotent by return number), shipped quantities, the policy,
anomalies with their alerts, and the answers owners give. A loaded batch writes its outbox row (the pipeline
job that takes it to the alerts and the MPS) in the same transaction as its lines.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from campaigns.models import COUNTING, CampaignProduct
from production.causes import Cause
from production.services import request_replan
from sop_portal.alerts import services as alerts
from sop_portal.alerts.models import Alert
from sop_portal.errors import InputError, StaleEdit
from sop_portal.jobs import services as jobs
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import Channel, Product
from sop_portal.organisation.permissions import roles_of

from . import feedback, imports
from . import policy as policies
from .models import (
    AnomalyResponse,
    Disposition,
    ImportBatch,
    ImportUpload,
    ItemCondition,
    ReturnAnomaly,
    ReturnAuthorisation,
    ReturnLine,
    ReturnReason,
    ReturnsPolicy,
    ShippedQuantity,
)
from .planning.attribution import attribute
from .taxonomy import TAXONOMY, sub_code

IMPORT_KIND = "returns.import"
PIPELINE_KIND = "returns.pipeline"
IMPORT_LOCK = 7_340_017  # pg advisory lock id: one returns load at a time, so two files never race for a number
CHUNK = 5000
POLICY_FIELDS = (
    "margin_pct", "alpha", "prior_units", "recent_weeks", "baseline_weeks", "return_lag_weeks", "restock_lag_weeks",
    "restock_yield_pct", "refurbish_lag_weeks", "refurbish_yield_pct", "plan_expected_returns",
)  # fmt: skip
Progress = Callable[[int, str], None]


def _quiet(percent: int, message: str) -> None:
    return None


# --- Reference data ----------------------------------------------------------------------------------------


@transaction.atomic
def ensure_taxonomy() -> int:
    """The standard reasons and the default policy (what the data migration loads), for a flushed database."""
    created = 0
    for i, (code, name, subs) in enumerate(TAXONOMY):
        group, made = ReturnReason.objects.get_or_create(code=code, defaults={"name": name, "position": i * 10})
        created += made
        for j, (sub, sub_name) in enumerate(subs):
            created += ReturnReason.objects.get_or_create(
                code=sub_code(code, sub), defaults={"name": sub_name, "parent": group, "position": i * 10 + j + 1}
            )[1]
    ReturnsPolicy.objects.get_or_create(pk=1)
    return created


@transaction.atomic
def update_policy(*, actor: Any, expected_version: int | None, **changes: Any) -> ReturnsPolicy:
    """Change how returns are judged and planned; the MPS is replanned with the policy as its cause."""
    stored = ReturnsPolicy.objects.select_for_update().filter(pk=1).first()
    current = stored or ReturnsPolicy(pk=1)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit("The returns policy", current.version)
    for name, value in changes.items():
        if name not in POLICY_FIELDS:
            raise InputError(name, "is not a returns policy setting")
        setattr(current, name, value)
    try:
        current.full_clean(validate_unique=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise InputError(name, messages[0]) from exc
    if stored is not None:
        current.version += 1
    current.save()
    label = f"Returns policy v{current.version} ({', '.join(sorted(changes)) or 'no change'})"
    request_replan(None, requested_by=actor, cause=Cause("returns", f"returns-policy:v{current.version}", label))
    return current


# --- Imports -----------------------------------------------------------------------------------------------


@transaction.atomic
def submit_import(content: bytes, filename: str, *, actor: Any, kind: str = ImportBatch.Kind.FILE) -> ImportBatch:
    """Keep the file and queue its import job (a worker validates and loads it, reporting progress)."""
    batch = ImportBatch.objects.create(kind=kind, source=filename[:200], uploaded_by=_user(actor))
    ImportUpload.objects.create(batch=batch, content=zlib.compress(content, 1))
    batch.import_job = jobs.enqueue(
        IMPORT_KIND, {"batch": batch.pk}, requested_by=actor, coalesce_key=f"returns-import:{batch.pk}"
    )
    batch.save(update_fields=["import_job"])
    return batch


def run_import(job: Job) -> dict[str, Any]:
    """The import job's work: read the kept file, then `load` it. Safe to run again: a finished batch is final."""
    batch = ImportBatch.objects.get(pk=job.payload["batch"])
    if batch.status not in (ImportBatch.Status.LOADED, ImportBatch.Status.REJECTED):
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
        try:
            jobs.report(job, 5, f"Reading {batch.source}")
            upload = ImportUpload.objects.filter(batch=batch).first()
            try:
                if upload is None:
                    raise imports.FileProblem("the uploaded file is gone; upload it again")
                table = imports.read_table(zlib.decompress(bytes(upload.content)), batch.source)
            except imports.FileProblem as exc:
                batch = _reject(batch, [imports.RowError(1, "file", str(exc))], rows=0)
            else:
                batch = load(batch, table, progress=lambda p, m: jobs.report(job, p, m))
        except Exception as exc:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.FAILED, finished=timezone.now(),
                errors=[{"row": 0, "column": "", "message": f"{type(exc).__name__}: {exc}"}],
            )  # fmt: skip
            raise
    result = batch_summary(batch)
    jobs.finish(job, result, outcome_message(batch))
    return result


def import_rows(
    rows: Iterable[Mapping[str, Any]], *, source: str, actor: Any, kind: str = ImportBatch.Kind.API
) -> ImportBatch:
    """Load rows given as dictionaries (the API, the demo) at once, with the checks and writes of a file."""
    records = [{k: imports.cell_text(v) for k, v in row.items()} for row in rows]
    table = pd.DataFrame(records, dtype=str) if records else pd.DataFrame(columns=imports.COLUMNS, dtype=str)
    table.columns = [imports.column_name(c) for c in table.columns]
    for column in imports.COLUMNS:
        if column not in table.columns:
            table[column] = ""
    batch = ImportBatch.objects.create(
        kind=kind, source=source[:200], uploaded_by=_user(actor), status=ImportBatch.Status.RUNNING
    )
    return load(batch, table[imports.COLUMNS].fillna(""))


def lookups(today: date | None = None) -> imports.Lookups:
    reasons = list(ReturnReason.objects.all())
    groups = {r.pk: r for r in reasons if r.parent_id is None}
    reason_groups = {imports.key(r.code): r.pk for r in groups.values()} | {
        imports.key(r.name): r.pk for r in groups.values()
    }
    sub_reasons: dict[tuple[int, str], int] = {}
    for r in reasons:
        if r.parent_id is not None:
            short = r.code.split(".", 1)[-1]
            for name in (r.code, short, r.name):
                sub_reasons[(r.parent_id, imports.key(name))] = r.pk
    return imports.Lookups(
        products=dict(Product.objects.values_list("sku", "pk")),
        reason_groups=reason_groups,
        reason_names={pk: r.name for pk, r in groups.items()},
        sub_reasons=sub_reasons,
        channels=imports.choices(Channel.choices),
        dispositions=imports.choices(Disposition.choices, {"rtv": "return_to_vendor", "vendor": "return_to_vendor"}),
        conditions=imports.choices(ItemCondition.choices, {"new": "unopened", "as_new": "opened"}),
        reason_codes=tuple(r.code for r in groups.values()),
        today=today or masterdata.today(),
    )


def load(batch: ImportBatch, table: pd.DataFrame, *, progress: Progress = _quiet) -> ImportBatch:
    """Check every row; with any problem write nothing but the batch's error report. Otherwise, in one
    transaction: the authorisations and lines whose return numbers are new (the others were loaded before and
    are skipped), the batch's counts and its pipeline job."""
    if table.empty:
        return _reject(batch, [imports.RowError(2, "file", "there are no returns in it")], rows=0)
    progress(15, f"Checking {len(table):,} rows")
    checked = imports.check(table, lookups())
    if checked.errors:
        return _reject(batch, checked.errors, rows=checked.rows)
    lines = checked.lines
    progress(45, "Attributing returns to campaigns")
    lines["campaign_id"] = _attribute(lines)
    progress(60, f"Writing {len(lines):,} lines")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.LOADED:
            return batch
        taken = _existing_numbers(lines["return_number"].unique().tolist())
        fresh = lines[~lines["return_number"].isin(taken)] if taken else lines
        _write(batch, fresh)
        batch.status = ImportBatch.Status.LOADED
        batch.rows = checked.rows
        batch.returns_created = int(fresh["return_number"].nunique())
        batch.lines_created = len(fresh)
        batch.units = float(fresh["quantity"].sum())
        batch.rows_skipped = len(lines) - len(fresh)
        batch.products = sorted(int(p) for p in fresh["product_id"].unique())
        batch.errors, batch.error_count, batch.finished = [], 0, timezone.now()
        if len(fresh):
            batch.pipeline_job = jobs.enqueue(
                PIPELINE_KIND, {"batch": batch.pk}, requested_by=batch.uploaded_by,
                coalesce_key=f"returns-batch:{batch.pk}",
            )  # fmt: skip
        batch.save()
        ImportUpload.objects.filter(batch=batch).delete()
    progress(95, outcome_message(batch))
    return batch


def _reject(batch: ImportBatch, errors: Sequence[imports.RowError], *, rows: int) -> ImportBatch:
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.REJECTED, rows=rows, error_count=len(errors), finished=timezone.now(),
            errors=[e.as_json() for e in errors[: imports.MAX_ERRORS_KEPT]],
        )  # fmt: skip
        ImportUpload.objects.filter(batch=batch).delete()
    batch.refresh_from_db()
    return batch


def batch_summary(batch: ImportBatch) -> dict[str, Any]:
    return {
        "batch": batch.pk, "status": batch.status, "rows": batch.rows, "returns_created": batch.returns_created,
        "lines_created": batch.lines_created, "rows_skipped": batch.rows_skipped, "error_count": batch.error_count,
    }  # fmt: skip


def outcome_message(batch: ImportBatch) -> str:
    if batch.status == ImportBatch.Status.REJECTED:
        return f"Rejected: {batch.error_count:,} problem{'s' if batch.error_count != 1 else ''}, nothing loaded"
    skipped = f", {batch.rows_skipped:,} rows already loaded before" if batch.rows_skipped else ""
    return f"Loaded {batch.returns_created:,} returns with {batch.lines_created:,} lines{skipped}"


def _existing_numbers(numbers: list[str]) -> set[str]:
    """The return numbers already loaded. Straight SQL: the ORM would compile 100,000 parameters one by one."""
    table = connection.ops.quote_name(ReturnAuthorisation._meta.db_table)
    taken: set[str] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT number FROM {table} WHERE number = ANY(%s)", [numbers])
            taken.update(n for (n,) in cursor.fetchall())
            return taken
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            cursor.execute(f"SELECT number FROM {table} WHERE number IN ({', '.join(['%s'] * len(chunk))})", chunk)
            taken.update(n for (n,) in cursor.fetchall())
    return taken


def _attribute(lines: pd.DataFrame) -> np.ndarray:
    products = lines["product_id"].unique().tolist()
    first, last = lines["order_date"].min(), lines["order_date"].max()
    rows = list(
        CampaignProduct.objects.filter(
            product_id__in=products,
            campaign__status__in=COUNTING,
            campaign__start_date__lte=pd.Timestamp(last).date(),
            campaign__end_date__gte=pd.Timestamp(first).date(),
        ).values_list("campaign_id", "product_id", "campaign__channel", "campaign__start_date", "campaign__end_date")
    )
    campaigns = pd.DataFrame(rows, columns=["campaign_id", "product_id", "channel", "start_date", "end_date"])
    for column in ("start_date", "end_date"):
        campaigns[column] = pd.to_datetime(campaigns[column])
    return attribute(lines, campaigns)


def _monday(days: np.ndarray) -> np.ndarray:
    """Monday of each date's week (1970-01-01 was a Thursday, weekday 3)."""
    d = days.astype("datetime64[D]")
    return d - ((d.astype(np.int64) + 3) % 7).astype("timedelta64[D]")


def _iso(days: np.ndarray) -> np.ndarray:
    """ISO text of each date, formatted once per distinct date (a file has a few hundred)."""
    distinct, inverse = np.unique(days.astype("datetime64[D]"), return_inverse=True)
    return np.datetime_as_string(distinct, unit="D")[inverse]


def _write(batch: ImportBatch, lines: pd.DataFrame) -> None:
    if lines.empty:
        return
    heads = lines.drop_duplicates("return_number")
    authorisations = pd.DataFrame(
        {
            "number": heads["return_number"].to_numpy(),
            "order_reference": heads["order_reference"].to_numpy(),
            "customer": heads["customer"].to_numpy(),
            "channel": heads["channel"].to_numpy(),
            "order_date": _iso(heads["order_date"].to_numpy()),
            "return_date": _iso(heads["return_date"].to_numpy()),
            "batch": batch.pk,
        }
    )
    campaign = pd.array(lines["campaign_id"].to_numpy(), dtype="Int64")
    campaign[lines["campaign_id"].to_numpy() == 0] = pd.NA
    rows = pd.DataFrame(
        {
            "authorisation": lines["return_number"].to_numpy(),
            "line": lines["line"].to_numpy(dtype=np.int64),
            "product": lines["product_id"].to_numpy(dtype=np.int64),
            "quantity": lines["quantity"].to_numpy(dtype=float),
            "reason": lines["reason_id"].to_numpy(dtype=np.int64),
            "comment": lines["comment"].to_numpy(),
            "condition": lines["condition"].to_numpy(),
            "disposition": lines["disposition"].to_numpy(),
            "campaign": campaign,
            "channel": lines["channel"].to_numpy(),
            "order_week": _iso(_monday(lines["order_date"].to_numpy())),
            "return_week": _iso(_monday(lines["return_date"].to_numpy())),
        }
    )
    _insert(ReturnAuthorisation, authorisations, text=("order_reference", "customer"))
    _insert(ReturnLine, rows, text=("comment", "condition"))


def _insert(model: type[Model], frame: pd.DataFrame, *, text: Sequence[str] = ()) -> None:
    """Append `frame` (columns named like the model's fields) to the model's table in as few round trips as the
    database allows: COPY on PostgreSQL, one executemany on SQLite. Constraints still apply: a broken one fails
    the whole load."""
    opts = model._meta
    quote = connection.ops.quote_name
    column_of = {field.name: field.column for field in opts.concrete_fields}
    columns = [column_of[name] for name in frame.columns]
    table = quote(opts.db_table)
    names = ", ".join(quote(c) for c in columns)
    with connection.wrap_database_errors:
        connection.ensure_connection()
        raw = connection.connection.cursor()
        try:
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                frame.to_csv(buffer, header=False, index=False, na_rep="")
                buffer.seek(0)
                keep = ", ".join(quote(column_of[name]) for name in text)
                options = f"FORMAT csv, FORCE_NOT_NULL ({keep})" if keep else "FORMAT csv"
                sql = f"COPY {table} ({names}) FROM STDIN WITH ({options})"
                if hasattr(raw, "copy_expert"):  # psycopg2
                    raw.copy_expert(sql, buffer)
                else:  # psycopg 3
                    with raw.copy(sql) as copy:
                        copy.write(buffer.getvalue())
            else:
                values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
                marks = ", ".join(["%s" if connection.vendor != "sqlite" else "?"] * len(columns))
                raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(zip(*values, strict=True)))
        finally:
            raw.close()


# --- Shipped quantities (the denominator) ------------------------------------------------------------------


@transaction.atomic
def record_shipments(rows: Iterable[tuple[int, str, date, float]]) -> int:
    """(product id, channel, week Monday, units) rows; a week already recorded takes the new figure.

    Weeks none of these products has figures for yet (a first load: the demo, a new year) are appended in one
    bulk write; otherwise each row is an upsert."""
    checked = []
    for row, (product_id, channel, week, quantity) in enumerate(rows, start=1):
        if channel not in Channel.values:
            raise InputError("channel", f"'{channel}' is not one of {', '.join(Channel.values)}", row=row)
        if week.weekday() != 0:
            raise InputError("week", "must be the Monday of an ISO week", row=row)
        if quantity is None or not np.isfinite(quantity) or quantity < 0:
            raise InputError("quantity", "must be a number, zero or more", row=row)
        checked.append((int(product_id), channel, week.isoformat(), float(quantity)))
    if not checked:
        return 0
    frame = pd.DataFrame(checked, columns=["product", "channel", "week", "quantity"])
    fresh = not frame.duplicated(["product", "channel", "week"]).any() and not (
        ShippedQuantity.objects.filter(
            product_id__in=frame["product"].unique().tolist(), week__gte=frame["week"].min(),
            week__lte=frame["week"].max(),
        ).exists()
    )  # fmt: skip
    if fresh:
        _insert(ShippedQuantity, frame)
        return len(frame)
    ShippedQuantity.objects.bulk_create(
        [ShippedQuantity(product_id=p, channel=c, week=w, quantity=q) for p, c, w, q in checked],
        batch_size=5000, update_conflicts=True, unique_fields=["product", "week", "channel"],
        update_fields=["quantity"],
    )  # fmt: skip
    return len(checked)


# --- Anomalies, alerts and answers -------------------------------------------------------------------------


@dataclass
class FeedbackOutcome:
    raised: list[ReturnAnomaly] = field(default_factory=list)
    updated: list[ReturnAnomaly] = field(default_factory=list)
    resolved: list[ReturnAnomaly] = field(default_factory=list)


@transaction.atomic
def raise_anomalies(
    product_ids: Sequence[int], *, batch: ImportBatch | None = None, today: date | None = None
) -> FeedbackOutcome:
    """Judge the return rates of these products (and of the campaigns that sold them); raise, update or resolve
    their RETURNS_ANOMALY alerts and the anomalies owners answer on."""
    policy = policies.current()
    evaluation = feedback.evaluate(product_ids, today or masterdata.today(), policy)
    cause: dict[str, Any] = {"causes": [Cause("returns", batch.cause_ref, batch.label).as_json()]} if batch else {}
    if batch is not None:
        cause["batch"] = batch.pk
    raised = alerts.reconcile(evaluation.scope, [f.condition(cause, policy.alpha) for f in evaluation.findings]).raised
    for alert in raised:
        _make_owner_answer(alert, evaluation.findings)
    open_alerts = {
        a.key: a
        for a in Alert.objects.filter(key__in=[f.key for f in evaluation.findings]).exclude(
            status=Alert.Status.RESOLVED
        )
    }
    live = {
        a.key: a
        for a in ReturnAnomaly.objects.select_for_update()
        .filter(key__in=evaluation.scope)
        .exclude(status=ReturnAnomaly.Status.RESOLVED)
    }
    outcome = FeedbackOutcome()
    now = timezone.now()
    for finding in evaluation.findings:
        values = {
            "alert": open_alerts.get(finding.key), "product": finding.product, "campaign": finding.campaign,
            "first_week": finding.first_week, "last_week": finding.last_week, "returned": finding.returned,
            "shipped": finding.shipped, "rate": finding.rate, "baseline_rate": finding.baseline_rate,
            "p_value": finding.p_value, "top_reasons": finding.top_reasons, "comments": finding.comments,
            "departments": list(finding.departments),
        }  # fmt: skip
        existing = live.get(finding.key)
        if existing is None:
            outcome.raised.append(ReturnAnomaly.objects.create(key=finding.key, batch=batch, **values))
        else:
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save()
            outcome.updated.append(existing)
    found = {f.key for f in evaluation.findings}
    for key, anomaly in live.items():
        if key not in found:
            anomaly.status, anomaly.resolved_at = ReturnAnomaly.Status.RESOLVED, now
            anomaly.save(update_fields=["status", "resolved_at", "updated"])
            outcome.resolved.append(anomaly)
    return outcome


def _make_owner_answer(alert: Alert, findings: Sequence[feedback.Finding]) -> None:
    """A campaign's alert is its owner's to answer: they own it in the alert centre too."""
    campaign = next((f.campaign for f in findings if f.key == alert.key), None)
    if campaign is None or alert.owner_id:
        return
    # If the owner left the campaign's department, the departments still see it.
    with contextlib.suppress(InputError, alerts.AlertStateError):
        alerts.assign_alert(alert, owner=campaign.owner, actor=None)


def speaks_for(user: Any, anomaly: ReturnAnomaly) -> str:
    """The department a response is given for: the campaign owner's if the author is in it, else the first of
    the anomaly's departments the author belongs to."""
    mine = roles_of(user)
    if anomaly.campaign_id and anomaly.campaign is not None and anomaly.campaign.owner_department.code in mine:
        return anomaly.campaign.owner_department.code
    return next((code for code in anomaly.departments if code in mine), next(iter(mine), ""))


def _locked(anomaly: ReturnAnomaly) -> ReturnAnomaly:
    current = (
        ReturnAnomaly.objects.select_for_update(of=("self",))
        .select_related("campaign__owner_department")
        .get(pk=anomaly.pk)
    )
    if current.status == ReturnAnomaly.Status.RESOLVED:
        raise InputError("status", "the return rate is back within its margin: this anomaly is resolved")
    return current


def _acknowledge(current: ReturnAnomaly, actor: Any, note: str) -> None:
    current.status = ReturnAnomaly.Status.ACKNOWLEDGED
    current.acknowledged_by, current.acknowledged_at = actor, timezone.now()
    current.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated"])
    AnomalyResponse.objects.create(
        anomaly=current, kind=AnomalyResponse.Kind.ACKNOWLEDGEMENT, author=actor,
        department=speaks_for(actor, current), text=note.strip(),
    )  # fmt: skip
    alert = Alert.objects.filter(pk=current.alert_id, status=Alert.Status.OPEN).first() if current.alert_id else None
    if alert is not None:
        # Acknowledged with it (the digests stop asking); it stays unresolved until the rate is back.
        with contextlib.suppress(alerts.AlertStateError):  # acknowledged in the alert centre meanwhile
            alerts.acknowledge_alert(alert, actor=actor)


@transaction.atomic
def acknowledge_anomaly(anomaly: ReturnAnomaly, *, actor: Any, note: str = "") -> ReturnAnomaly:
    current = _locked(anomaly)
    if current.status != ReturnAnomaly.Status.OPEN:
        raise InputError("status", "is already acknowledged")
    _acknowledge(current, actor, note)
    return current


@transaction.atomic
def answer_anomaly(anomaly: ReturnAnomaly, *, actor: Any, action_taken: str, due_date: date | None) -> AnomalyResponse:
    """The owner's answer: what was done about it and by when. Answering an unacknowledged anomaly acknowledges it."""
    current = _locked(anomaly)
    if not (action_taken or "").strip():
        raise InputError("action_taken", "say what was done or will be done about it")
    if due_date is None:
        raise InputError("due_date", "is required: by when does the action take effect?")
    if due_date < masterdata.today():
        raise InputError("due_date", "is in the past")
    if current.status == ReturnAnomaly.Status.OPEN:
        _acknowledge(current, actor, "")
    response = AnomalyResponse.objects.create(
        anomaly=current, kind=AnomalyResponse.Kind.ANSWER, author=actor, department=speaks_for(actor, current),
        text=action_taken.strip(), due_date=due_date,
    )  # fmt: skip
    current.status = ReturnAnomaly.Status.ANSWERED
    current.save(update_fields=["status", "updated"])
    return response


@transaction.atomic
def add_note(anomaly: ReturnAnomaly, *, actor: Any, text: str) -> AnomalyResponse:
    """A note in the thread (customer service following up); it changes no status."""
    current = ReturnAnomaly.objects.select_for_update().get(pk=anomaly.pk)
    if not (text or "").strip():
        raise InputError("text", "is empty")
    return AnomalyResponse.objects.create(
        anomaly=current, kind=AnomalyResponse.Kind.NOTE, author=actor, department=speaks_for(actor, current),
        text=text.strip(),
    )  # fmt: skip


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
