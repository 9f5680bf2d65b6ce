"""End to end (SPEC §4.6): a value entered through the web is turned into an alert by a real
Celery worker process, in PostgreSQL, and shown on the alert page; the same job twice at once
leaves one alert; a job whose worker process dies is run again.

Needs PostgreSQL (DATABASE_URL) and a broker (CELERY_BROKER_URL): skipped without them on a
laptop, failed without them under CI=true (`tests.worker.require_broker_and_postgresql`)."""

import datetime as dt
import os
import signal
from decimal import Decimal
from pathlib import Path

import pytest
from celery.backends.redis import RedisBackend
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from aop_site.celery_app import app
from tests.factories import hires_goal
from tests.worker import celery_worker, require_broker_and_postgresql, wait_for
from tracking.models import Alert
from tracking.services.alerts import _LOCK_CLASS
from tracking.tasks import recompute_plan_alerts

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_env(monkeypatch, settings):
    """PostgreSQL + broker, or skip (fail under CI); the test database is the one the worker
    gets; results go to the broker's Redis so the test can wait for each job."""
    require_broker_and_postgresql()
    assert settings.DATABASES["default"]["NAME"].startswith("test_")
    settings.ALERT_DEBOUNCE_SECONDS = 1
    monkeypatch.setenv("CELERY_RESULT_BACKEND", settings.CELERY_BROKER_URL)
    yield RedisBackend(app=app, url=settings.CELERY_BROKER_URL)


@pytest.fixture
def routed(monkeypatch):
    """Send the recompute task, however it is queued, to the test's private worker queue
    (Celery caches its router, so patching `task_routes` would not reach later tests)."""

    def to(queue: str):
        send = recompute_plan_alerts.apply_async
        monkeypatch.setattr(
            recompute_plan_alerts, "apply_async", lambda *a, **kw: send(*a, **kw, queue=queue)
        )

    return to


def behind_goal(people):
    return hires_goal(people.plan, people.sales, owner=people.head_sales, actual=None)


def enter_through_the_web(client, people, goal, value: str):
    """The head of Sales types March's value into the measurement grid and saves."""
    url = reverse("tracking:measurement-grid", args=[people.plan.pk])
    data = {
        "grid_state": "{}",
        "department": people.sales.pk,
        f"cell.goal-{goal.pk}:2026-03": value,
    }
    response = client.post(f"{url}?department={people.sales.pk}", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_value_entered_on_the_web_becomes_an_alert_through_a_real_worker(
    people, client_for, worker_env, routed
):
    goal = behind_goal(people)
    client = client_for(people.head_sales)
    with celery_worker() as queue:
        routed(queue)
        enter_through_the_web(client, people, goal, "1")  # queues the debounced recompute
        alert = wait_for(
            lambda: Alert.objects.filter(plan=people.plan, subject_id=goal.pk).first(),
            timeout=90,
        )
    assert alert is not None, "no alert within 90 s: the worker did not run the recompute"
    assert alert.rule == Alert.Rule.GOAL_BEHIND and alert.state == Alert.State.OPEN
    assert alert.message.startswith("Hire 4 enterprise AEs is ")
    page = client.get(reverse("tracking:alert-list", args=[people.plan.pk])).content.decode()
    assert alert.message in page


def test_the_same_job_twice_at_once_leaves_one_alert(people, worker_env, routed):
    backend = worker_env
    goal = behind_goal(people)
    people.plan.measurements.create(goal=goal, period=dt.date(2026, 3, 1), value=Decimal("1"))
    with celery_worker(concurrency=2) as queue:
        routed(queue)
        jobs = [
            recompute_plan_alerts.apply_async(args=[people.plan.pk, "2026-03-31"]) for _ in range(2)
        ]
        results = [AsyncResult(job.id, backend=backend).get(timeout=90) for job in jobs]
    assert [r["raised"] for r in results] == [1, 1]
    assert sorted(r["new"] for r in results) == [0, 1]  # one created it, the other saw it
    alerts = Alert.objects.filter(plan=people.plan)
    assert alerts.count() == 1
    assert alerts.get().state == Alert.State.OPEN


def _processes_of(queue: str) -> list[tuple[int, int]]:
    """(pid, parent pid) of the worker processes serving `queue` (main process and pool)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if f"--hostname={queue}@" in cmdline:
            found.append((int(proc.name), ppid))
    return found


def _lock_waiters(plan_id: int) -> set[int]:
    """Database sessions waiting for this plan's recompute lock (`pg_advisory_xact_lock`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = %s AND objid = %s",
            [_LOCK_CLASS, plan_id % 2**31],
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_job_whose_worker_process_dies_is_run_again(people, worker_env, routed):
    """acks_late + reject_on_worker_lost: the test holds the plan's recompute lock so the job
    waits mid-run, kills the pool process running it, and sees the job start again."""
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    goal = behind_goal(people)
    people.plan.measurements.create(goal=goal, period=dt.date(2026, 3, 1), value=Decimal("1"))
    plan_id = people.plan.pk
    with celery_worker(concurrency=2) as queue:  # prefork: pool processes under the main one
        routed(queue)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, plan_id])
            job = recompute_plan_alerts.apply_async(args=[plan_id, "2026-03-31"])
            first = wait_for(lambda: _lock_waiters(plan_id), timeout=60)
            assert first, "the job never started"
            main = next(pid for pid, ppid in _processes_of(queue) if ppid == os.getpid())
            pool = [pid for pid, ppid in _processes_of(queue) if ppid == main]
            assert pool, "no pool processes found"
            for pid in pool:  # the one running the job among them
                os.kill(pid, signal.SIGKILL)
            again = wait_for(lambda: _lock_waiters(plan_id) - first, timeout=60)
            assert again, "the job was not run again after its worker process died"
        result = AsyncResult(job.id, backend=worker_env).get(timeout=90)
    assert result["raised"] == 1
    assert Alert.objects.filter(plan_id=plan_id, subject_id=goal.pk).count() == 1
