"""The lean <select> renders what Django's Select renders, without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from planning.forms.widgets import LeanSelect

CHOICES = [("", "All departments"), (1, "Sales & Marketing"), (2, '<b>"R&D"</b>'), (3, "Ops")]


@pytest.mark.parametrize("value", [None, "", 2, "3", [1]])
def test_lean_select_renders_the_same_markup_as_djangos_select(value):
    attrs = {"id": "id_department", "class": "compact"}
    lean = LeanSelect(choices=CHOICES).render("department", value, attrs)
    django = forms.Select(choices=CHOICES).render("department", value, attrs)
    assert parse_html(lean) == parse_html(django)


def test_labels_and_values_are_escaped():
    html = LeanSelect(choices=[('"><script>', "<script>alert(1)</script>")]).render("x", None)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_alert_filter_uses_it_with_the_plans_departments(people, client_for):
    response = client_for(people.leader).get(f"/plans/{people.plan.pk}/alerts/")
    page = response.content.decode()
    assert '<option value="" selected>All departments</option>' in page
    assert f'<option value="{people.sales.pk}">Sales</option>' in page
    chosen = client_for(people.leader).get(
        f"/plans/{people.plan.pk}/alerts/", {"department": people.sales.pk}
    )
    assert f'<option value="{people.sales.pk}" selected>Sales</option>' in chosen.content.decode()
