"""Recompute a plan's alerts after any change to data the rules read (SPEC §4.6: "shortly after
data that feeds them changes"). Planning cannot import tracking, so tracking listens to planning's
saves here; bulk writers (grids, imports) call `alerts_schedule_recompute` themselves or send
`budget_lines_saved`. Many saves in one transaction still cause one recompute."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from planning.models import BudgetLine, Goal, GoalCheckpoint, Initiative, Milestone
from planning.services.budgets import budget_lines_saved
from tracking.models import Kpi, KpiTarget, Measurement, Spend
from tracking.services.alerts import alerts_schedule_recompute


def _plan_id_of(instance) -> int | None:
    if isinstance(instance, GoalCheckpoint):
        return Goal.objects.filter(pk=instance.goal_id).values_list("plan_id", flat=True).first()
    if isinstance(instance, Milestone):
        return (
            Initiative.objects.filter(pk=instance.initiative_id)
            .values_list("plan_id", flat=True)
            .first()
        )
    if isinstance(instance, KpiTarget):
        return Kpi.objects.filter(pk=instance.kpi_id).values_list("plan_id", flat=True).first()
    return getattr(instance, "plan_id", None)


def _changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # fixtures being loaded
        return
    plan_id = _plan_id_of(instance)
    if plan_id is not None:
        alerts_schedule_recompute(plan_id=plan_id)


def _dependencies_changed(sender, instance, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        alerts_schedule_recompute(plan_id=instance.plan_id)


def _budget_grid_saved(sender, plan_id, **kwargs) -> None:
    alerts_schedule_recompute(plan_id=plan_id)


FEEDS_ALERTS = [
    Goal,
    GoalCheckpoint,
    Initiative,
    Milestone,
    BudgetLine,
    Kpi,
    KpiTarget,
    Measurement,
    Spend,
]


def connect() -> None:
    for model in FEEDS_ALERTS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"alerts-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"alerts-{model.__name__}-del")
    m2m_changed.connect(
        _dependencies_changed, sender=Initiative.depends_on.through, dispatch_uid="alerts-deps"
    )
    budget_lines_saved.connect(_budget_grid_saved, dispatch_uid="alerts-budget-grid")
