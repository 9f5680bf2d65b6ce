"""Form widgets shared by both apps."""

import html
from collections.abc import Iterable

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


def option_tags(choices: Iterable[tuple[object, object]], chosen: set[str]) -> SafeString:
    """`<option>`s of (value, label) pairs in one string join, values in `chosen` selected:
    a plan has up to hundreds of departments, and a template (or format_html) per option costs
    ~15 ms for 500 on every page that offers them."""
    tags = []
    for value, label in choices:
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        tags.append(
            f'<option value="{html.escape(value)}"{selected}>{html.escape(str(label))}</option>'
        )
    return mark_safe("".join(tags))  # noqa: S308 — values and labels escaped above


class LeanSelect(forms.Select):
    """A <select> whose options are built by `option_tags`; the same markup as `forms.Select`
    for flat choices (no groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = option_tags(self.choices, {str(v) for v in self.format_value(value)})
        # Attributes are escaped by flatatt, options by option_tags.
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308
