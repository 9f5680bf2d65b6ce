"""Template helpers of the goal pages."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from planning import goal_selectors
from planning.models import Goal

register = template.Library()


@register.filter
def goal_field_label(name: str) -> str:
    """`due_date` → "Due date": the name people read for a field of a goal."""
    try:
        return capfirst(str(Goal._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


@register.filter
def plain_number(value) -> str:
    """6.5000 → "6.5", 500000 → "500,000": no padded decimals, grouped thousands."""
    return goal_selectors.plain_number(value)
