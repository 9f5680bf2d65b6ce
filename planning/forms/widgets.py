"""Form widgets shared by both apps."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe


class LeanSelect(forms.Select):
    """A <select> built in one string join instead of one template per option: a plan has up
    to hundreds of departments, and Django's option templates cost ~15 ms for 500 on every
    page with the filter. Same markup as `forms.Select` for flat choices (no groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}
        options = []
        for option, label in self.choices:
            option = "" if option is None else str(option)
            selected = " selected" if option in chosen else ""
            text = html.escape(str(label))
            options.append(f'<option value="{html.escape(option)}"{selected}>{text}</option>')
        # Values and labels are escaped above; attributes by flatatt.
        return mark_safe(f"<select{flatatt(final)}>{''.join(options)}</select>")  # noqa: S308
