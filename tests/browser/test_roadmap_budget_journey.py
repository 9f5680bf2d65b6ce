"""Journeys through the roadmap and the budget grid, as the people of SPEC §1 would walk them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import BudgetLine, Initiative
from tests.factories import DepartmentFactory, InitiativeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cross_team(people):
    """Engineering's CRM migration waits for Sales' website relaunch."""
    engineering = DepartmentFactory(plan=people.plan, name="Engineering", code="engineering")
    relaunch = InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        title="Website relaunch",
        owner=people.head_sales,
        start=dt.date(2026, 2, 2),
        estimate_days=30,
    )
    crm = InitiativeFactory(
        plan=people.plan,
        department=engineering,
        title="CRM migration",
        start=dt.date(2026, 3, 2),
        estimate_days=46,
    )
    crm.depends_on.add(relaunch)
    return relaunch, crm


def test_head_of_sales_adds_a_dependency_on_engineering_and_is_refused_a_cycle(
    page, login, shot, people, cross_team
):
    relaunch, crm = cross_team
    plan = people.plan
    login(page, people.head_sales)
    page.goto(reverse("planning:roadmap", args=[plan.pk]) + f"?department={people.sales.pk}")
    page.get_by_role("link", name="+ New initiative").first.click()

    page.fill("#id_title", "Enterprise pilots")
    page.fill("#id_start", "2026-05-04")
    page.fill("#id_estimate_days", "40")
    page.fill("#id_buffer_pct", "20")
    page.wait_for_selector("[data-buffer-warning]")
    assert "tight" in page.inner_text("#planned-end-preview")
    page.fill("#id_buffer_pct", "30")
    page.wait_for_function(
        "() => !document.querySelector('[data-buffer-warning]') && "
        "document.querySelector('[data-planned-end]')?.textContent.includes('25 Jun 2026')"
    )

    page.fill("#dep-search", "crm")
    page.get_by_role("button", name="CRM migration").click()
    assert page.locator("[data-chips] .chip").inner_text().startswith("CRM migration")
    page.get_by_role("button", name="Add initiative").click()
    page.wait_for_url("**/initiatives/*/")
    assert "added to the roadmap" in page.inner_text(".messages")
    pilots = Initiative.objects.get(title="Enterprise pilots")
    assert list(pilots.depends_on.all()) == [crm]

    page.goto(reverse("planning:roadmap", args=[plan.pk]) + f"?department={people.sales.pk}")
    line = page.locator(f'line[data-from="{crm.pk}"][data-to="{pilots.pk}"]')
    assert line.count() == 1
    box = line.bounding_box()
    assert box is not None and box["width"] > 10  # drawn between the two bars, not collapsed
    assert page.locator(f"#rm-initiative-{pilots.pk} .blocked-flag").count() == 1
    shot(page, "h3-roadmap-dependency-line")

    # Website relaunch may not wait for CRM migration: CRM already waits for it.
    page.goto(relaunch.get_absolute_url())
    page.fill("#dep-search", "CRM")
    page.get_by_role("button", name="CRM migration").click()
    page.wait_for_selector("#dependency-error")
    message = page.inner_text("#dependency-error")
    assert "Website relaunch → CRM migration → Website relaunch" in message
    assert not relaunch.depends_on.exists()
    shot(page, "h3-cycle-refused")
    # the refusal itself answers 400, which Chromium logs; nothing else may go wrong
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == []


def test_finance_pastes_a_row_of_twelve_months_and_saves(page, login, shot, people):
    plan = people.plan
    BudgetLine.objects.create(
        plan=plan,
        department=people.marketing,
        category="opex",
        month=dt.date(2026, 1, 1),
        amount=Decimal("15000"),
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, people.finance)
    page.goto(reverse("planning:budget-grid", args=[plan.pk]))
    first = page.locator(f"#cell-{people.sales.pk}-0")
    first.click()

    row = "\t".join(["41,666.67"] * 11 + ["41,666.63"])  # as copied from an Excel row
    page.evaluate("text => navigator.clipboard.writeText(text)", row)
    page.keyboard.press("Control+V")
    assert page.input_value(f"#cell-{people.sales.pk}-11") == "41,666.63"
    assert page.inner_text(f"[data-row-total='{_row(page, people.sales)}']") == "500,000"
    assert page.inner_text("[data-grand-total]") == "515,000"
    assert "12 unsaved changes" in page.inner_text("[data-grid-status]")

    # A semicolon-separated row (as some exports write it) fills from the cell pasted into.
    page.locator(f"#cell-{people.marketing.pk}-9").click()
    page.evaluate("text => navigator.clipboard.writeText(text)", "1 000;2 000;3 000")
    page.keyboard.press("Control+V")
    assert page.input_value(f"#cell-{people.marketing.pk}-11") == "3 000"
    assert page.inner_text("[data-grand-total]") == "521,000"

    # Spreadsheet keys: Enter goes down, arrows move across.
    first.click()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.id")
    assert focused == f"cell-{people.marketing.pk}-1"
    page.keyboard.type("2.500")  # one dot and three digits: in an English UI that is 2.5
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"cell-{people.sales.pk}-1"
    page.keyboard.type("-3")
    page.wait_for_selector("input.cell.invalid")
    shot(page, "h3-budget-pasted")

    page.keyboard.press("Control+A")
    page.keyboard.type("41666.67")
    assert page.locator("input.cell.invalid").count() == 0
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(".message-success")
    assert "Saved 16 cells." in page.inner_text(".messages")
    sales = BudgetLine.objects.filter(department=people.sales, category="opex")
    assert sum(line.amount for line in sales) == Decimal("500000.00")
    assert BudgetLine.objects.get(
        department=people.marketing, month=dt.date(2026, 2, 1)
    ).amount == Decimal("2.50")
    assert page.inner_text("[data-grand-total]") == "521,002.50"
    shot(page, "h3-budget-saved")
    assert page.console_errors == []


def _row(page, department) -> str:
    return page.locator(f"#cell-{department.pk}-0").get_attribute("data-row")
