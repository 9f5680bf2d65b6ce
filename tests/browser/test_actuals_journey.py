"""A Sales contributor enters this year's KPI values in the month grid with the keyboard, as a
person would: type, Enter to go down, Tab and arrows to move, paste a row from a spreadsheet,
Ctrl+S to save, Alt+H for a cell's history."""

import datetime as dt
from decimal import Decimal

import pytest

from planning.models import Membership, add_months
from tests.factories import (
    DepartmentFactory,
    KpiFactory,
    KpiTargetFactory,
    MembershipFactory,
    PlanFactory,
    UserFactory,
)
from tracking.models import Measurement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE_ROW = """
const dt = new DataTransfer();
dt.setData("text/plain", "27\\t28\\t29\\n");
document.activeElement.dispatchEvent(
  new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
"""


@pytest.fixture
def sales_year():
    """A plan whose twelfth month is the current one, so every month takes values."""
    start = add_months(dt.date.today().replace(day=1), -11)
    plan = PlanFactory(name="AOP this year", start=start)
    sales = DepartmentFactory(plan=plan, name="Sales", code="sales")
    carla = UserFactory(username="carla", first_name="Carla", last_name="Neumann")
    MembershipFactory(user=carla, plan=plan, role=Membership.Role.CONTRIBUTOR, department=sales)
    rate = KpiFactory(plan=plan, department=sales, code="rate", name="Deal qualification rate")
    cycle = KpiFactory(
        plan=plan,
        department=sales,
        code="cycle",
        name="Enterprise sales-cycle length",
        unit="days",
        direction="decrease",
    )
    for month in plan.month_starts():
        KpiTargetFactory(kpi=rate, month=month, target=Decimal("25"))
        KpiTargetFactory(kpi=cycle, month=month, target=Decimal("100"))
    return plan, carla, rate, cycle


def _name(kpi, month):
    return f"cell.kpi-{kpi.pk}:{month:%Y-%m}"


def _focused(page):
    return page.evaluate("document.activeElement.name")


def test_contributor_types_kpi_values_with_the_keyboard_and_saves(page, login, shot, sales_year):
    plan, carla, rate, cycle = sales_year
    months = plan.month_starts()
    login(page, carla)
    page.goto(f"/plans/{plan.pk}/kpis/")
    page.get_by_role("link", name="Enter values").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Enter values: Sales"

    page.locator(f'input[name="{_name(rate, months[0])}"]').click()
    page.keyboard.type("24")
    page.keyboard.press("Enter")  # down to the next KPI, same month
    assert _focused(page) == _name(cycle, months[0])
    page.keyboard.type("118")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")  # right, to February of the first KPI
    assert _focused(page) == _name(rate, months[1])
    page.keyboard.type("26")
    page.keyboard.press("ArrowRight")  # at the end of the text: next month
    assert _focused(page) == _name(rate, months[2])
    page.evaluate(PASTE_ROW)  # a row copied from a spreadsheet fills to the right
    for month, value in zip(months[2:5], ["27", "28", "29"], strict=True):
        assert page.locator(f'input[name="{_name(rate, month)}"]').input_value() == value
    assert page.locator("[data-dirty-count]").inner_text() == "6 unsaved changes"
    shot(page, "h5a-actuals-typing")

    with page.expect_navigation():
        page.keyboard.press("Control+s")
    page.wait_for_load_state("networkidle")
    page.get_by_text("Saved 6 values.").wait_for(state="visible")
    saved = {
        (m.kpi_id, m.period): m.value
        for m in Measurement.objects.filter(plan=plan).order_by("period")
    }
    assert saved == {
        (rate.pk, months[0]): Decimal("24"),
        (cycle.pk, months[0]): Decimal("118"),
        (rate.pk, months[1]): Decimal("26"),
        (rate.pk, months[2]): Decimal("27"),
        (rate.pk, months[3]): Decimal("28"),
        (rate.pk, months[4]): Decimal("29"),
    }
    assert all(m.entered_by_id == carla.pk for m in Measurement.objects.all())

    # After saving, the cell that had the focus has it again; Alt+H shows its history.
    page.locator(f'input[name="{_name(rate, months[0])}"]').focus()
    page.keyboard.press("Alt+h")
    popover = page.locator("#cell-history-popover")
    popover.wait_for(state="visible")
    assert "Carla Neumann" in popover.inner_text()
    shot(page, "h5a-actuals-saved-history")
    page.keyboard.press("Escape")
    assert popover.is_hidden()
    assert _focused(page) == _name(rate, months[0])
    assert not page.console_errors


def test_bad_input_is_marked_on_its_cell_and_nothing_is_saved(page, login, shot, sales_year):
    plan, carla, rate, cycle = sales_year
    months = plan.month_starts()
    login(page, carla)
    page.goto(f"/plans/{plan.pk}/kpis/values/")
    page.locator(f'input[name="{_name(rate, months[0])}"]').fill("24")
    page.locator(f'input[name="{_name(rate, months[1])}"]').fill("lots")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state("networkidle")
    bad = page.locator(f'input[name="{_name(rate, months[1])}"]')
    assert bad.get_attribute("aria-invalid") == "true"
    assert bad.input_value() == "lots"
    assert _focused(page) == _name(rate, months[1])  # straight to the cell to fix
    assert page.get_by_text("Nothing was saved yet").is_visible()
    assert not Measurement.objects.exists()
    shot(page, "h5a-actuals-bad-input")
    assert not page.console_errors
