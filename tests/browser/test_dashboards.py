"""The dashboards in Chromium: every chart is drawn by the local plotly.js, nothing goes wrong
in the console, the "as of" picker and the tabs work as a person would use them."""

import pytest
from django.contrib.auth import get_user_model

from tracking.demo import load_example_plan
from tracking.services.alerts import alerts_recompute

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "demo-aop-2026"
PAGES = ["company", "department", "finance", "dependencies"]


@pytest.fixture
def example(transactional_db):
    plan, _created = load_example_plan()
    alerts_recompute(plan_id=plan.pk)
    return plan


@pytest.fixture
def ceo(example, page, login):
    login(page, get_user_model().objects.get(username="ceo"), DEMO_PASSWORD)
    return page


def _open(page, plan, name, query=""):
    page.goto(f"/plans/{plan.pk}/dashboards/{name}/{query}")
    page.wait_for_selector(".js-plotly-plot .main-svg")


@pytest.mark.parametrize("name", PAGES)
def test_each_dashboard_draws_its_charts_without_console_errors(ceo, example, shot, name):
    _open(ceo, example, name)
    assert ceo.locator(".js-plotly-plot").count() >= 1
    assert ceo.locator("h1").count() == 1
    # Every chart's title is its finding, and the page names it for screen readers too.
    for chart in ceo.locator("[data-figure]").all():
        assert chart.get_attribute("aria-label")
    # plotly.js comes from this server, never from a CDN.
    sources = ceo.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert any(src.endswith("/static/vendor/plotly.min.js") for src in sources)
    assert all(src.startswith(ceo.url.split("/plans/")[0]) for src in sources)
    shot(ceo, f"dashboard-{name}")
    assert ceo.console_errors == []


def test_as_of_picker_shows_another_month(ceo, example):
    _open(ceo, example, "company")
    ceo.select_option("#as-of", f"{example.start.year}-03")
    ceo.wait_for_url(f"**as_of={example.start.year}-03**")
    ceo.wait_for_selector(".js-plotly-plot .main-svg")
    assert ceo.locator("#as-of").input_value() == f"{example.start.year}-03"
    assert "as of the end of March" in ceo.locator(".finding").first.inner_text()
    assert ceo.console_errors == []


def test_tabs_keep_the_month_and_the_department_filter_switches_roadmaps(ceo, example):
    _open(ceo, example, "company", f"?as_of={example.start.year}-05")
    ceo.get_by_role("link", name="Department", exact=True).click()
    ceo.wait_for_url(f"**/dashboards/department/?as_of={example.start.year}-05**")
    ceo.wait_for_selector(".js-plotly-plot .main-svg")
    ceo.select_option("#department", label="Sales")
    ceo.wait_for_selector("h1:has-text('Sales dashboard')")
    ceo.wait_for_selector("#roadmap .js-plotly-plot .main-svg")
    assert ceo.locator("#as-of").input_value() == f"{example.start.year}-05"
    assert ceo.console_errors == []


def test_charts_fit_a_4_to_3_projector(example, new_page, login):
    page = new_page(width=1024, height=768)
    login(page, get_user_model().objects.get(username="ceo"), DEMO_PASSWORD)
    _open(page, example, "company")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024
    assert page.console_errors == []
