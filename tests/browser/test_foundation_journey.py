"""A newcomer's first minutes (foundation issue): sign in as leadership, a department head and an
outsider, with the example plan loaded, as a person would."""

import pytest

from planning.demo import DEMO_PASSWORD
from tracking.demo import load_example_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Demo:
    def __init__(self):
        self.plan, _ = load_example_plan()

    @staticmethod
    def user(username):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username=username)


def test_leader_sees_the_example_plan_departments_and_goals(page, login, shot):
    demo = Demo()
    page.goto("/accounts/login/")
    page.click("[data-demo-user=ceo]")  # the demo list fills the form
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.locator("#plan-list").get_by_role("link", name=demo.plan.name).click()
    for department in ["Sales", "Marketing", "Product", "Engineering", "Customer Success"]:
        assert page.locator(f"[data-department='{department}']").count() == 1
    assert page.locator("text=Hire and onboard four enterprise account executives").count() >= 1
    assert page.locator("nav.sidenav").is_visible()
    shot(page, "foundation-leader-plan-home")
    assert not page.console_errors


def test_head_of_sales_sees_the_plan(page, login, shot):
    demo = Demo()
    login(page, demo.user("sales"), DEMO_PASSWORD)
    assert page.locator("#plan-list").get_by_text(demo.plan.name).count() == 1
    page.locator("#plan-list").get_by_role("link", name=demo.plan.name).click()
    assert page.locator("h1").inner_text() == demo.plan.name
    shot(page, "foundation-head-of-sales")


def test_outsider_sees_no_plan(page, login, shot):
    demo = Demo()
    login(page, demo.user("outsider"), DEMO_PASSWORD)
    assert page.locator("#no-plans").is_visible()
    assert page.locator("main").get_by_text(demo.plan.name).count() == 0
    response = page.goto(f"/plans/{demo.plan.pk}/")
    assert response.status == 404
    shot(page, "foundation-outsider")
