"""Recompute a plan's alerts after the budget grid saves (SPEC §4.6: "shortly after data that
feeds them changes"). Planning cannot import tracking, so the grid sends `budget_lines_saved` and
tracking listens here. Services that change measurements, spend, KPIs and imports call
`alerts_schedule_recompute` themselves; the daily beat job and leadership's "Recompute now" cover
edits to goals and roadmaps. Many requests for one plan in one transaction cause one recompute."""

from planning.services.budgets import budget_lines_saved
from tracking.services.alerts import alerts_schedule_recompute


def _budget_grid_saved(sender, plan_id, **kwargs) -> None:
    alerts_schedule_recompute(plan_id=plan_id)


def connect() -> None:
    budget_lines_saved.connect(_budget_grid_saved, dispatch_uid="alerts-budget-grid")
