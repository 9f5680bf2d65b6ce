"""Reads for the dashboards and the plan home, each in a fixed number of queries.

Page cost must not grow with plan size (SPEC §6): every function here runs one query (or a
fixed few) — goal figures kept up to date by the alert jobs, set-based aggregates (GROUP BY)
for money, joined `values()` rows for dependencies — never one query per goal or department.
The rules of SPEC §4 are applied by the callers (`tracking/dashboards.py`) to what these
return; nothing here computes a figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum

from planning.models import BudgetLine, Goal, Initiative, Plan
from tracking.constants import STATUS_ORDER
from tracking.models import Alert, GoalFigure, Kpi, KpiTarget, Measurement, Spend
from tracking.rule_inputs import fast_frame

ALL_STATUSES = ("on_track", "at_risk", "behind", "no_data")


def _figures(plan: Plan, month: dt.date, department_id: int | None) -> QuerySet[GoalFigure]:
    """The goal figures of `month` (stored at the month's first day). The alert job keeps
    figures only for goals it evaluates (active and achieved ones; a dropped goal's figures go
    at its next run), so no join to the goals is needed to leave dropped goals out."""
    figures = GoalFigure.objects.filter(plan=plan, period=month.replace(day=1))
    if department_id is not None:
        figures = figures.filter(goal__department_id=department_id)
    return figures


# Goals ----------------------------------------------------------------------------------------


def goal_status_counts(
    plan: Plan, month: dt.date, department_id: int | None = None
) -> dict[str, int]:
    """Goals per status at the end of `month` (one GROUP BY query); every status present."""
    # count(*) lets PostgreSQL answer from the goal_figure_worst_first index alone.
    rows = _figures(plan, month, department_id).values("status").annotate(n=Count("*"))
    counts = dict.fromkeys(ALL_STATUSES, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


@dataclass(frozen=True)
class GoalFigureRow:
    goal_id: int
    title: str
    department: str
    unit: str
    baseline: object
    target: object
    planned: object
    actual: object
    shortfall: object
    status: str


def goal_figures_worst_first(
    plan: Plan, month: dt.date, department_id: int | None = None, limit: int | None = 30
) -> list[GoalFigureRow]:
    """Goal figures at `month`, behind first, then at risk, no data, on track; within a status
    the largest shortfall first. One query per status, each walking the
    `goal_figure_worst_first` index and stopping after `limit` rows, then one for the goals
    of the chosen rows: the cost does not grow with the number of goals."""
    figures: list[tuple] = []
    for status in STATUS_ORDER:
        rows = (
            _figures(plan, month, department_id)
            .filter(status=status)
            .order_by("-shortfall", "-goal_id")
            .values_list("goal_id", "planned", "actual", "shortfall", "status")
        )
        figures += rows[:limit] if limit is not None else rows
    figures = figures[:limit] if limit is not None else figures
    goals = {
        row[0]: row[1:]
        for row in Goal.objects.filter(pk__in=[f[0] for f in figures]).values_list(
            "pk", "title", "department__name", "unit", "baseline", "target"
        )
    }
    return [
        GoalFigureRow(goal_id, *_goal_fields(goals.get(goal_id)), *rest)
        for goal_id, *rest in figures
    ]


def _goal_fields(fields) -> tuple:
    if fields is None:  # deleted between the two reads
        return ("–", "", "", None, None)
    title, department, unit, baseline, target = fields
    return (title, department or "", unit, baseline, target)


# Alerts ---------------------------------------------------------------------------------------


def open_alerts(plan: Plan, limit: int = 10, department_id: int | None = None) -> list[Alert]:
    """The open alerts worth looking at first: critical before warning, newest month first.
    One query per severity, each walking the `alert_pressing_first` index and stopping after
    `limit` rows, so the cost does not grow with the number of alerts."""
    alerts = Alert.objects.filter(plan=plan, state=Alert.State.OPEN)
    if department_id is not None:
        alerts = alerts.filter(department_id=department_id)
    pressing = [
        list(
            alerts.filter(severity=severity)
            .select_related("department", "owner")
            .order_by("-period", "-id")[:limit]
        )
        for severity in (Alert.Severity.CRITICAL, Alert.Severity.WARNING)
    ]
    return [*pressing[0], *pressing[1]][:limit]


# Counting stops here: "1,000+" says enough, and the count then costs the same at any size.
ALERT_COUNT_CAP = 1_000


def open_alert_count(plan: Plan, department_id: int | None = None) -> int:
    """How many alerts are open, counted up to ALERT_COUNT_CAP + 1 (then shown as "1,000+")."""
    alerts = Alert.objects.filter(plan=plan, state=Alert.State.OPEN)
    if department_id is not None:
        alerts = alerts.filter(department_id=department_id)
    return alerts.order_by()[: ALERT_COUNT_CAP + 1].count()


# Departments ----------------------------------------------------------------------------------


class DepartmentRef(NamedTuple):
    """A department as filters and charts name it."""

    pk: int
    name: str


def departments(plan: Plan) -> list[DepartmentRef]:
    """The plan's departments by name, for filters and as chart rows (one narrow query: plans
    may have hundreds of departments)."""
    return [
        DepartmentRef(*row) for row in plan.departments.order_by("name").values_list("pk", "name")
    ]


# Money ----------------------------------------------------------------------------------------


def budget_by_department_month(plan: Plan, department_id: int | None = None) -> pd.DataFrame:
    """Planned amounts summed per department and month (GROUP BY in SQL): department_id,
    month, amount."""
    return _money_frame(BudgetLine.objects.filter(plan=plan), department_id)


def spend_by_department_month(plan: Plan, department_id: int | None = None) -> pd.DataFrame:
    """Actual spend summed per department and month (GROUP BY in SQL): department_id, month,
    amount."""
    return _money_frame(Spend.objects.filter(plan=plan), department_id)


def _money_frame(rows: QuerySet, department_id: int | None) -> pd.DataFrame:
    """department_id, month (the month's first day as datetime64), amount (float): one row per
    department and month, straight from the database cursor (12,000 rows in a big plan)."""
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    grouped = rows.order_by().values("department_id", "month").annotate(amount=Sum("amount"))
    frame = fast_frame(grouped, ["department_id", "month", "amount"], dates=("month",))
    return frame.astype({"month": "datetime64[ns]", "amount": "float64"})


# KPIs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiData:
    """A KPI with its monthly targets and values, keyed by the month's first day."""

    kpi: Kpi
    targets: dict[dt.date, object]
    values: dict[dt.date, object]


def department_kpis(plan: Plan, department_id: int, limit: int = 8) -> list[KpiData]:
    """The department's KPIs with targets and values (three queries)."""
    kpis = list(plan.kpis.filter(department_id=department_id).order_by("name", "id")[:limit])
    ids = [kpi.pk for kpi in kpis]
    targets: dict[int, dict] = {pk: {} for pk in ids}
    values: dict[int, dict] = {pk: {} for pk in ids}
    for kpi_id, month, target in KpiTarget.objects.filter(kpi_id__in=ids).values_list(
        "kpi_id", "month", "target"
    ):
        targets[kpi_id][month.replace(day=1)] = target
    for kpi_id, month, value in Measurement.objects.filter(kpi_id__in=ids).values_list(
        "kpi_id", "period", "value"
    ):
        values[kpi_id][month.replace(day=1)] = value
    return [KpiData(kpi, targets[kpi.pk], values[kpi.pk]) for kpi in kpis]


# Initiatives and dependencies -----------------------------------------------------------------

INITIATIVE_FIELDS = ("id", "title", "department_id", "start", "planned_end", "status")
_END_FIELDS = {"from": "from_initiative", "to": "to_initiative"}


def roadmap_initiatives(
    plan: Plan, department_id: int, limit: int | None = 40
) -> tuple[list[dict], int]:
    """The department's initiatives by start (at most `limit`) and how many it has in all
    (two queries)."""
    initiatives = Initiative.objects.filter(plan=plan, department_id=department_id)
    rows = initiatives.order_by("start", "planned_end", "id").values(*INITIATIVE_FIELDS)
    shown = list(rows[:limit] if limit is not None else rows)
    return shown, initiatives.count()


def dependency_rows(plan: Plan, initiative_ids: list[int] | None = None) -> list[dict]:
    """Every "x depends on y" link of the plan with the fields the rule needs for both ends,
    in one joined query; with `initiative_ids`, only links touching those initiatives."""
    links = Initiative.depends_on.through.objects.filter(from_initiative__plan=plan)
    if initiative_ids is not None:
        links = links.filter(
            Q(from_initiative_id__in=initiative_ids) | Q(to_initiative_id__in=initiative_ids)
        )
    fields = [f"{end}__{name}" for end in _END_FIELDS.values() for name in INITIATIVE_FIELDS]
    fields += ["from_initiative__department__name", "to_initiative__department__name"]
    return list(links.order_by("from_initiative_id", "to_initiative_id").values(*fields))
