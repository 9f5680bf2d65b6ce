"""The head of Sales opens the alerts, sees the goal that is behind in words and numbers,
acknowledges it without leaving the page (the counts and the navigation badge follow), and
filters; leadership recomputes and sets the webhook."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import GoalFactory, MeasurementFactory, hires_goal
from tracking.models import Alert
from tracking.services.alerts import alerts_recompute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def behind(people):
    goal = hires_goal(people.plan, people.sales, owner=people.head_sales)
    other = GoalFactory(
        plan=people.plan,
        department=people.marketing,
        title="Launch campaign",
        baseline=Decimal("0"),
        target=Decimal("10"),
        due_date=dt.date(2026, 3, 31),
    )
    MeasurementFactory(plan=people.plan, goal=other, period=dt.date(2026, 3, 1), value=2)
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 3, 31))
    return goal


def test_head_of_sales_acknowledges_an_alert_in_place(people, behind, page, login, shot):
    login(page, people.head_sales)
    page.goto(f"/plans/{people.plan.pk}/alerts/")
    assert page.locator("#nav-open-alerts .badge").inner_text() == "2"
    row = page.locator("tr", has_text="Hire 4 enterprise AEs is 50 % behind plan")
    assert "(1 of 2 planned by 31 Mar)" in row.inner_text()
    assert row.locator(".sev-critical").is_visible()
    other = page.locator("tr", has_text="Launch campaign")
    assert other.locator("button", has_text="Acknowledge").count() == 0  # Marketing's
    shot(page, "alerts-head-sales")

    row.locator("button", has_text="Acknowledge").click()
    page.wait_for_selector(
        f"#alert-{Alert.objects.get(subject_id=behind.pk).pk} .state-acknowledged"
    )
    assert page.locator("#nav-open-alerts .badge").inner_text() == "1"
    assert page.locator("#alert-totals").inner_text().startswith("1")
    assert Alert.objects.get(subject_id=behind.pk).state == Alert.State.ACKNOWLEDGED

    page.check("input[name=mine]")
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    assert page.locator("tr", has_text="Launch campaign").count() == 0
    assert page.locator("tr", has_text="Hire 4 enterprise AEs").count() == 1
    assert page.console_errors == []


def test_leadership_recomputes_and_sets_the_webhook(people, behind, page, login, shot):
    login(page, people.leader)
    page.goto(f"/plans/{people.plan.pk}/alerts/")
    page.click("button:has-text('Recompute now')")
    page.wait_for_load_state()
    assert "Alerts checked:" in page.locator(".messages").inner_text()
    assert page.console_errors == []
    page.fill("input[name=webhook_url]", "not a url")
    page.click("button:has-text('Save webhook')")
    page.wait_for_load_state()
    assert "Enter a web address" in page.locator("#webhook").inner_text()
    page.fill("input[name=webhook_url]", "https://hooks.slack.com/services/T0/B0/x")
    page.click("button:has-text('Save webhook')")
    page.wait_for_load_state()
    assert "Webhook saved." in page.locator(".messages").inner_text()
    people.plan.refresh_from_db()
    assert people.plan.webhook_url == "https://hooks.slack.com/services/T0/B0/x"
    shot(page, "alerts-leader")
    # The refused form answers 400 (bad input), which the browser logs; nothing else.
    assert all("400 (Bad Request)" in error for error in page.console_errors)
