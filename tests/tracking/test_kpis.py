"""KPIs: the list per department and the editor with monthly targets (SPEC §3 Kpi, §3.1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    DepartmentFactory,
    GoalFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    PlanFactory,
)
from tracking.filtersets import KpiFilterSet
from tracking.models import Kpi, KpiTarget


def _form_data(people, **overrides):
    data = {
        "department": people.sales.pk,
        "goal": "",
        "code": "qualification-rate",
        "name": "Deal qualification rate",
        "unit": "%",
        "direction": "increase",
        "source": "manual",
        "warning_pct": "5",
        "critical_pct": "12.5",
    }
    data |= {f"target_{i}": str(20 + i) for i in range(1, 13)}
    return data | overrides


def _create_url(people):
    return reverse("tracking:kpi-create", args=[people.plan.pk])


def _edit_url(kpi):
    return reverse("tracking:kpi-edit", args=[kpi.plan_id, kpi.pk])


def test_leadership_adds_a_kpi_with_thresholds_as_percentages_and_twelve_targets(
    people, client_for
):
    response = client_for(people.leader).post(_create_url(people), _form_data(people))
    assert response.status_code == 302
    kpi = Kpi.objects.get(code="qualification-rate")
    assert (kpi.department, kpi.plan) == (people.sales, people.plan)
    assert kpi.warning_threshold == Decimal("0.05")
    assert kpi.critical_threshold == Decimal("0.125")
    targets = {t.month: t.target for t in KpiTarget.objects.filter(kpi=kpi)}
    assert len(targets) == 12
    assert targets[dt.date(2026, 1, 1)] == Decimal("21")
    assert targets[dt.date(2026, 12, 1)] == Decimal("32")


def test_a_head_adds_kpis_to_their_own_department_only(people, client_for):
    client = client_for(people.head_sales)
    assert client.post(_create_url(people), _form_data(people)).status_code == 302
    response = client.post(
        _create_url(people),
        _form_data(people, department=people.marketing.pk, code="mkt"),
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    assert not Kpi.objects.filter(code="mkt").exists()


@pytest.mark.parametrize("who", ["contributor_sales", "finance", "viewer"])
def test_people_who_only_enter_values_cannot_add_kpis(people, client_for, who):
    client = client_for(getattr(people, who))
    assert client.get(_create_url(people)).status_code == 403
    assert client.post(_create_url(people), _form_data(people)).status_code == 403
    assert not Kpi.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("head_sales", 200),
        ("head_marketing", 403),
        ("contributor_sales", 403),
        ("finance", 403),
        ("viewer", 403),
    ],
)
def test_who_may_edit_a_sales_kpi(people, client_for, who, status):
    kpi = KpiFactory(plan=people.plan, department=people.sales)
    assert client_for(getattr(people, who)).get(_edit_url(kpi)).status_code == status


def test_an_outsider_does_not_see_the_kpis(people, client_for):
    url = reverse("tracking:kpi-list", args=[people.plan.pk])
    assert client_for(people.outsider).get(url).status_code == 404


def test_editing_a_kpi_changes_it_and_its_targets_and_removes_emptied_ones(people, client_for):
    kpi = KpiFactory(plan=people.plan, department=people.sales, code="rate")
    KpiTargetFactory(kpi=kpi, month=dt.date(2026, 1, 1), target=Decimal("10"))
    KpiTargetFactory(kpi=kpi, month=dt.date(2026, 2, 1), target=Decimal("10"))
    data = _form_data(people, code="rate", name="Renamed", version=kpi.version)
    data |= {f"target_{i}": "" for i in range(1, 13)} | {"target_1": "15"}
    response = client_for(people.head_sales).post(_edit_url(kpi), data)
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert kpi.name == "Renamed" and kpi.version == 2
    assert {t.month: t.target for t in kpi.targets.all()} == {dt.date(2026, 1, 1): Decimal("15")}
    assert kpi.history.count() == 2


def test_the_edit_form_shows_the_stored_thresholds_and_targets(people, client_for):
    kpi = KpiFactory(
        plan=people.plan,
        department=people.sales,
        warning_threshold=Decimal("0.075"),
        critical_threshold=Decimal("0.2"),
    )
    KpiTargetFactory(kpi=kpi, month=dt.date(2026, 3, 1), target=Decimal("1234.5"))
    page = client_for(people.leader).get(_edit_url(kpi)).content.decode()
    assert 'value="7.5"' in page and 'value="20"' in page
    assert 'value="1,234.5"' in page


def test_a_stale_edit_shows_both_versions_and_saving_again_keeps_mine(people, client_for):
    kpi = KpiFactory(plan=people.plan, department=people.sales, code="rate", name="Original")
    started_from = kpi.version
    client = client_for(people.leader)
    client.post(
        _edit_url(kpi), _form_data(people, code="rate", name="Theirs", version=started_from)
    )
    response = client_for(people.head_sales).post(
        _edit_url(kpi), _form_data(people, code="rate", name="Mine", version=started_from)
    )
    assert response.status_code == 200
    rows = {row.label: row for row in response.context["conflict_rows"]}
    assert (rows["Name"].yours, rows["Name"].theirs) == ("Mine", "Theirs")
    kpi.refresh_from_db()
    assert kpi.name == "Theirs"
    page = response.content.decode()
    assert f'name="version" value="{kpi.version}"' in page
    again = _form_data(people, code="rate", name="Mine", version=kpi.version)
    assert client_for(people.head_sales).post(_edit_url(kpi), again).status_code == 302
    kpi.refresh_from_db()
    assert kpi.name == "Mine"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"critical_pct": "2"}, "critical_pct", "at least the warning"),
        ({"warning_pct": "five"}, "warning_pct", "Enter a number"),
        ({"warning_pct": "-5"}, "warning_pct", "positive"),
        ({"target_3": "abc"}, "target_3", "Enter a number"),
        ({"name": ""}, "name", "required"),
        ({"code": "has spaces"}, "code", "letters"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(
    people, client_for, overrides, field, message
):
    response = client_for(people.leader).post(_create_url(people), _form_data(people, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Kpi.objects.exists()
    for value in overrides.values():
        if value:
            assert f'value="{value}"' in response.content.decode()


def test_a_kpi_code_is_unique_in_the_plan(people, client_for):
    KpiFactory(plan=people.plan, department=people.marketing, code="qualification-rate")
    KpiFactory(plan=PlanFactory(), code="other-plan")  # another plan may use any code
    response = client_for(people.leader).post(_create_url(people), _form_data(people))
    assert "already has this code" in response.context["form"].errors["code"][0]
    ok = _form_data(people, code="other-plan")
    assert client_for(people.leader).post(_create_url(people), ok).status_code == 302


def test_a_kpi_links_to_a_goal_of_its_department_or_a_company_goal(people, client_for):
    marketing_goal = GoalFactory(plan=people.plan, department=people.marketing)
    company_goal = GoalFactory(plan=people.plan, department=None)
    client = client_for(people.leader)
    response = client.post(_create_url(people), _form_data(people, goal=marketing_goal.pk))
    assert "goal" in response.context["form"].errors
    assert (
        client.post(_create_url(people), _form_data(people, goal=company_goal.pk)).status_code
        == 302
    )


def test_the_list_groups_kpis_by_department_with_the_latest_value(people, client_for):
    sales = KpiFactory(plan=people.plan, department=people.sales, name="Win rate")
    KpiFactory(plan=people.plan, department=people.marketing, name="Leads")
    MeasurementFactory(
        plan=people.plan, kpi=sales, goal=None, period=dt.date(2026, 1, 1), value=Decimal("10")
    )
    MeasurementFactory(
        plan=people.plan, kpi=sales, goal=None, period=dt.date(2026, 2, 1), value=Decimal("12.5")
    )
    url = reverse("tracking:kpi-list", args=[people.plan.pk])
    page = client_for(people.viewer).get(url).content.decode()
    assert "Win rate" in page and "Leads" in page
    assert "12.5" in page
    assert "Edit" not in page  # a viewer gets no edit links
    filtered = client_for(people.viewer).get(f"{url}?department={people.sales.pk}")
    assert "Win rate" in filtered.content.decode()
    assert "Leads" not in filtered.content.decode()


def test_a_head_sees_edit_links_only_for_their_departments_kpis(people, client_for):
    mine = KpiFactory(plan=people.plan, department=people.sales)
    theirs = KpiFactory(plan=people.plan, department=people.marketing)
    url = reverse("tracking:kpi-list", args=[people.plan.pk])
    page = client_for(people.head_sales).get(url).content.decode()
    assert _edit_url(mine) in page
    assert _edit_url(theirs) not in page


def test_the_empty_list_says_what_to_do_first(people, client_for):
    url = reverse("tracking:kpi-list", args=[people.plan.pk])
    page = client_for(people.leader).get(url).content.decode()
    assert "No KPIs yet" in page and "Add the first KPI" in page


def test_the_filterset_offers_only_departments_of_the_plan_and_searches(people):
    other_plan_department = DepartmentFactory(plan=PlanFactory())
    KpiFactory(plan=people.plan, department=people.sales, code="pipeline", name="Pipeline")
    KpiFactory(plan=people.plan, department=people.sales, code="cycle", name="Cycle length")
    request = RequestFactory().get("/")
    request.plan = people.plan
    choices = KpiFilterSet(request=request, queryset=Kpi.objects.all()).form.fields["department"]
    assert set(choices.queryset) == {people.sales, people.marketing}
    found = KpiFilterSet({"q": "pipe"}, queryset=Kpi.objects.all(), request=request).qs
    assert [k.code for k in found] == ["pipeline"]
    refused = KpiFilterSet(
        {"department": other_plan_department.pk}, queryset=Kpi.objects.all(), request=request
    )
    assert not refused.is_valid()


def test_the_list_costs_the_same_queries_for_a_small_and_a_ten_times_larger_plan(
    people, client_for
):
    url = reverse("tracking:kpi-list", args=[people.plan.pk])
    client = client_for(people.head_sales)

    def add(n):
        for _ in range(n):
            kpi = KpiFactory(
                plan=people.plan,
                department=people.sales,
                goal=GoalFactory(plan=people.plan, department=people.sales),
            )
            MeasurementFactory(plan=people.plan, kpi=kpi, goal=None)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    add(3)
    small = count()
    add(27)
    assert count() == small
