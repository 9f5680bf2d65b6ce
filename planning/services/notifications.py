"""In-app notifications: mentions, returned roadmaps, plan changes — each written in the
language of the person who reads it (their profile's choice, else the site's)."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.utils import translation

from planning.models import Notification

NOTIFICATION_MAX = 300


def language_of(user) -> str:
    """The language a person reads the app in: their profile's choice, else the site's."""
    profile = getattr(user, "profile", None)  # no profile yet: the site's language
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


@transaction.atomic
def notification_send(*, user_id: int, plan_id: int, text: str, url: str = "") -> Notification:
    return Notification.objects.create(user_id=user_id, plan_id=plan_id, text=_clip(text), url=url)


def notifications_write(*, plan_id: int, users: Iterable, words: Callable[[], str], url: str):
    """Tell each of `users` the same thing, worded in their language: `words` is called with
    each recipient's language active (it translates its message and its parts there)."""
    notes = []
    for user in users:
        with translation.override(language_of(user)):
            notes.append(Notification(user=user, plan_id=plan_id, text=_clip(words()), url=url))
    return Notification.objects.bulk_create(notes)


def _clip(text: str) -> str:
    return text if len(text) <= NOTIFICATION_MAX else text[: NOTIFICATION_MAX - 1] + "…"
