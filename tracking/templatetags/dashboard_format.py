"""Formatting for the dashboards and the plan home: status icon and word, numbers with the
language's separators, shares as percentages. Formatting only; the figures come from the rules."""

from django import template

from tracking import charts
from tracking.constants import STATUS_ICONS, GoalStatus
from tracking.selectors import ALERT_COUNT_CAP

register = template.Library()


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, "–")


@register.filter
def status_word(status: str) -> str:
    return GoalStatus(status).label


@register.filter
def number(value) -> str:
    """1234.5 → "1,235" (English) or "1.235" (German); "–" when missing."""
    return charts.number(value)


@register.filter
def percent(share) -> str:
    """0.823 → "82 %"; "–" when missing."""
    return charts.percent(share)


@register.filter
def capped(count: int) -> str:
    """An alert count as shown: "1,000+" once it reaches the counting cap."""
    if count > ALERT_COUNT_CAP:
        return f"{charts.number(ALERT_COUNT_CAP)}+"
    return charts.number(count)
