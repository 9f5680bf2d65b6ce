"""In-app notifications: mentions, returned roadmaps, plan changes."""

from django.db import transaction

from planning.models import Notification


@transaction.atomic
def notification_send(*, user_id: int, plan_id: int, text: str, url: str = "") -> Notification:
    return Notification.objects.create(user_id=user_id, plan_id=plan_id, text=text[:300], url=url)
