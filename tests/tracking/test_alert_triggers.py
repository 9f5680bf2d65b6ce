"""Alerts are recomputed shortly after data that feeds them changes (SPEC §4.6), once per commit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from planning.models import BudgetLine
from planning.services.budgets import budget_lines_saved
from planning.services.goals import checkpoints_set, goal_create, goal_status_set, goal_update
from planning.services.roadmap import (
    DependencyCycleError,
    initiative_create,
    initiative_delete,
    initiative_dependency_add,
    initiative_dependency_remove,
    initiative_status_update,
    initiative_update,
    milestone_create,
    milestone_delete,
    milestone_set_done,
)
from tests.factories import (
    GoalCheckpointFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementFactory,
    MilestoneFactory,
    PlanFactory,
)
from tracking.models import Alert, Measurement
from tracking.services import alerts as alerts_service
from tracking.services.alerts import alerts_schedule_recompute


def _recomputes(callbacks, plan):
    return [c for c in callbacks if getattr(c, "recompute_plan_id", None) == plan.pk]


def test_many_requests_in_one_transaction_cause_one_recompute(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(5):
            alerts_schedule_recompute(plan_id=people.plan.pk)
    assert len(_recomputes(callbacks, people.plan)) == 1


def test_a_budget_grid_save_asks_for_a_recompute(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        budget_lines_saved.send(sender=BudgetLine, plan_id=people.plan.pk, category="opex")
    assert len(_recomputes(callbacks, people.plan)) == 1


# ---------------------------------------------------------------------------------------------
# Planning edits (planning sends plan_data_changed, tracking schedules the recompute)


def _goal(people, **fields):
    return GoalFactory(plan=people.plan, department=people.sales, owner=people.head_sales, **fields)


def _initiative(people, **fields):
    return InitiativeFactory(
        plan=people.plan, department=people.sales, owner=people.head_sales, **fields
    )


def _goal_create(people):
    values = {
        "department": people.sales,
        "owner": people.head_sales,
        "title": "Hire four enterprise account executives",
        "metric_name": "AEs onboarded",
        "unit": "people",
        "baseline": Decimal("0"),
        "target": Decimal("4"),
        "due_date": dt.date(2026, 6, 30),
    }
    checkpoints = {1: Decimal("2"), 2: Decimal("4")}
    return lambda: goal_create(
        plan=people.plan, user=people.head_sales, values=values, checkpoints=checkpoints
    )


def _goal_update(people):
    goal = _goal(people)
    return lambda: goal_update(
        goal=goal,
        user=people.head_sales,
        expected_version=goal.version,
        changes={"target": Decimal("5")},
        checkpoints={1: Decimal("2"), 2: Decimal("5")},
    )


def _checkpoints_set(people):
    goal = _goal(people)
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    return lambda: checkpoints_set(goal=goal, values={1: Decimal("3"), 2: Decimal("4")})


def _goal_status(people):
    goal = _goal(people)
    return lambda: goal_status_set(
        goal=goal, user=people.head_sales, expected_version=goal.version, status="dropped"
    )


def _initiative_create(people):
    first = _initiative(people)
    data = {
        "department": people.sales,
        "owner": people.head_sales,
        "title": "Open the Munich office",
        "start": dt.date(2026, 3, 1),
        "estimate_days": 20,
        "buffer_pct": 20,
        "depends_on": [first],
    }
    return lambda: initiative_create(plan=people.plan, data=data)


def _initiative_update(people):
    initiative = _initiative(people)
    return lambda: initiative_update(
        initiative=initiative,
        expected_version=initiative.version,
        changes={"start": dt.date(2026, 4, 1), "depends_on": [_initiative(people)]},
    )


def _initiative_status(people):
    initiative = _initiative(people)
    return lambda: initiative_status_update(
        initiative=initiative, expected_version=initiative.version, status="in_progress"
    )


def _initiative_delete(people):
    initiative = _initiative(people)
    return lambda: initiative_delete(initiative=initiative)


def _dependency_add(people):
    x, y = _initiative(people), _initiative(people)
    return lambda: initiative_dependency_add(initiative=x, depends_on=y)


def _dependency_remove(people):
    x, y = _initiative(people), _initiative(people)
    x.depends_on.add(y)
    return lambda: initiative_dependency_remove(initiative=x, depends_on=y)


def _milestone_create(people):
    initiative = _initiative(people)
    return lambda: milestone_create(
        initiative=initiative, title="Lease signed", due_date=dt.date(2026, 3, 15)
    )


def _milestone_done(people):
    milestone = MilestoneFactory(initiative=_initiative(people))
    return lambda: milestone_set_done(milestone=milestone, done=True, today=dt.date(2026, 3, 2))


def _milestone_delete(people):
    milestone = MilestoneFactory(initiative=_initiative(people))
    return lambda: milestone_delete(milestone=milestone)


EDITS = [
    _goal_create,
    _goal_update,
    _checkpoints_set,
    _goal_status,
    _initiative_create,
    _initiative_update,
    _initiative_status,
    _initiative_delete,
    _dependency_add,
    _dependency_remove,
    _milestone_create,
    _milestone_done,
    _milestone_delete,
]


@pytest.mark.parametrize("prepare", EDITS, ids=[e.__name__.lstrip("_") for e in EDITS])
def test_a_planning_edit_asks_for_one_recompute_of_its_plan(
    people, django_capture_on_commit_callbacks, prepare
):
    other = PlanFactory()
    edit = prepare(people)  # set-up by factories, which ask for nothing
    with django_capture_on_commit_callbacks() as callbacks:
        edit()
    assert len(_recomputes(callbacks, people.plan)) == 1
    assert _recomputes(callbacks, other) == []


def test_many_planning_edits_in_one_transaction_cause_one_recompute(
    people, django_capture_on_commit_callbacks
):
    edits = [prepare(people) for prepare in EDITS]
    with django_capture_on_commit_callbacks() as callbacks:
        for edit in edits:
            edit()
    assert len(_recomputes(callbacks, people.plan)) == 1


def test_a_refused_planning_edit_asks_for_nothing(people, django_capture_on_commit_callbacks):
    x, y = _initiative(people), _initiative(people)
    y.depends_on.add(x)
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(DependencyCycleError):
            initiative_dependency_add(initiative=x, depends_on=y)
        with pytest.raises(ValidationError):
            goal_status_set(
                goal=_goal(people), user=people.head_sales, expected_version=1, status="lost"
            )
    assert _recomputes(callbacks, people.plan) == []


def test_edits_that_change_nothing_the_rules_read_ask_for_nothing(
    people, django_capture_on_commit_callbacks
):
    goal = _goal(people)
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    milestone = MilestoneFactory(initiative=_initiative(people), done=True)
    with django_capture_on_commit_callbacks() as callbacks:
        checkpoints_set(goal=goal, values={1: Decimal("2")})  # as it is
        milestone_set_done(milestone=milestone, done=True, today=dt.date(2026, 3, 2))  # again
    assert _recomputes(callbacks, people.plan) == []


def test_editing_a_goal_so_that_it_falls_behind_raises_an_alert_after_the_commit(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    """SPEC §4.2's worked example, reached by an edit: 1 hire by March was on track against a
    Q1 checkpoint of 1; raising the checkpoint to 2 makes the goal 50 % behind."""
    monkeypatch.setattr(alerts_service.timezone, "localdate", lambda: dt.date(2026, 4, 15))
    goal = _goal(people, title="Hire 4 enterprise AEs", baseline=Decimal("0"), target=Decimal("4"))
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("1"))
    GoalCheckpointFactory(goal=goal, quarter=2, planned_value=Decimal("4"))
    MeasurementFactory(plan=people.plan, goal=goal, period=dt.date(2026, 3, 1), value=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        goal_update(
            goal=goal,
            user=people.head_sales,
            expected_version=goal.version,
            changes={},
            checkpoints={1: Decimal("2"), 2: Decimal("4")},
        )
        assert not Alert.objects.filter(plan=people.plan).exists()  # not before the commit
    (alert,) = Alert.objects.filter(plan=people.plan)
    assert alert.rule == Alert.Rule.GOAL_BEHIND
    assert (alert.subject_type, alert.subject_id) == ("goal", goal.pk)
    assert alert.period == dt.date(2026, 3, 1)
    assert alert.message == "Hire 4 enterprise AEs is 50 % behind plan (1 of 2 planned by 31 Mar)"


# ---------------------------------------------------------------------------------------------
# Edits in the Django admin bypass the services and still ask for a recompute


@pytest.fixture
def site_admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("site-admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_a_milestone_changed_in_the_admin_asks_for_a_recompute(
    people, site_admin, django_capture_on_commit_callbacks
):
    milestone = MilestoneFactory(initiative=_initiative(people), due_date=dt.date(2026, 3, 1))
    url = f"/admin/planning/milestone/{milestone.pk}/change/"
    form = {
        "initiative": milestone.initiative_id,
        "title": milestone.title,
        "due_date": "2026-02-01",
        "done": "",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = site_admin.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    milestone.refresh_from_db()
    assert milestone.due_date == dt.date(2026, 2, 1)
    assert len(_recomputes(callbacks, people.plan)) == 1


def test_measurements_deleted_in_the_admin_ask_for_a_recompute_of_their_plan(
    people, site_admin, django_capture_on_commit_callbacks
):
    other_plan = PlanFactory()
    values = [MeasurementFactory(plan=people.plan) for _ in range(2)]
    selected = {"_selected_action": [v.pk for v in values], "post": "yes"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = site_admin.post(
            "/admin/tracking/measurement/", {"action": "delete_selected", **selected}
        )
    assert response.status_code == 302
    assert not Measurement.objects.filter(pk__in=[v.pk for v in values]).exists()
    assert len(_recomputes(callbacks, people.plan)) == 1
    assert _recomputes(callbacks, other_plan) == []


def test_a_goal_deleted_in_the_admin_asks_for_a_recompute(
    people, site_admin, django_capture_on_commit_callbacks
):
    goal = _goal(people)
    with django_capture_on_commit_callbacks() as callbacks:
        response = site_admin.post(f"/admin/planning/goal/{goal.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert len(_recomputes(callbacks, people.plan)) == 1
