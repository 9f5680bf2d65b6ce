"""The leader fills the SWOT board inline; the head of Sales records a resource gap for a Sales
goal, finds it in the Eisenhower matrix and moves it (SPEC §2 steps 1 and 3, §5)."""

import pytest
from django.urls import reverse

from planning.models import ResourceRequirement, SwotEntry
from tests.factories import GoalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENTRIES = [
    ("S", "High user engagement", "Median 61 minutes a day in the app (analytics, 2025)", "5"),
    ("W", "Enterprise cycles 60 % longer", "118 vs 74 days (CRM, last year)", "4"),
    ("O", "Enterprise segment grows 40 %", "Analyst forecast, March", "5"),
    ("T", "Deals paused for certifications", "Three deals, 1.4 M USD (CRM)", "5"),
]


def add_entry(page, kind, title, evidence, impact):
    page.click(f"#swot-add-button-{kind}")
    form = page.locator(f"#swot-new-{kind}")
    form.locator("input[name=title]").wait_for()
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=evidence]").fill(evidence)
    form.locator("input[name=impact]").fill(impact)
    form.locator("button[type=submit]").click()
    page.locator(f"#swot-q-{kind} article.swot-card", has_text=title).wait_for()
    page.htmx_idle()


def test_leader_fills_swot_and_head_of_sales_moves_a_resource_gap(
    page, new_page, login, shot, people
):
    plan = people.plan
    goal = GoalFactory(
        plan=plan,
        department=people.sales,
        owner=people.head_sales,
        title="Four enterprise AEs by Q2",
    )

    # The leader opens an empty board: every quadrant says what to add.
    login(page, people.leader)
    page.goto(reverse("planning:swot-board", args=[plan.pk]))
    assert "What does the company do well?" in page.inner_text("#swot-q-S")

    # One entry per quadrant, inline, without leaving the board.
    board_url = page.url
    for kind, title, evidence, impact in ENTRIES:
        add_entry(page, kind, title, evidence, impact)
    assert page.url == board_url
    assert page.inner_text("#swot-q-T .impact-num") == "5"
    assert SwotEntry.objects.filter(plan=plan).count() == 4

    # A bad impact is refused next to the field; the form keeps the typing.
    page.click("#swot-add-button-S")
    form = page.locator("#swot-new-S")
    form.locator("input[name=title]").fill("Strong developer brand")
    form.locator("input[name=impact]").fill("6")
    form.locator("button[type=submit]").click()
    page.locator("#swot-new-S .field-error").wait_for()
    page.htmx_idle()
    assert "Impact runs from 1" in page.inner_text("#swot-new-S")
    assert page.input_value("#swot-new-S input[name=title]") == "Strong developer brand"
    page.fill("#swot-new-S input[name=impact]", "3")
    page.click("#swot-new-S button[type=submit]")
    second = page.locator("#swot-q-S article.swot-card", has_text="Strong developer brand")
    second.wait_for()
    page.htmx_idle()  # the new card's buttons are wired to htmx once the swap has settled

    # Reorder with the keyboard: focus "move up", press Enter; focus stays on the card.
    second.locator("button[data-dir=up]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('#swot-q-S .swot-card h3').textContent.includes('developer')"
    )
    page.wait_for_function("document.activeElement.closest('article.swot-card')")
    focused = page.evaluate("document.activeElement.closest('article').textContent")
    assert "Strong developer brand" in focused
    assert page.evaluate("document.activeElement.dataset.dir") == "down"  # "up" is disabled now
    titles = list(
        SwotEntry.objects.filter(plan=plan, kind="S")
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert titles == ["Strong developer brand", "High user engagement"]

    # Inline edit: the card turns into a form and back.
    card = page.locator("#swot-q-W article.swot-card")
    card.locator("a[data-dir=edit]").click()
    page.locator("#swot-q-W form.swot-form").wait_for()
    page.fill(
        "#swot-q-W form.swot-form input[name=title]",
        "Enterprise cycles 60 % longer than mid-market",
    )
    page.click("#swot-q-W form.swot-form button[type=submit]")
    page.locator("#swot-q-W article.swot-card", has_text="than mid-market").wait_for()
    shot(page, "h2-journey-swot-filled")

    # Delete asks first, then the quadrant says what to add again.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#swot-q-O article.swot-card a.danger").click()
    page.locator("#swot-q-O .swot-empty").wait_for()
    assert not SwotEntry.objects.filter(plan=plan, kind="O").exists()
    assert not page.console_errors

    # The head of Sales adds a gap to a Sales goal, preselected from the goal filter.
    sales_page = new_page()
    login(sales_page, people.head_sales)
    sales_page.goto(reverse("planning:resource-inventory", args=[plan.pk]) + f"?goal={goal.pk}")
    assert "No resource needs recorded" in sales_page.inner_text("main")
    sales_page.get_by_role("link", name="Add requirement").click()
    assert sales_page.input_value("#id_subject") == f"goal:{goal.pk}"
    sales_page.select_option("#id_category", "people")
    sales_page.fill("#id_description", "Enterprise account executives")
    sales_page.fill("#id_needed", "4")
    sales_page.fill("#id_available", "1")
    sales_page.fill("#id_cost", "360000")
    sales_page.check("#id_important")
    sales_page.get_by_role("button", name="Save").click()
    sales_page.wait_for_url(f"**/resources/?goal={goal.pk}")

    # It shows with its gap and lands in "Schedule" (important, not urgent).
    row = sales_page.locator("table.resource-table tr", has_text="Enterprise account executives")
    assert "3" in row.locator("td.num").nth(2).inner_text()
    schedule = sales_page.locator("#quadrant-schedule")
    assert "Enterprise account executives" in schedule.inner_text()
    shot(sales_page, "h2-journey-resource-schedule")

    # "Mark urgent" moves it to "Do now" in place.
    requirement = ResourceRequirement.objects.get()
    sales_page.click(f"#gap-urgent-{requirement.pk}")
    sales_page.locator("#quadrant-do_now", has_text="Enterprise account executives").wait_for()
    assert "Enterprise account executives" not in sales_page.inner_text("#quadrant-schedule")
    assert "Do now" in row.inner_text()
    requirement.refresh_from_db()
    assert (requirement.urgent, requirement.important) == (True, True)
    shot(sales_page, "h2-journey-resource-do-now")

    # The head of Sales may not touch company-wide SWOT entries: no edit buttons there.
    sales_page.goto(reverse("planning:swot-board", args=[plan.pk]))
    assert sales_page.locator("#swot-q-S a[data-dir=edit]").count() == 0
    assert not sales_page.console_errors
