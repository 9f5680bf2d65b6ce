"""What a person does on the activity page: read their notifications."""

from django.db import transaction

from planning.models import Notification, Plan


@transaction.atomic
def notifications_mark_read(*, user, plan: Plan) -> int:
    """Mark all of `user`'s notifications in `plan` read; returns how many were unread."""
    return Notification.objects.filter(user=user, plan=plan, read=False).update(read=True)


@transaction.atomic
def notification_open(*, notification: Notification) -> Notification:
    """The person follows a notification: it counts as read."""
    if not notification.read:
        notification.read = True
        notification.save(update_fields=["read"])
    return notification
