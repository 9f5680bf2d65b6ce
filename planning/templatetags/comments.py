"""`{% load comments %}{% comment_thread goal %}` (or an initiative): the discussion thread with
its post form, for the goal and initiative pages. Reads `request.access` set by `plan_view`."""

import re

from django import template
from django.contrib.auth import get_user_model
from django.utils.html import escape
from django.utils.safestring import mark_safe

from planning.forms.comments import CommentForm
from planning.models import Goal
from planning.permissions import Action
from planning.services.comments import MENTION

register = template.Library()


def thread_context(subject, request) -> dict:
    """What the thread template needs (three queries: comments, plan members, and none more)."""
    kind = "goal" if isinstance(subject, Goal) else "initiative"
    access = getattr(request, "access", None)
    members = (
        get_user_model()
        .objects.filter(memberships__plan_id=subject.plan_id)
        .distinct()
        .order_by("username")
        .only("username", "first_name", "last_name")
    )
    return {
        "subject": subject,
        "kind": kind,
        "comments": list(subject.comments.select_related("author").order_by("created_at", "id")),
        "can_comment": bool(access and access.can(Action.COMMENT, subject)),
        "form": comment_form(kind, subject.pk),
        "members": members,
        "request": request,
    }


def comment_form(kind: str, pk: int, data=None) -> CommentForm:
    """The form with ids of its own, so two threads on one page do not clash."""
    return CommentForm(data, auto_id=f"comment-{kind}-{pk}-%s")


@register.inclusion_tag("planning/comment_thread.html", takes_context=True)
def comment_thread(context, subject):
    return {
        **thread_context(subject, context.get("request")),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def comment_text(text: str) -> str:
    """Escape the comment, highlight @mentions, keep line breaks."""
    html = escape(text)
    html = MENTION.sub(lambda m: f'<span class="mention">{m.group(0)}</span>', html)
    return mark_safe(re.sub(r"\r?\n", "<br>", html))
