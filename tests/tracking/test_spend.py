"""Actual spend per department, category and month, next to the budget (SPEC §3 Spend)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BudgetLineFactory, DepartmentFactory, SpendFactory
from tracking.cells import CellsRejected
from tracking.grids import spend_totals
from tracking.models import Spend
from tracking.services import spend as spend_service
from tracking.services.spend import SpendCell, spend_key, spend_save

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def _cell(department, raw, month=JAN, version=0, category="opex"):
    return SpendCell(department.pk, category, month, raw, version)


def test_spend_totals_compare_the_year_with_the_budget():
    spent, budget, used = spend_totals([Decimal("410000")], [Decimal("250000"), Decimal("250000")])
    assert (spent, budget, used) == (Decimal("410000"), Decimal("500000"), Decimal("0.82"))
    assert spend_totals([Decimal("5")], [None])[2] is None  # no budget: no share


def test_finance_enters_spend_and_a_new_amount_replaces_the_old_one(people):
    spend_save(plan=people.plan, user=people.finance, cells=[_cell(people.sales, "1,000")])
    row = Spend.objects.get()
    spend_save(
        plan=people.plan,
        user=people.finance,
        cells=[_cell(people.sales, "1,250.50", version=row.version)],
    )
    assert Spend.objects.count() == 1
    assert Spend.objects.get().amount == Decimal("1250.50")
    assert sorted(h.amount for h in Spend.history.all()) == [Decimal("1000"), Decimal("1250.50")]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("leader", True),
        ("finance", True),
        ("head_sales", False),
        ("contributor_sales", False),
        ("viewer", False),
    ],
)
def test_only_finance_and_leadership_enter_spend(people, who, allowed):
    cells = [_cell(people.sales, "10")]
    if allowed:
        spend_save(plan=people.plan, user=getattr(people, who), cells=cells)
    else:
        with pytest.raises(PermissionDenied):
            spend_save(plan=people.plan, user=getattr(people, who), cells=cells)
    assert Spend.objects.exists() == allowed


@pytest.mark.parametrize(("typed", "message"), [("-5", "positive"), ("ten", "Enter a number")])
def test_bad_amounts_are_refused_and_nothing_is_saved(people, typed, message):
    cells = [_cell(people.sales, "10", month=JAN), _cell(people.sales, typed, month=FEB)]
    with pytest.raises(CellsRejected) as rejected:
        spend_save(plan=people.plan, user=people.finance, cells=cells)
    problem = rejected.value.problems[spend_key(people.sales.pk, "opex", FEB)]
    assert message in problem.message
    assert not Spend.objects.exists()


def test_an_unknown_category_or_another_plans_department_is_refused(people):
    stranger = DepartmentFactory()
    cells = [_cell(people.sales, "1", category="travel"), _cell(stranger, "1")]
    with pytest.raises(CellsRejected) as rejected:
        spend_save(plan=people.plan, user=people.finance, cells=cells)
    assert len(rejected.value.problems) == 2


def test_two_saves_of_the_same_cell_tell_the_second_saver(people):
    row = SpendFactory(plan=people.plan, department=people.sales, amount=Decimal("100"))
    spend_save(
        plan=people.plan,
        user=people.leader,
        cells=[_cell(people.sales, "150", version=row.version)],
    )
    with pytest.raises(CellsRejected) as rejected:
        spend_save(
            plan=people.plan,
            user=people.finance,
            cells=[_cell(people.sales, "175", version=row.version)],
        )
    problem = next(iter(rejected.value.problems.values()))
    assert problem.conflict and problem.theirs == Decimal("150")
    assert Spend.objects.get().amount == Decimal("150")


def test_every_spend_write_queues_an_alert_recompute(people, monkeypatch):
    calls = []
    monkeypatch.setattr(spend_service, "alerts_schedule_recompute", lambda **kw: calls.append(kw))
    spend_save(plan=people.plan, user=people.finance, cells=[_cell(people.sales, "1")])
    assert calls == [{"plan_id": people.plan.pk}]


# ---------------------------------------------------------------------------------------------
# The grid page


def _url(people, category="opex"):
    return reverse("tracking:spend-grid", args=[people.plan.pk]) + f"?category={category}"


def _post(client, people, cells, state=None, category="opex"):
    data = {"grid_state": json.dumps(state or {}), "category": category}
    data |= {f"cell.{key}": value for key, value in cells.items()}
    return client.post(_url(people, category), data)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 302),
        ("finance", 302),
        ("head_sales", 403),
        ("contributor_sales", 403),
        ("viewer", 403),
    ],
)
def test_who_may_save_the_spend_grid(people, client_for, who, status):
    key = spend_key(people.sales.pk, "capex", JAN)
    response = _post(client_for(getattr(people, who)), people, {key: "500"}, category="capex")
    assert response.status_code == status
    assert Spend.objects.filter(category="capex").exists() == (status == 302)


def test_everyone_in_the_plan_reads_spend_against_budget(people, client_for):
    for month in (JAN, FEB):
        BudgetLineFactory(
            plan=people.plan, department=people.sales, month=month, amount=Decimal("1000")
        )
    SpendFactory(plan=people.plan, department=people.sales, month=JAN, amount=Decimal("1200"))
    SpendFactory(plan=people.plan, department=people.sales, month=FEB, amount=Decimal("1300"))
    response = client_for(people.head_sales).get(_url(people))
    page = response.content.decode()
    assert "cell-input" not in page  # a head reads, finance writes
    sales_row = next(r for r in response.context["grid"].rows if r.label == "Sales")
    assert sales_row.totals == ["2,500", "2,000", "125 %"]
    assert sales_row.total_level == "behind"
    assert "over budget" in page
    assert "/ 1,000" in page


def test_finance_gets_inputs_for_past_and_current_months_only(people, client_for):
    grid = client_for(people.finance).get(_url(people)).context["grid"]
    cells = grid.rows[0].cells
    assert all(c.editable == (c.month <= grid.last_open) for c in cells)


def test_bad_input_in_the_spend_grid_keeps_the_typing_and_saves_nothing(people, client_for):
    good = spend_key(people.sales.pk, "opex", JAN)
    bad = spend_key(people.marketing.pk, "opex", JAN)
    response = _post(client_for(people.finance), people, {good: "10", bad: "-3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="-3"' in page and "Enter zero or a positive amount." in page
    assert not Spend.objects.exists()


def test_an_unknown_category_is_not_found(people, client_for):
    assert client_for(people.finance).get(_url(people, "travel")).status_code == 404


def test_the_history_of_a_spend_cell_lists_earlier_amounts(people, client_for):
    spend_save(plan=people.plan, user=people.finance, cells=[_cell(people.sales, "100")])
    row = Spend.objects.get()
    spend_save(
        plan=people.plan,
        user=people.finance,
        cells=[_cell(people.sales, "120", version=row.version)],
    )
    url = reverse("tracking:spend-history", args=[people.plan.pk])
    page = client_for(people.viewer).get(f"{url}?key={spend_key(people.sales.pk, 'opex', JAN)}")
    text = page.content.decode()
    assert ">120<" in text and ">100<" in text


def test_the_spend_grid_costs_the_same_queries_for_3_and_30_departments(people, client_for):
    client = client_for(people.finance)

    def add_departments(n):
        for _ in range(n):
            department = DepartmentFactory(plan=people.plan)
            BudgetLineFactory(plan=people.plan, department=department, month=JAN)
            SpendFactory(plan=people.plan, department=department, month=JAN)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(people)).status_code == 200
        return len(queries)

    add_departments(1)  # with Sales and Marketing: 3
    small = count()
    add_departments(27)  # 30
    assert count() == small
