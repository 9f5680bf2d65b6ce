"""Recompute a plan's alerts shortly after data that feeds them changes in planning (SPEC §4.6).

Planning cannot import tracking, so its services send signals and tracking listens here:
`plan_data_changed` after edits of goals, checkpoints, goal status, initiatives (dates, status,
deletion), dependencies and milestones (sent inside the transaction), and `budget_lines_saved`
after a budget grid save (sent after the commit). Services of tracking that change
measurements, spend, KPIs and imports call `alerts_schedule_recompute` themselves, and edits in
the Django admin send `plan_data_changed` too; the daily beat job and leadership's "Recompute
now" remain for changes of the date alone (and for raw SQL). Many requests for one
plan in one transaction cause one recompute, run after the commit (none if it rolls back)."""

from planning.services.budgets import budget_lines_saved
from planning.signals import plan_data_changed
from tracking.services.alerts import alerts_schedule_recompute


def _plan_data_changed(sender, plan_id, **kwargs) -> None:
    alerts_schedule_recompute(plan_id=plan_id)


def _budget_grid_saved(sender, plan_id, **kwargs) -> None:
    alerts_schedule_recompute(plan_id=plan_id)


def connect() -> None:
    plan_data_changed.connect(_plan_data_changed, dispatch_uid="alerts-plan-data")
    budget_lines_saved.connect(_budget_grid_saved, dispatch_uid="alerts-budget-grid")
