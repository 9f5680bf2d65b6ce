"""What the alert list shows per alert: where its subject lives, and whether the person may
acknowledge it (asked of the permissions module, never decided here)."""

from django import template
from django.urls import NoReverseMatch, reverse

from planning.permissions import Action
from tracking.constants import SubjectType

register = template.Library()

_SUBJECT_URLS = {
    SubjectType.GOAL: "planning:goal-detail",
    SubjectType.INITIATIVE: "planning:initiative-detail",
    SubjectType.DEPARTMENT: "planning:department-detail",
}


@register.simple_tag
def alert_subject_url(alert) -> str:
    """The page of the goal, initiative or department an alert is about ("" for others)."""
    if alert.subject_type == SubjectType.KPI:
        return reverse("tracking:kpi-list", kwargs={"plan_id": alert.plan_id}) + (
            f"?department={alert.department_id}" if alert.department_id else ""
        )
    name = _SUBJECT_URLS.get(alert.subject_type)
    if name is None:
        return ""
    try:
        return reverse(name, kwargs={"plan_id": alert.plan_id, "pk": alert.subject_id})
    except NoReverseMatch:
        return ""


@register.simple_tag
def can_acknowledge(access, alert) -> bool:
    return alert.state == "open" and access is not None and access.can(Action.ACKNOWLEDGE, alert)
