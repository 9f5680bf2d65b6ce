"""Celery tasks of tracking: thin wrappers that take ids, call a service and return something
small. All are safe to run twice or twice at once (see the services). `acks_late` and
`reject_on_worker_lost` are set for every task in settings, so a job whose worker dies is
run again."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.core.cache import cache

from planning.models import Plan
from tracking.services import alert_delivery
from tracking.services.alerts import alerts_recompute, debounce_key

logger = logging.getLogger(__name__)


@shared_task(time_limit=300, soft_time_limit=270)
def recompute_plan_alerts(plan_id: int, as_of: str | None = None) -> dict | None:
    """Recompute one plan's alerts (and goal figures), then post new ones to its webhook."""
    cache.delete(debounce_key(plan_id))  # edits from now on queue the next run
    if not Plan.objects.filter(pk=plan_id).exists():
        return None
    counts = alerts_recompute(
        plan_id=plan_id, as_of=dt.date.fromisoformat(as_of) if as_of else None
    )
    if counts.new:
        _post_soon(plan_id)
    return counts._asdict()


def _post_soon(plan_id: int) -> None:
    """Posting must never break the recompute: in-process it is tried once, with a broker
    it is its own task with retries."""
    try:
        if recompute_plan_alerts.app.conf.task_always_eager:
            alert_delivery.alerts_post_to_webhook(plan_id=plan_id)
        else:
            post_alerts_to_webhook.delay(plan_id)
    except Exception:  # a failed post is logged; the alerts stay unposted for the next run
        logger.exception("Posting alerts of plan %s to its webhook failed", plan_id)


@shared_task(time_limit=120, soft_time_limit=100)
def recompute_all_alerts() -> int:
    """Daily (beat): queue a recompute of every plan that is not closed; returns how many."""
    plan_ids = list(Plan.objects.exclude(status=Plan.Status.CLOSED).values_list("id", flat=True))
    for plan_id in plan_ids:
        recompute_plan_alerts.delay(plan_id)
    return len(plan_ids)


@shared_task(time_limit=600, soft_time_limit=540)
def send_alert_digests() -> int:
    """Daily (beat): e-mail each owner their open alerts not mailed yet."""
    return alert_delivery.alert_digests_send()


@shared_task(
    autoretry_for=(alert_delivery.WebhookError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
    time_limit=60,
    soft_time_limit=45,
)
def post_alerts_to_webhook(plan_id: int) -> int:
    """Post the plan's new open alerts to its webhook; failures retry with backoff
    (30 s, 1 min, 2 min … up to an hour)."""
    return alert_delivery.alerts_post_to_webhook(plan_id=plan_id)
