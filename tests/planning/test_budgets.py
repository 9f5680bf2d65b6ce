"""Budget grid: reading pasted amounts, who may edit, atomic saves, conflicts, query cost."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.forms.budgets import AmountError, parse_amount
from planning.models import BudgetLine
from planning.services import budgets as service
from tests.factories import (
    BudgetLineFactory,
    DepartmentFactory,
    MembershipFactory,
    PlanFactory,
    UserFactory,
)

D = dt.date
JAN, FEB, MAR = D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)


# Reading amounts (no database)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("41666.67", "41666.67"),
        ("41,666.67", "41666.67"),
        ("41.666,67", "41666.67"),
        ("41 666,67", "41666.67"),
        ("41\u00a0666,67", "41666.67"),
        ("1'250'000", "1250000.00"),
        ("1,000,000", "1000000.00"),
        ("1.000.000", "1000000.00"),
        ("60,000", "60000.00"),  # one comma + three digits in an English UI: thousands
        ("1,5", "1.50"),
        ("$1,200", "1200.00"),
        ("12 €", "12.00"),
        ("0", "0.00"),
        (".5", "0.50"),
        ("41666.666", "41666.67"),  # rounded to cents
    ],
)
def test_amounts_are_read_as_excel_copies_them(text, expected):
    assert parse_amount(text, ".") == Decimal(expected)


def test_an_ambiguous_single_separator_follows_the_users_locale():
    assert parse_amount("1.500", ".") == Decimal("1.50")
    assert parse_amount("1.500", ",") == Decimal("1500")
    assert parse_amount("1,500", ",") == Decimal("1.50")
    assert parse_amount("1,500", ".") == Decimal("1500")


def test_empty_cell_is_none():
    assert parse_amount("   ", ".") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "cannot be negative"),
        ("−5", "cannot be negative"),
        ("(500)", "cannot be negative"),
        ("abc", "is not a number"),
        ("12a", "is not a number"),
        ("1,2,3", "is not a number"),
        ("1.2.3,4,5", "is not a number"),
        ("1e5", "is not a number"),
        ("1000000000000", "too large"),
    ],
)
def test_negative_and_non_numeric_amounts_are_refused(text, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text, ".")


def test_grid_totals_count_empty_cells_as_zero():
    rows, columns, grand = service.grid_totals(
        [[Decimal(1), None, Decimal(2)], [Decimal(3), Decimal(4), None]], months=3
    )
    assert rows == [3, 7] and columns == [4, 4, 2] and grand == 10


# The page


@pytest.fixture
def grid_url(people):
    return reverse("planning:budget-grid", args=[people.plan.pk])


def page_state(response) -> dict:
    raw = re.search(r'name="state" value="([^"]*)"', response.content.decode()).group(1)
    return json.loads(raw.replace("&quot;", '"'))


def post_cells(client, url, state, cells, category="opex", **extra):
    """Post like the browser does: the page's state and only the cells that changed."""
    data = {"category": category, "state": json.dumps(state), **extra}
    data.update({f"cell-{key}": value for key, value in cells.items()})
    return client.post(url, data)


def test_finance_fills_a_row_and_totals_are_shown(people, client_for, grid_url):
    client = client_for(people.finance)
    page = client.get(grid_url)
    assert page.status_code == 200 and 'name="cell-' in page.content.decode()
    state = page_state(page)
    row = {f"{people.sales.pk}-{m}": "41,666.67" for m in range(12)}
    response = post_cells(client, grid_url, state, row)
    assert response.status_code == 302
    lines = BudgetLine.objects.filter(department=people.sales, category="opex")
    assert lines.count() == 12
    assert {line.amount for line in lines} == {Decimal("41666.67")}
    html = client.get(grid_url).content.decode()
    assert "500,000.04" in html  # the row total (12 × 41,666.67) and the grand total


def test_leadership_edits_budgets_too(people, client_for, grid_url):
    client = client_for(people.leader)
    state = page_state(client.get(grid_url))
    response = post_cells(
        client, grid_url, state, {f"{people.marketing.pk}-0": "1000"}, category="capex"
    )
    assert response.status_code == 302
    assert BudgetLine.objects.get(category="capex").amount == 1000


@pytest.mark.parametrize("who", ["head_sales", "head_marketing", "contributor_sales", "viewer"])
def test_others_see_the_grid_read_only_and_cannot_post(people, client_for, grid_url, who):
    BudgetLineFactory(plan=people.plan, department=people.sales, amount=Decimal("60000"))
    client = client_for(getattr(people, who))
    page = client.get(grid_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "60,000" in html and 'name="cell-' not in html and "read-only" in html
    response = post_cells(
        client, grid_url, {f"{people.sales.pk}-0": [1, "60000.00"]}, {f"{people.sales.pk}-0": "1"}
    )
    assert response.status_code == 403
    assert BudgetLine.objects.get().amount == Decimal("60000")


def test_outsider_gets_404(people, client_for, grid_url):
    assert client_for(people.outsider).get(grid_url).status_code == 404


def test_a_bad_cell_is_marked_and_nothing_is_saved(people, client_for, grid_url):
    client = client_for(people.finance)
    state = page_state(client.get(grid_url))
    cells = {
        f"{people.sales.pk}-0": "1000",
        f"{people.sales.pk}-1": "-5",
        f"{people.marketing.pk}-2": "lots",
    }
    response = post_cells(client, grid_url, state, cells)
    assert response.status_code == 400
    html = response.content.decode()
    assert "nothing was saved" in html
    assert "Sales · Feb" in html and "cannot be negative" in html
    assert "Marketing · Mar" in html and "“lots” is not a number" in html
    assert html.count('aria-invalid="true"') == 2
    assert 'value="lots"' in html and 'value="1000"' in html  # what was typed stays
    assert not BudgetLine.objects.exists()


def test_unchanged_cells_write_nothing(people, client_for, grid_url):
    BudgetLineFactory(plan=people.plan, department=people.sales, month=JAN, amount=60000)
    client = client_for(people.finance)
    state = page_state(client.get(grid_url))
    response = post_cells(client, grid_url, state, {f"{people.sales.pk}-0": "60.000,00"})
    assert response.status_code == 302
    assert BudgetLine.objects.get().version == 1


def test_someone_elses_save_is_shown_and_nothing_is_overwritten(people, client_for, grid_url):
    line = BudgetLineFactory(plan=people.plan, department=people.sales, month=FEB, amount=100)
    client = client_for(people.finance)
    state = page_state(client.get(grid_url))
    # meanwhile the CEO changes February of Sales
    service.budget_lines_save(
        plan=people.plan,
        category="opex",
        changes=[service.CellChange(people.sales.pk, FEB, Decimal(250), expected_version=1)],
    )
    mine = {f"{people.sales.pk}-1": "300", f"{people.sales.pk}-0": "50"}
    response = post_cells(client, grid_url, state, mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved some of these cells" in html
    assert re.search(
        r"Sales · Feb 2026</th>\s*<td class=\"num\">300</td><td class=\"num\">250</td>", html
    )
    line.refresh_from_db()
    assert line.amount == 250
    assert not BudgetLine.objects.filter(month=JAN).exists()  # atomic: the other cell waits too

    # Saving again keeps mine: the conflicting cell now starts from their version.
    state = page_state(response)
    assert state[f"{people.sales.pk}-1"] == [2, "250.00"]
    again = post_cells(client, grid_url, state, mine)
    assert again.status_code == 302
    line.refresh_from_db()
    assert line.amount == 300 and BudgetLine.objects.get(month=JAN).amount == 50


def test_choosing_theirs_keeps_their_value(people, client_for, grid_url):
    line = BudgetLineFactory(plan=people.plan, department=people.sales, month=FEB, amount=100)
    client = client_for(people.finance)
    state = page_state(client.get(grid_url))
    service.budget_lines_save(
        plan=people.plan,
        category="opex",
        changes=[service.CellChange(people.sales.pk, FEB, Decimal(250), expected_version=1)],
    )
    key = f"{people.sales.pk}-1"
    state = page_state(post_cells(client, grid_url, state, {key: "300"}))
    response = post_cells(client, grid_url, state, {key: "300"}, **{f"resolve-{key}": "theirs"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == 250 and line.version == 2


def test_a_cell_created_meanwhile_is_a_conflict(people):
    service.budget_lines_save(
        plan=people.plan,
        category="opex",
        changes=[service.CellChange(people.sales.pk, MAR, Decimal(5), expected_version=0)],
    )
    with pytest.raises(service.BudgetConflict) as raised:
        service.budget_lines_save(
            plan=people.plan,
            category="opex",
            changes=[service.CellChange(people.sales.pk, MAR, Decimal(7), expected_version=0)],
        )
    (conflict,) = raised.value.conflicts
    assert (conflict.yours, conflict.theirs, conflict.current_version) == (7, 5, 1)


def test_save_keeps_history_of_every_cell(people):
    service.budget_lines_save(
        plan=people.plan,
        category="opex",
        changes=[service.CellChange(people.sales.pk, JAN, Decimal(5), expected_version=0)],
    )
    service.budget_lines_save(
        plan=people.plan,
        category="opex",
        changes=[service.CellChange(people.sales.pk, JAN, Decimal(9), expected_version=1)],
        by=people.finance,
    )
    history = BudgetLine.history.order_by("history_date")
    assert [(h.history_type, h.amount) for h in history] == [("+", 5), ("~", 9)]
    assert history.last().history_user == people.finance


def test_a_save_tells_listeners_after_commit(people, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    service.budget_lines_saved.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            service.budget_lines_save(
                plan=people.plan,
                category="capex",
                changes=[service.CellChange(people.sales.pk, JAN, Decimal(5), expected_version=0)],
            )
    finally:
        service.budget_lines_saved.disconnect(listener)
    assert received == [
        {"signal": service.budget_lines_saved, "plan_id": people.plan.pk, "category": "capex"}
    ]


def test_service_refuses_negative_amounts_and_foreign_cells(people):
    from django.core.exceptions import ValidationError

    foreign = DepartmentFactory(plan=PlanFactory())
    for change in [
        service.CellChange(people.sales.pk, JAN, Decimal(-1), expected_version=0),
        service.CellChange(foreign.pk, JAN, Decimal(1), expected_version=0),
        service.CellChange(people.sales.pk, D(2027, 1, 1), Decimal(1), expected_version=0),
    ]:
        with pytest.raises(ValidationError):
            service.budget_lines_save(plan=people.plan, category="opex", changes=[change])
    assert not BudgetLine.objects.exists()


def test_a_forged_state_is_a_bad_request(people, client_for, grid_url):
    response = client_for(people.finance).post(grid_url, {"state": "{not json", "category": "opex"})
    assert response.status_code == 400


def _plan_with_budgets(departments, user):
    plan = PlanFactory()
    MembershipFactory(user=user, plan=plan, role="finance")
    lines = []
    for _ in range(departments):
        department = DepartmentFactory(plan=plan)
        lines += [
            BudgetLine(
                plan=plan, department=department, category="opex", month=m, amount=Decimal(1000)
            )
            for m in plan.month_starts()
        ]
    BudgetLine.objects.bulk_create(lines)
    return plan


@pytest.mark.django_db
def test_grid_query_count_does_not_grow_with_the_plan(client):
    user = UserFactory()
    client.force_login(user)
    counts = []
    for size in (2, 20):
        plan = _plan_with_budgets(size, user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("planning:budget-grid", args=[plan.pk]))
        assert response.status_code == 200
        assert response.content.decode().count('name="cell-') == 12 * size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_save_query_count_does_not_grow_with_the_number_of_cells(people):
    counts = []
    for department in (people.sales, people.marketing):
        size = 2 if department == people.sales else 12
        changes = [
            service.CellChange(department.pk, m, Decimal(1), 0)
            for m in people.plan.month_starts()[:size]
        ]
        with CaptureQueriesContext(connection) as queries:
            service.budget_lines_save(plan=people.plan, category="opex", changes=changes)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
