"""The outbox of background jobs: enqueue after commit, coalesce bursts, claim once, sweep what was left."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sop_portal.jobs import services
from sop_portal.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_the_task_is_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_send", lambda job_id, kind: sent.append((job_id, kind)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.enqueue("production.replan", {"products": [1]})
        assert sent == []
    assert len(callbacks) == 1
    assert sent == [(str(job.pk), "production.replan")]


def test_a_burst_with_one_coalesce_key_is_one_job_with_every_payload(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.enqueue("production.replan", {"products": [1, 2], "cause": "a"}, coalesce_key="k")
        second = services.enqueue("production.replan", {"products": [2, 3], "cause": "b"}, coalesce_key="k")
    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert Job.objects.get().payload == {"products": [1, 2, 3], "cause": "a"}


def test_claim_is_exclusive_until_the_lease_runs_out():
    job = Job.objects.create(kind="production.replan")
    assert services.claim(str(job.pk)) is not None
    assert services.claim(str(job.pk)) is None  # a duplicate delivery while the first worker holds the lease
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    again = services.claim(str(job.pk))  # the first worker died: its lease ran out
    assert again is not None
    assert again.attempts == 2
    services.finish(again, {"revision": 3})
    assert services.claim(str(job.pk)) is None


def test_sweeper_resends_old_queued_and_expired_running_jobs_only():
    old = timezone.now() - timedelta(minutes=5)
    lost = Job.objects.create(kind="production.replan")
    Job.objects.filter(pk=lost.pk).update(created=old)
    fresh = Job.objects.create(kind="production.replan")
    dead = Job.objects.create(kind="production.replan", status="running", lease_until=old)
    alive = Job.objects.create(kind="production.replan", status="running", lease_until=timezone.now() + timedelta(1))
    Job.objects.create(kind="production.replan", status="done")
    sent: list[str] = []
    assert services.sweep(send=lambda job_id, kind: sent.append(job_id)) == 2
    assert sorted(sent) == sorted([str(lost.pk), str(dead.pk)])
    assert str(fresh.pk) not in sent
    assert str(alive.pk) not in sent


def test_unknown_kind_is_refused():
    with pytest.raises(KeyError, match="unknown job kind 'nope'"):
        services.enqueue("nope")
