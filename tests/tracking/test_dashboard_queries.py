"""Page cost does not grow with plan size (SPEC §6): every dashboard runs the same number of
queries for a plan the size of the example and for one ten times larger."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Goal, Initiative
from tests.factories import PASSWORD
from tracking.management.commands.build_bench_plan import Size, build_plan
from tracking.services.alerts import alerts_recompute

# The example plan: 7 departments, 8 goals, a dozen initiatives, a few KPIs each.
EXAMPLE = Size(departments=7, goals=8, initiatives=12, dependency_share=0.5, kpis_per_department=2)
DASHBOARDS = [
    "company",
    "company?all=1",
    "department",
    "finance",
    "dependencies",
    "dependencies?department={department}",
]
MOST_QUERIES = 20


@pytest.fixture(scope="module")
def plans(django_db_setup, django_db_blocker):
    """Both plans, built once for the module (committed, then deleted at the end)."""
    with django_db_blocker.unblock():
        history_before = _history_marks()
        built = [
            build_plan(
                name=name,
                size=size,
                year=2025,
                leader_username="leader",
                leader_password=PASSWORD,
                seed=3,
            )
            for name, size in [("Example size", EXAMPLE), ("Ten times", EXAMPLE.times(10))]
        ]
        for plan in built:
            alerts_recompute(plan_id=plan.pk, as_of=plan.end)
        yield built
        _delete(built)
        _forget_history_since(history_before)


def _history_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m.__name__.startswith("Historical")]


def _history_marks() -> dict:
    from django.db.models import Max

    return {m: m.objects.aggregate(top=Max("history_id"))["top"] or 0 for m in _history_models()}


def _forget_history_since(marks: dict) -> None:
    """The module's plans were committed; leave no history rows behind for later tests."""
    for model, top in marks.items():
        model.objects.filter(history_id__gt=top).delete()


def _delete(built) -> None:
    # Goals and initiatives protect their departments: remove them before the plans.
    Initiative.objects.filter(plan__in=built).delete()
    Goal.objects.filter(plan__in=built).delete()
    for plan in built:
        plan.delete()
    get_user_model().objects.filter(username__startswith="bench-").delete()
    get_user_model().objects.filter(username="leader").delete()


def _queries(client, plan, page) -> int:
    department = plan.departments.order_by("name").first()
    url = f"/plans/{plan.pk}/dashboards/{page.format(department=department.pk)}"
    url = url.replace("?", "/?") if "?" in url else url + "/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", DASHBOARDS)
def test_dashboard_query_count_does_not_grow_with_the_plan(db, client, plans, page):
    small, large = plans
    client.login(username="leader", password=PASSWORD)
    _queries(client, small, page)  # warm the session and the content types
    counted = [_queries(client, plan, page) for plan in (small, large)]
    assert counted[0] == counted[1], f"{page}: {counted[0]} queries, then {counted[1]} at 10x"
    assert counted[0] <= MOST_QUERIES


def test_plan_home_summary_query_count_does_not_grow_with_the_plan(db, client, plans):
    small, large = plans
    client.login(username="leader", password=PASSWORD)
    counted = []
    for plan in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/plans/{plan.pk}/").status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1]


def test_the_large_plan_really_is_ten_times_larger(db, plans):
    small, large = plans
    assert large.goals.count() == 10 * small.goals.count() == 80
    assert large.initiatives.count() == 10 * small.initiatives.count()
    assert large.goal_figures.count() == 10 * small.goal_figures.count() > 0
