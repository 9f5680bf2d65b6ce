"""Discussion threads on goals and initiatives (SPEC §2 step 4): post a comment, tell the
people it mentions (@username, members of the plan) and the owner of what it is about."""

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from planning.concurrency import save_versioned
from planning.models import Comment, Goal, Initiative, Plan
from planning.services.notifications import notifications_write

# @ not preceded by a word character (so e-mail addresses are no mentions); a name may hold
# letters, digits and . + - _ but does not end with a full stop (end of a sentence).
MENTION = re.compile(r"(?<![\w@])@([\w.+-]*[\w+-])")


def mentioned_usernames(text: str) -> list[str]:
    """The @usernames in `text`, each once, in the order they appear (no database)."""
    seen: dict[str, str] = {}
    for name in MENTION.findall(text):
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _plan_members(plan: Plan, usernames: list[str]):
    """Members of `plan` with one of these usernames (case does not matter)."""
    if not usernames:
        return []
    wanted = [name.lower() for name in usernames]
    return list(
        get_user_model()
        .objects.annotate(name_lower=Lower("username"))
        .filter(memberships__plan=plan, name_lower__in=wanted)
        .distinct()
    )


def _who(user) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def comment_create(*, plan: Plan, author, text: str, subject: Goal | Initiative) -> Comment:
    """Post `text` on a goal or an initiative of `plan`. Mentioned plan members and the
    subject's owner get a notification; the author is never notified of their own words."""
    is_goal = isinstance(subject, Goal)
    comment = Comment.objects.create(
        plan=plan,
        goal=subject if is_goal else None,
        initiative=None if is_goal else subject,
        author=author,
        text=text,
    )
    mentioned = _plan_members(plan, mentioned_usernames(text))
    comment.mentions.set(mentioned)
    url = f"{subject.get_absolute_url()}#comment-{comment.pk}"
    excerpt = Truncator(text).chars(120)
    told = {author.pk}
    for user in mentioned:
        if user.pk not in told:
            told.add(user.pk)
            message = _("%(who)s mentioned you on “%(subject)s”: %(excerpt)s")
            _notify(user, plan, url, message, author, subject, excerpt)
    if subject.owner_id and subject.owner_id not in told:
        message = (
            _("%(who)s commented on your goal “%(subject)s”: %(excerpt)s")
            if is_goal
            else _("%(who)s commented on your initiative “%(subject)s”: %(excerpt)s")
        )
        _notify(subject.owner, plan, url, message, author, subject, excerpt)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, user, text: str, version: int) -> Comment:
    """Correct a comment (its author; the view checks the right). `version` is the one the
    edit started from: a comment changed or deleted meanwhile raises EditConflict (or
    Comment.DoesNotExist). People newly @mentioned are told; those mentioned before are not
    told again. History keeps the earlier wording."""
    comment._history_user = user
    before = set(comment.mentions.values_list("pk", flat=True))
    edited = save_versioned(
        comment, expected_version=version, changes={"text": text, "edited_at": timezone.now()}
    )
    subject = edited.goal or edited.initiative
    mentioned = _plan_members(edited.plan, mentioned_usernames(text))
    edited.mentions.set(mentioned)
    url = f"{subject.get_absolute_url()}#comment-{edited.pk}"
    excerpt = Truncator(text).chars(120)
    for person in mentioned:
        if person.pk not in before and person.pk != user.pk:
            message = _("%(who)s mentioned you on “%(subject)s”: %(excerpt)s")
            _notify(person, edited.plan, url, message, user, subject, excerpt)
    return edited


@transaction.atomic
def comment_delete(*, comment: Comment, user) -> None:
    """Delete a comment (its author; the view checks the right); history keeps a copy."""
    comment._history_user = user
    comment.delete()


def _notify(user, plan, url, message, author, subject, excerpt) -> None:
    """`message` (lazy) is worded in the recipient's language."""
    notifications_write(
        plan_id=plan.pk,
        users=[user],
        words=lambda: message % {"who": _who(author), "subject": subject.title, "excerpt": excerpt},
        url=url,
    )
