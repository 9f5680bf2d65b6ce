"""Template filters of the import pages."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def plain_number(value) -> str:
    """A number as people write it: thousands separators, no trailing zeros (31.5, 1,250)."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).normalize()
    places = max(-number.as_tuple().exponent, 0)
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)
