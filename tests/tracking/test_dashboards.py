"""The four dashboards and the plan home: who sees them, the "as of" month, the department
filter, and that the numbers shown are the rules' numbers."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from planning.models import BudgetLine, Plan
from reviews.models import MonthlyReview
from tests.factories import (
    BudgetLineFactory,
    DepartmentFactory,
    GoalFactory,
    InitiativeFactory,
    SpendFactory,
)
from tracking import dashboards
from tracking.models import Alert, GoalFigure

D = dt.date
PAGES = ["company", "department", "finance", "dependencies"]


def url(plan, page, query=""):
    return f"/plans/{plan.pk}/dashboards/{page}/" + (f"?{query}" if query else "")


def figure(response, chart_id):
    """The Plotly figure a page hands to plotly.js for `chart_id`."""
    html = response.content.decode()
    match = re.search(
        rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S
    )
    assert match, f"no figure {chart_id}"
    return json.loads(match.group(1))


def figures_at(plan, month, statuses, department=None):
    """Goal figures at `month`, one goal per status, as the alert job stores them."""
    goals = []
    for i, status in enumerate(statuses):
        goal = GoalFactory(
            plan=plan,
            department=department or DepartmentFactory(plan=plan),
            title=f"Goal {i} {status}",
        )
        GoalFigure.objects.create(
            plan=plan,
            goal=goal,
            period=month,
            planned=Decimal(2),
            actual=Decimal(1),
            shortfall=Decimal("0.5") if status == "behind" else None,
            status=status,
        )
        goals.append(goal)
    return goals


# The "as of" month -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2026, 4, 15), D(2026, 3, 1)),  # March is the latest complete month
        (D(2026, 3, 31), D(2026, 2, 1)),  # March ends tonight: not complete yet
        (D(2026, 1, 10), D(2026, 1, 1)),  # nothing complete yet: the first month
        (D(2027, 5, 1), D(2026, 12, 1)),  # the year is over: its last month
    ],
)
def test_default_month_is_the_latest_complete_month_of_the_plan_year(today, expected):
    plan = Plan(start=D(2026, 1, 1))
    assert dashboards.default_month(plan, today) == expected


def test_a_month_outside_the_plan_or_garbage_falls_back_to_the_default():
    plan = Plan(start=D(2026, 1, 1))
    today = D(2026, 6, 15)
    assert dashboards.parse_month(plan, "2026-02", today) == D(2026, 2, 1)
    assert dashboards.parse_month(plan, "2025-12", today) == D(2026, 5, 1)
    assert dashboards.parse_month(plan, "<script>", today) == D(2026, 5, 1)
    assert dashboards.parse_month(plan, None, today) == D(2026, 5, 1)


# Who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "who", ["leader", "head_sales", "head_marketing", "finance", "contributor_sales", "viewer"]
)
def test_every_member_sees_every_dashboard(people, client_for, who, page):
    response = client_for(getattr(people, who)).get(url(people.plan, page))
    assert response.status_code == 200
    assert b"vendor/plotly.min.js" in response.content
    # No script or stylesheet from another host (a plain "cdn" search would hit random CSRF tokens).
    assert not re.search(rb'<(script|link)[^>]+(src|href)="(https?:)?//', response.content)


@pytest.mark.parametrize("page", PAGES)
def test_outsiders_get_not_found(people, client_for, page):
    assert client_for(people.outsider).get(url(people.plan, page)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(people, client):
    response = client.get(url(people.plan, "company"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Company ---------------------------------------------------------------------------------------


def test_company_dashboard_counts_goals_by_status_from_the_goal_figures(people, client_for):
    figures_at(people.plan, D(2026, 3, 1), ["behind", "behind", "at_risk", "on_track"])
    figures_at(people.plan, D(2026, 2, 1), ["on_track"])  # another month: not counted
    response = client_for(people.viewer).get(url(people.plan, "company", "as_of=2026-03"))
    html = response.content.decode()
    assert "2 of 4 goals are more than 10 % behind" in html
    assert re.search(r'stat-card--behind.*?stat-number">2<', html, re.S)
    assert re.search(r'stat-card--no_data.*?stat-number">0<', html, re.S)
    bullet = figure(response, "chart-goals")
    assert bullet["layout"]["meta"]["finding"].endswith(
        "behind, 50 % of the planned progress missing"
    )
    assert bullet["layout"]["yaxis"]["ticktext"][2].startswith("Goal 2 at_risk")
    assert len(bullet["data"][0]["y"]) == 4


def test_as_of_month_switches_the_figures_shown(people, client_for):
    figures_at(people.plan, D(2026, 2, 1), ["on_track", "on_track"])
    figures_at(people.plan, D(2026, 3, 1), ["behind"])
    client = client_for(people.leader)
    assert (
        "All 2 goals are on track"
        in client.get(url(people.plan, "company", "as_of=2026-02")).content.decode()
    )
    march = client.get(url(people.plan, "company", "as_of=2026-03")).content.decode()
    assert "1 of 1 goal is more than 10 % behind" in march
    assert 'value="2026-03" selected' in march


def test_company_dashboard_filters_by_department(people, client_for):
    figures_at(people.plan, D(2026, 3, 1), ["behind"], department=people.sales)
    figures_at(people.plan, D(2026, 3, 1), ["on_track", "on_track"], department=people.marketing)
    response = client_for(people.leader).get(
        url(people.plan, "company", f"as_of=2026-03&department={people.marketing.pk}")
    )
    assert "All 2 goals are on track" in response.content.decode()


def test_company_dashboard_caps_the_bullet_at_thirty_goals_unless_asked(people, client_for):
    figures_at(people.plan, D(2026, 3, 1), ["on_track"] * 32, department=people.sales)
    client = client_for(people.leader)
    capped = client.get(url(people.plan, "company", "as_of=2026-03"))
    assert len(figure(capped, "chart-goals")["data"][0]["y"]) == 30
    assert "Show all goals" in capped.content.decode()
    everything = client.get(url(people.plan, "company", "as_of=2026-03&all=1"))
    assert len(figure(everything, "chart-goals")["data"][0]["y"]) == 32


def test_company_dashboard_without_figures_says_what_to_do(people, client_for):
    html = client_for(people.leader).get(url(people.plan, "company")).content.decode()
    assert "No goal figures for" in html
    assert "chart-goals" not in html


def test_company_dashboard_lists_open_alerts_worst_first(people, client_for):
    for severity, message in [("warning", "Mild"), ("critical", "Severe")]:
        Alert.objects.create(
            plan=people.plan,
            rule="goal_behind",
            subject_type="goal",
            subject_id=len(message),
            period=D(2026, 3, 1),
            severity=severity,
            facts={"text": message},
        )
    Alert.objects.create(
        plan=people.plan,
        rule="goal_behind",
        subject_type="goal",
        subject_id=99,
        period=D(2026, 3, 1),
        facts={"text": "Old news"},
        state=Alert.State.RESOLVED,
    )
    html = client_for(people.viewer).get(url(people.plan, "company")).content.decode()
    assert html.index("Severe") < html.index("Mild")
    assert "Old news" not in html
    assert "2 open alerts" in html


# Department ------------------------------------------------------------------------------------


def test_department_dashboard_opens_on_the_persons_own_department(people, client_for):
    html = client_for(people.head_marketing).get(url(people.plan, "department")).content.decode()
    assert "<h1>Marketing dashboard</h1>" in html


def test_department_dashboard_draws_the_burn_curve_of_the_worked_example(people, client_for):
    """SPEC §4.3: B = 500,000 phased equally; 410,000 spent by the end of June → flag."""
    _worked_example_budget(people.plan, people.sales)
    response = client_for(people.head_sales).get(
        url(people.plan, "department", f"department={people.sales.pk}&as_of=2026-06")
    )
    burn = figure(response, "chart-burn")
    assert burn["layout"]["meta"]["finding"] == (
        "✖ Sales burns early: 82 % of its budget used by Jun, plan 50 %"
    )
    planned, spent = burn["data"][0]["y"], burn["data"][1]["y"]
    assert planned[5] == pytest.approx(250_000) and planned[11] == pytest.approx(500_000)
    assert spent[5] == pytest.approx(410_000) and spent[6] is None
    lines = [s["y0"] for s in burn["layout"]["shapes"] if s["yref"] == "y"]
    assert lines == [pytest.approx(400_000), pytest.approx(500_000)]  # 80 % line, budget


def test_department_dashboard_in_october_does_not_flag_the_same_spend(people, client_for):
    _worked_example_budget(people.plan, people.sales)
    response = client_for(people.head_sales).get(
        url(people.plan, "department", f"department={people.sales.pk}&as_of=2026-10")
    )
    assert figure(response, "chart-burn")["layout"]["meta"]["finding"] == (
        "Sales has used 82 % of its budget by Oct (plan 83 %)"
    )


def test_department_dashboard_marks_blocked_initiatives_on_the_roadmap(people, client_for):
    engineering = DepartmentFactory(plan=people.plan, name="Engineering")
    soc2 = InitiativeFactory(
        plan=people.plan,
        department=engineering,
        title="SOC 2 audit",
        start=D(2026, 3, 1),
        estimate_days=100,
        status="in_progress",
    )
    pilots = InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        title="Pilots",
        start=D(2026, 5, 1),
        estimate_days=30,
    )
    pilots.depends_on.add(soc2)
    response = client_for(people.head_sales).get(
        url(people.plan, "department", f"department={people.sales.pk}&as_of=2026-05")
    )
    gantt = figure(response, "chart-roadmap")
    assert gantt["layout"]["meta"]["finding"] == "1 of 1 initiatives of Sales is blocked"
    assert gantt["layout"]["yaxis"]["ticktext"] == ["✖ Pilots", "SOC 2 audit (Engineering)"]
    assert len([a for a in gantt["layout"]["annotations"] if a.get("showarrow")]) == 1


def test_department_dashboard_without_kpis_or_initiatives_says_what_to_do(people, client_for):
    html = client_for(people.head_sales).get(url(people.plan, "department")).content.decode()
    assert "Sales has no KPIs yet." in html
    assert "No initiatives on this roadmap yet." in html


# Finance ---------------------------------------------------------------------------------------


def test_finance_dashboard_flags_early_burn_and_forecasts_the_run_out(people, client_for):
    _worked_example_budget(people.plan, people.sales)
    response = client_for(people.finance).get(url(people.plan, "finance", "as_of=2026-06"))
    burn = figure(response, "chart-burn-departments")
    assert burn["layout"]["meta"]["finding"] == (
        "Sales burns early: 82 % of its annual budget used by Jun, plan 50 %"
    )
    forecast = figure(response, "chart-forecast")
    # 410,000 in six months → 820,000 a year; 500,000 is gone in month 8 (August).
    assert forecast["layout"]["meta"]["finding"] == (
        "Sales runs out of budget in Aug 2026 at the current rate"
    )
    heat = figure(response, "chart-heatmap")
    sales_row = heat["data"][0]["y"].index("Sales")
    assert heat["data"][0]["text"][sales_row][:7] == ["164 %"] * 6 + [""]
    html = response.content.decode()
    assert '<td class="num">410,000</td>' in html and "Burns early" in html


def test_finance_dashboard_without_departments_says_what_to_do(client_for, plan):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, plan=plan, role="finance")
    html = client_for(user).get(url(plan, "finance")).content.decode()
    assert "This plan has no departments yet." in html


# Dependencies ------------------------------------------------------------------------------------


def test_dependencies_dashboard_shows_who_blocks_whom_and_since_when(people, client_for):
    engineering = DepartmentFactory(plan=people.plan, name="Engineering")
    soc2 = InitiativeFactory(
        plan=people.plan,
        department=engineering,
        title="SOC 2 audit",
        start=D(2026, 3, 1),
        estimate_days=100,
        status="in_progress",
    )
    pilots = InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        title="Pilots",
        start=D(2026, 5, 1),
        estimate_days=30,
    )
    done = InitiativeFactory(
        plan=people.plan,
        department=engineering,
        status="done",
        start=D(2026, 1, 1),
        estimate_days=200,
    )
    pilots.depends_on.add(soc2, done)
    response = client_for(people.viewer).get(url(people.plan, "dependencies", "as_of=2026-05"))
    html = response.content.decode()
    assert "Engineering blocks 1 initiative of 1 other team" in html
    matrix = figure(response, "chart-team-blocks")
    assert matrix["data"][0]["y"] == ["Engineering"] and matrix["data"][0]["x"] == ["Sales"]
    assert matrix["data"][0]["text"] == [["<b>✖ 1</b><br>since 1 May"]]
    assert "Pilots" in html and "SOC 2 audit" in html and "1 May 2026" in html


def test_dependencies_dashboard_when_nothing_blocks(people, client_for):
    html = client_for(people.viewer).get(url(people.plan, "dependencies")).content.decode()
    assert "No team blocks another team" in html
    assert "Nothing is blocked." in html


def test_blocked_since_is_the_earlier_of_start_and_dependency_end():
    from planning.dependencies import Node

    x = Node(1, 1, D(2026, 5, 1), D(2026, 6, 1), "not_started")
    late_y = Node(2, 2, D(2026, 3, 1), D(2026, 6, 9), "in_progress")
    overdue_y = Node(3, 2, D(2026, 1, 1), D(2026, 4, 2), "in_progress")
    assert dashboards.blocked_since(x, late_y) == D(2026, 5, 1)
    assert dashboards.blocked_since(x, overdue_y) == D(2026, 4, 2)


# Plan home ---------------------------------------------------------------------------------------


def test_plan_home_summarises_goals_alerts_and_the_next_review(people, client_for):
    figures_at(people.plan, D(2026, 3, 1), ["behind", "on_track"])
    for i in range(7):
        Alert.objects.create(
            plan=people.plan,
            rule="goal_behind",
            subject_type="goal",
            subject_id=i,
            period=D(2026, 3, 1),
            facts={"text": f"Alert number {i}"},
        )
    MonthlyReview.objects.create(plan=people.plan, month=D(2026, 3, 1), date=D(2026, 4, 8))
    response = client_for(people.viewer).get(f"/plans/{people.plan.pk}/")
    html = response.content.decode()
    assert response.context["summary_month"] <= D(2026, 12, 1)
    assert "goals-by-department" in html
    assert html.count('class="alert-message"') == 5
    assert "See all 7 alerts" in html
    assert "No review scheduled" in html or "Next review" in html


def test_plan_home_counts_goals_at_the_latest_complete_month(people, client_for, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 4, 15))
    figures_at(people.plan, D(2026, 3, 1), ["behind", "on_track", "on_track"])
    MonthlyReview.objects.create(plan=people.plan, month=D(2026, 3, 1), date=D(2026, 4, 20))
    MonthlyReview.objects.create(plan=people.plan, month=D(2026, 2, 1), date=D(2026, 3, 10))
    html = client_for(people.viewer).get(f"/plans/{people.plan.pk}/").content.decode()
    assert "1 of 3 goals are more than 10 % behind" in html
    assert "Next review: <strong>Monday, 20 April 2026</strong> (March 2026)" in html


def test_plan_home_without_a_review_says_so(people, client_for):
    html = client_for(people.viewer).get(f"/plans/{people.plan.pk}/").content.decode()
    assert "No review scheduled" in html
    assert "No goal has figures for this month yet" in html


def _worked_example_budget(plan, department):
    """B = 500,000 in equal monthly lines; 410,000 spent evenly over January–June."""
    for month in plan.month_starts():
        BudgetLineFactory(
            plan=plan,
            department=department,
            month=month,
            category=BudgetLine.Category.OPEX,
            amount=Decimal(500_000) / 12,
        )
    for month in plan.month_starts()[:6]:
        SpendFactory(
            plan=plan,
            department=department,
            month=month,
            category=BudgetLine.Category.OPEX,
            amount=Decimal(410_000) / 6,
        )


def test_open_alert_count_stops_at_the_cap(people, client_for):
    Alert.objects.bulk_create(
        Alert(
            plan=people.plan,
            rule="milestone_overdue",
            subject_type="milestone",
            subject_id=i,
            period=D(2026, 3, 1),
            facts={"text": f"Milestone {i} overdue"},
        )
        for i in range(1_001)
    )
    html = client_for(people.viewer).get(url(people.plan, "company")).content.decode()
    assert "1,000+ open alerts" in html
    assert html.count('class="alert-message"') == 10


def test_finance_dashboard_shows_the_thirty_heaviest_burners_unless_asked(people, client_for):
    for i in range(32):
        department = DepartmentFactory(plan=people.plan, name=f"Team {i:02d}")
        BudgetLineFactory(
            plan=people.plan, department=department, month=D(2026, 1, 1), amount=Decimal(1000)
        )
        SpendFactory(
            plan=people.plan, department=department, month=D(2026, 1, 1), amount=Decimal(10 * i)
        )
    client = client_for(people.finance)
    capped = client.get(url(people.plan, "finance", "as_of=2026-01"))
    burn = figure(capped, "chart-burn-departments")
    assert len(burn["data"][0]["y"]) == 30
    assert burn["layout"]["yaxis"]["ticktext"][0] == "Team 31"  # the largest share first
    assert "Show all departments" in capped.content.decode()
    everything = client.get(url(people.plan, "finance", "as_of=2026-01&all=1"))
    assert len(figure(everything, "chart-burn-departments")["data"][0]["y"]) == 34
