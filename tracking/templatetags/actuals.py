"""Template filters of the KPI and actuals pages: presentation only, no queries."""

from decimal import Decimal

from django import template

from tracking.forms import show_number

register = template.Library()


@register.filter
def share_percent(share: Decimal | None) -> str:
    """A stored share as a percentage a person reads: 0.05 → '5 %', 0.125 → '12.5 %'."""
    if share is None:
        return "—"
    return f"{show_number(share * 100)} %"


@register.filter
def number(value: Decimal | None) -> str:
    """A stored number in the person's language, without trailing zeros: 1234.5 → '1,234.5'."""
    return show_number(value) if value is not None else "—"
