"""Inputs of the rules of SPEC §4.2–§4.5 for one plan, fetched as DataFrames in a fixed number
of queries each (`.values()`, no model instances), whatever the plan's size.

The alert computation, the dashboards and the review pack read the same frames and hand them
to the pure functions in `tracking/variance.py`, `tracking/burn.py`, `tracking/thresholds.py`
and `planning/dependencies.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast

from planning.models import (
    BudgetLine,
    Department,
    Goal,
    GoalCheckpoint,
    Initiative,
    Milestone,
    Plan,
)
from tracking.models import Kpi, KpiTarget, Measurement, Spend


class GoalInputs(NamedTuple):
    """What `variance.goal_positions` needs, plus the goal's words for messages."""

    goals: pd.DataFrame  # goal_id, plan_start, baseline, target, due_date, direction, title,
    # unit, status, owner_id, department_id, department_head_id
    checkpoints: pd.DataFrame  # goal_id, quarter, planned_value
    measurements: pd.DataFrame  # goal_id, period, value


class KpiInputs(NamedTuple):
    kpis: pd.DataFrame  # kpi_id, name, unit, direction, warning_threshold, critical_threshold,
    # department_id, department_head_id, goal_owner_id
    targets: pd.DataFrame  # kpi_id, month, target
    measurements: pd.DataFrame  # kpi_id, period, value


def _frame(rows: QuerySet, columns: list[str]) -> pd.DataFrame:
    """A DataFrame from `.values(*columns)` rows, with the columns even when empty."""
    rows = rows.order_by()  # no default ordering: it would sort (and join) for nothing
    return pd.DataFrame.from_records(list(rows.values_list(*columns)), columns=columns)


def fast_frame(rows: QuerySet, columns: list[str]) -> pd.DataFrame:
    """Like `_frame` for the big tables (a row per goal and month): the rows come straight
    from the database cursor, without Django's per-row work. Dates may arrive as ISO text
    (SQLite), so use it for columns that pandas parses, not for dates handed to Python."""
    query = rows.order_by().values_list(*columns).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        data = cursor.fetchall()
        selected = [column[0] for column in cursor.description]
    return pd.DataFrame.from_records(data, columns=selected)[columns]


def _as_float(name: str) -> Cast:
    """Numbers for the rules arrive as floats: the database converts, which is much faster
    than building a Decimal per row in Python (120,000 measurements a year)."""
    return Cast(name, FloatField())


def goal_inputs(
    plan: Plan, *, statuses: tuple[str, ...] | None = None, until: dt.date | None = None
) -> GoalInputs:
    """Goals of the plan (optionally only those in `statuses`), their checkpoints and the
    measurements of months starting on or before `until` (three queries).

    Checkpoints and measurements are fetched for the whole plan and narrowed here: a plain
    filter on the plan is a fast index scan, while `goal IN (subquery)` lets the planner
    pick a nested loop on fresh tables (seconds instead of milliseconds)."""
    goals = Goal.objects.filter(plan=plan)
    if statuses is not None:
        goals = goals.filter(status__in=statuses)
    goals = goals.annotate(
        goal_id=F("id"),
        department_head_id=F("department__head_id"),
        baseline_f=_as_float("baseline"),
        target_f=_as_float("target"),
    )
    g = _frame(
        goals,
        [
            "goal_id",
            "baseline_f",
            "target_f",
            "due_date",
            "direction",
            "title",
            "unit",
            "status",
            "owner_id",
            "department_id",
            "department_head_id",
        ],
    )
    g = g.rename(columns={"baseline_f": "baseline", "target_f": "target"})
    g.insert(1, "plan_start", plan.start)
    checkpoints = fast_frame(
        GoalCheckpoint.objects.filter(goal__plan=plan).annotate(v=_as_float("planned_value")),
        ["goal_id", "quarter", "v"],
    ).rename(columns={"v": "planned_value"})
    measurements = Measurement.objects.filter(plan=plan, goal__isnull=False)
    if until is not None:
        measurements = measurements.filter(period__lte=until)
    measurements = fast_frame(
        measurements.annotate(v=_as_float("value")), ["goal_id", "period", "v"]
    ).rename(columns={"v": "value"})
    ids = g["goal_id"]
    return GoalInputs(
        g,
        checkpoints[checkpoints["goal_id"].isin(ids)].reset_index(drop=True),
        measurements[measurements["goal_id"].isin(ids)].reset_index(drop=True),
    )


def budget_inputs(plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(departments: department_id, name, head_id; budget lines and spend: department_id,
    month, amount) — three queries."""
    departments = Department.objects.filter(plan=plan).annotate(department_id=F("id"))
    budget = BudgetLine.objects.filter(plan=plan)
    spend = Spend.objects.filter(plan=plan)
    return (
        _frame(departments, ["department_id", "name", "head_id"]),
        _frame(budget, ["department_id", "month", "amount"]),
        _frame(spend, ["department_id", "month", "amount"]),
    )


def initiative_inputs(plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(initiatives: initiative_id, department_id, department_name, department_head_id, start,
    planned_end, status, title, owner_id; edges: x_id depends on y_id) — two queries."""
    initiatives = Initiative.objects.filter(plan=plan).annotate(
        initiative_id=F("id"),
        department_name=F("department__name"),
        department_head_id=F("department__head_id"),
    )
    edges = Initiative.depends_on.through.objects.filter(from_initiative__plan=plan).annotate(
        x_id=F("from_initiative_id"), y_id=F("to_initiative_id")
    )
    return (
        _frame(
            initiatives,
            [
                "initiative_id",
                "department_id",
                "department_name",
                "department_head_id",
                "start",
                "planned_end",
                "status",
                "title",
                "owner_id",
            ],
        ),
        _frame(edges, ["x_id", "y_id"]),
    )


def open_milestone_inputs(plan: Plan, *, due_before: dt.date) -> pd.DataFrame:
    """Milestones not done and due before `due_before`, with their initiative's words
    (id, due_date, done, title, initiative_title, department_id, owner_id,
    department_head_id) — one query."""
    milestones = Milestone.objects.filter(
        initiative__plan=plan, done=False, due_date__lt=due_before
    ).annotate(
        initiative_title=F("initiative__title"),
        department_id=F("initiative__department_id"),
        owner_id=F("initiative__owner_id"),
        department_head_id=F("initiative__department__head_id"),
    )
    return _frame(
        milestones,
        [
            "id",
            "due_date",
            "done",
            "title",
            "initiative_title",
            "department_id",
            "owner_id",
            "department_head_id",
        ],
    )


def kpi_inputs(plan: Plan, *, until: dt.date | None = None) -> KpiInputs:
    """KPIs of the plan, their monthly targets and values (three queries)."""
    kpis = Kpi.objects.filter(plan=plan).annotate(
        kpi_id=F("id"),
        department_head_id=F("department__head_id"),
        goal_owner_id=F("goal__owner_id"),
    )
    targets = KpiTarget.objects.filter(kpi__plan=plan)
    measurements = Measurement.objects.filter(plan=plan, kpi__isnull=False)
    if until is not None:
        targets = targets.filter(month__lte=until)
        measurements = measurements.filter(period__lte=until)
    return KpiInputs(
        _frame(
            kpis,
            [
                "kpi_id",
                "name",
                "unit",
                "direction",
                "warning_threshold",
                "critical_threshold",
                "department_id",
                "department_head_id",
                "goal_owner_id",
            ],
        ),
        _frame(targets, ["kpi_id", "month", "target"]),
        _frame(measurements, ["kpi_id", "period", "value"]),
    )
