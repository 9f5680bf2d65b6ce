"""Sign-in, plan visibility, health check and production settings (foundation issue)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from planning.models import Department, Goal, Membership, Plan
from tracking.demo import load_example_plan

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = ["leader", "head_sales", "head_marketing", "finance", "contributor_sales", "viewer"]


@pytest.mark.parametrize("role", MEMBERS)
def test_every_member_sees_the_plan_home_and_its_departments(people, client_for, role):
    response = client_for(getattr(people, role)).get(reverse("plan-home", args=[people.plan.pk]))
    assert response.status_code == 200
    assert b"Sales" in response.content and b"Marketing" in response.content


def test_outsider_gets_404_for_every_plan_page(people, client_for):
    client = client_for(people.outsider)
    for url in [
        reverse("plan-home", args=[people.plan.pk]),
        reverse("planning:department-detail", args=[people.plan.pk, people.sales.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_outsider_sees_no_plan_in_the_list(people, client_for):
    response = client_for(people.outsider).get(reverse("planning:plan-list"))
    assert response.status_code == 200
    assert people.plan.name.encode() not in response.content
    assert b"not a member of any plan" in response.content


def test_anonymous_visitor_is_sent_to_the_login_page(people, client):
    response = client.get(reverse("plan-home", args=[people.plan.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_plan_home_query_count_does_not_grow_with_the_plan(
    people, client_for, django_assert_num_queries
):
    from tests.factories import GoalFactory

    client = client_for(people.leader)
    url = reverse("plan-home", args=[people.plan.pk])
    GoalFactory(plan=people.plan, department=people.sales)
    client.get(url)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(30):
        GoalFactory(plan=people.plan, department=people.marketing if i % 2 else people.sales)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_plan_home_shows_a_page_of_departments_with_their_first_goals(people, client_for):
    from tests.factories import DepartmentFactory, GoalFactory

    for i in range(23):  # 25 departments with Sales and Marketing
        DepartmentFactory(plan=people.plan, name=f"Unit {i:02d}", code=f"unit-{i:02d}")
    for i in range(12):
        GoalFactory(plan=people.plan, department=people.sales, title=f"Sales goal {i:02d}")
    client = client_for(people.viewer)
    url = reverse("plan-home", args=[people.plan.pk])
    first = client.get(url).content.decode()
    assert first.count('class="department-block"') == 20
    assert "Departments 1–20 of 25" in first
    assert "Sales goal 09" in first and "Sales goal 10" not in first  # the first ten by title
    assert "Show all 12 goals of Sales" in first
    second = client.get(url, {"departments": 2}).content.decode()
    assert second.count('class="department-block"') == 5
    assert "Departments 21–25 of 25" in second
    assert client.get(url, {"departments": "x"}).status_code == 200  # bad page: the first


def test_login_page_lists_demo_users_in_demo_mode(db, client, settings):
    load_example_plan()
    settings.DEMO_MODE = True
    response = client.get(reverse("login"))
    assert b"demo-aop-2026" in response.content
    assert b"outsider" in response.content


def test_login_page_never_shows_demo_users_outside_demo_mode(db, client, settings):
    load_example_plan()
    settings.DEMO_MODE = False
    response = client.get(reverse("login"))
    assert b"demo-aop-2026" not in response.content


def test_example_plan_loads_once_and_a_second_run_changes_nothing(db):
    plan, created = load_example_plan()
    assert created
    counts = (
        Plan.objects.count(),
        Department.objects.count(),
        Goal.objects.count(),
        Membership.objects.count(),
    )
    again, created_again = load_example_plan()
    assert not created_again and again == plan
    assert counts == (
        Plan.objects.count(),
        Department.objects.count(),
        Goal.objects.count(),
        Membership.objects.count(),
    )


def test_example_plan_has_the_departments_and_one_demo_user_per_role(db):
    plan, _ = load_example_plan()
    names = set(plan.departments.values_list("name", flat=True))
    assert names == {
        "Leadership",
        "Sales",
        "Marketing",
        "Product",
        "Engineering",
        "Customer Success",
        "Finance",
    }
    roles = set(plan.memberships.values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    assert not Membership.objects.filter(user__username="outsider").exists()


def test_healthz_reports_database_and_broker(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["broker"] in ("ok", "in-process")


def test_healthz_is_503_when_the_database_is_unreachable(db, client):
    with mock.patch("aop_site.views._database_status", return_value="error: OperationalError"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"].startswith("error")


def _run_check(env_overrides, *args):
    env = {**os.environ, **env_overrides}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_development_secret_key():
    result = _run_check({"DEBUG": "0", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _run_check(
        {"DEBUG": "0", "SECRET_KEY": "x7" * 30 + "-production-key", "ALLOWED_HOSTS": "aop.example"},
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_goal_of_the_example_plan_passes_the_smart_check(db):
    from planning.goal_selectors import goal_with_smart

    plan, _ = load_example_plan()
    for goal in plan.goals.all():
        _goal, result = goal_with_smart(plan, goal.pk)
        failing = [c.key for c in result.criteria if not c.passed]
        assert not failing, f"{goal.title}: {failing}"


def test_the_example_plan_has_a_frozen_baseline(db):
    plan, _ = load_example_plan()
    assert plan.baselines.count() == 1
