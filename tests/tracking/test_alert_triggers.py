"""Alerts are recomputed shortly after data that feeds them changes (SPEC §4.6), once per commit."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from tests.factories import (
    GoalCheckpointFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementFactory,
    MilestoneFactory,
)
from tracking.models import Alert


def _forget_set_up_callbacks():
    """The set-up saves queued a recompute that a real request would have run at its commit;
    inside the test's transaction it is still pending and would stand for the next save."""
    transaction.get_connection().run_on_commit.clear()


def _recomputes(callbacks, plan):
    return [c for c in callbacks if getattr(c, "recompute_plan_id", None) == plan.pk]


def test_many_saves_in_one_transaction_ask_for_one_recompute(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        goal = GoalFactory(plan=people.plan, department=people.sales)
        GoalCheckpointFactory(goal=goal, quarter=1)
        initiative = InitiativeFactory(plan=people.plan, department=people.sales)
        MilestoneFactory(initiative=initiative)
        initiative.depends_on.add(InitiativeFactory(plan=people.plan, department=people.sales))
    assert len(_recomputes(callbacks, people.plan)) == 1


def test_a_value_typed_for_a_goal_raises_its_alert_after_the_commit(
    people, django_capture_on_commit_callbacks
):
    goal = GoalFactory(
        plan=people.plan,
        department=people.sales,
        baseline=Decimal("0"),
        target=Decimal("4"),
        due_date=dt.date(2026, 6, 30),
    )
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    GoalCheckpointFactory(goal=goal, quarter=2, planned_value=Decimal("4"))
    assert not Alert.objects.filter(subject_id=goal.pk, rule=Alert.Rule.GOAL_BEHIND).exists()
    _forget_set_up_callbacks()
    with django_capture_on_commit_callbacks(execute=True):
        MeasurementFactory(
            plan=people.plan, goal=goal, period=dt.date(2026, 3, 1), value=Decimal("1")
        )
    assert Alert.objects.filter(
        subject_id=goal.pk, rule=Alert.Rule.GOAL_BEHIND, state=Alert.State.OPEN
    ).exists()
