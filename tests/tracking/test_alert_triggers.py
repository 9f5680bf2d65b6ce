"""Alerts are recomputed shortly after data that feeds them changes (SPEC §4.6), once per commit."""

from planning.models import BudgetLine
from planning.services.budgets import budget_lines_saved
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
