"""Celery tasks of the plan side: thin, take ids, call a service."""

from celery import shared_task

from planning.services.notifications import notification_send


@shared_task(time_limit=30, soft_time_limit=25)
def send_notification(*, user_id: int, plan_id: int, text: str, url: str = "") -> int:
    """Deliver an in-app notification; returns its id."""
    return notification_send(user_id=user_id, plan_id=plan_id, text=text, url=url).pk
