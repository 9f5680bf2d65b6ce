"""Inputs of the rules of SPEC §4.2–§4.5 for one plan, fetched as DataFrames in a fixed number
of queries each (`.values()`, no model instances), whatever the plan's size.

The alert computation, the dashboards and the review pack read the same frames and hand them
to the pure functions in `tracking/variance.py`, `tracking/burn.py`, `tracking/thresholds.py`
and `planning/dependencies.py`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import pandas as pd
from django.db import connection, connections
from django.db.models import F, Func, IntegerField, QuerySet

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


def fast_frame(
    rows: QuerySet,
    columns: list[str],
    *,
    text: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Like `_frame` for the big tables (a row per goal and month): on PostgreSQL the rows
    come as one CSV stream (`COPY … TO STDOUT`) parsed by pandas, elsewhere straight from the
    cursor — no per-row work in Python either way. Missing values arrive as NaN (ids with
    gaps as floats); name the `text` columns (kept as text even when they look like
    numbers) and the `dates` columns (they travel as day numbers, which is cheaper than
    text, and arrive as datetime64, NaT for none); other dates arrive as ISO text."""
    epoch = {name: f"epoch_days_{name}" for name in dates}
    if epoch:
        rows = rows.annotate(**{alias: EpochDays(F(name)) for name, alias in epoch.items()})
    selected = [epoch.get(name, name) for name in columns]
    query = rows.order_by().values_list(*selected).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert"):
            frame = _copy_frame(cursor, sql, params, selected, text)
        else:
            cursor.execute(sql, params)
            data = cursor.fetchall()
            names = [column[0] for column in cursor.description]
            frame = pd.DataFrame.from_records(data, columns=names)[selected]
    frame.columns = columns
    for name in dates:
        frame[name] = _day_numbers_to_dates(frame[name])
    return frame


def _day_numbers_to_dates(days: pd.Series) -> np.ndarray:
    """Days since 1970 (ints, or floats with NaN for none) → datetime64[ns], NaT for none."""
    numbers = pd.to_numeric(days, errors="coerce").to_numpy(dtype="float64")
    known = ~np.isnan(numbers)
    dates = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[ns]")
    dates[known] = numbers[known].astype("int64").astype("datetime64[D]")
    return dates


class EpochDays(Func):
    """A date as whole days since 1 January 1970."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "(%(expressions)s - DATE '1970-01-01')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _copy_frame(cursor, sql: str, params, columns: list[str], text) -> pd.DataFrame:
    """Run the query as `COPY (query) TO STDOUT` (psycopg2) and read the CSV with pandas,
    about twice as fast as fetching the rows as tuples."""
    buffer = io.BytesIO()
    query = cursor.mogrify(sql, params).decode()
    cursor.cursor.copy_expert(
        f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '\\N')", buffer
    )
    buffer.seek(0)
    types = dict.fromkeys(text, "str")
    return pd.read_csv(buffer, na_values=["\\N"], keep_default_na=False, dtype=types)[columns]


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
    goals = goals.annotate(goal_id=F("id"), department_head_id=F("department__head_id"))
    g = fast_frame(
        goals,
        [
            "goal_id",
            "baseline",
            "target",
            "due_date",
            "direction",
            "title",
            "unit",
            "status",
            "owner_id",
            "department_id",
            "department_head_id",
        ],
        text=("direction", "title", "unit", "status"),
        dates=("due_date",),
    )
    g.insert(1, "plan_start", np.datetime64(plan.start, "ns"))
    checkpoints = fast_frame(
        GoalCheckpoint.objects.filter(goal__plan=plan), ["goal_id", "quarter", "planned_value"]
    )
    measurements = Measurement.objects.filter(plan=plan, goal__isnull=False)
    if until is not None:
        measurements = measurements.filter(period__lte=until)
    measurements = fast_frame(measurements, ["goal_id", "period", "value"], dates=("period",))
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
        fast_frame(budget, ["department_id", "month", "amount"], dates=("month",)),
        fast_frame(spend, ["department_id", "month", "amount"], dates=("month",)),
    )


def dependency_inputs(plan: Plan, *, titles: bool = False) -> pd.DataFrame:
    """Every dependency of the plan with what the rule needs of both ends ("x depends on y"):
    the columns of DEPENDENCY_COLUMNS (and x_title, y_title with `titles`), dates as
    datetime64 — one query. The alert job fetches names only for the few that block
    (`initiative_words`)."""
    through = Initiative.depends_on.through.objects.filter(from_initiative__plan=plan)
    ends = {"x": "from_initiative", "y": "to_initiative"}
    fields = {"start": "start", "end": "planned_end", "status": "status"}
    fields |= {"department_id": "department_id"} | ({"title": "title"} if titles else {})
    edges = through.annotate(
        **{f"{end}_id": F(f"{name}_id") for end, name in ends.items()},
        **{
            f"{end}_{column}": F(f"{name}__{field}")
            for end, name in ends.items()
            for column, field in fields.items()
        },
    )
    columns = [*DEPENDENCY_COLUMNS, *(["x_title", "y_title"] if titles else [])]
    return fast_frame(
        edges,
        columns,
        text=("x_status", "y_status", "x_title", "y_title"),
        dates=("x_start", "x_end", "y_start", "y_end"),
    )


DEPENDENCY_COLUMNS = tuple(
    f"{end}_{column}"
    for end in ("x", "y")
    for column in ("id", "start", "end", "status", "department_id")
)


def initiative_words(plan: Plan, ids) -> pd.DataFrame:
    """Names of some initiatives of the plan: initiative_id, title, department_id,
    department_name, owner_id, department_head_id — one query (none for no ids)."""
    columns = [
        "initiative_id",
        "title",
        "department_id",
        "department_name",
        "owner_id",
        "department_head_id",
    ]
    ids = [int(i) for i in ids]
    if not ids:
        return pd.DataFrame(columns=columns)
    rows = Initiative.objects.filter(plan=plan, id__in=ids).annotate(
        initiative_id=F("id"),
        department_name=F("department__name"),
        department_head_id=F("department__head_id"),
    )
    return fast_frame(rows, columns, text=("title", "department_name"))


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
    rows = fast_frame(
        milestones,
        [
            "id",
            "due_date",
            "title",
            "initiative_title",
            "department_id",
            "owner_id",
            "department_head_id",
        ],
        text=("title", "initiative_title"),
        dates=("due_date",),
    )
    rows.insert(2, "done", False)
    return rows


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
        fast_frame(
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
            text=("name", "unit", "direction"),
        ),
        fast_frame(targets, ["kpi_id", "month", "target"], dates=("month",)),
        fast_frame(measurements, ["kpi_id", "period", "value"], dates=("period",)),
    )


# ---------------------------------------------------------------------------------------------
# Fetching ahead


class Prefetch:
    """Inputs fetched ahead of the work that needs them.

    With `background`, a thread runs the fetchers one after the other, in the order given, on
    its own database connection (closed when it is done), while the caller computes with what
    has arrived: on a big plan the database spends about as long producing the rows as Python
    spends on them, and the two overlap. A caller that asks for an input the thread is still
    reading does not wait idle: it reads, on its own connection, the inputs the thread has not
    started yet (the last ones first). Without `background`, each fetcher runs on the caller's
    connection when its result is first asked for.

    Background fetching only reads committed data, so it is for a caller that runs in its own
    transaction with nothing uncommitted that the inputs depend on (see
    `tracking.services.alerts.alerts_recompute`)."""

    def __init__(self, fetchers: dict[str, Callable[[], object]], *, background: bool):
        self._fetchers = fetchers
        self._results: dict[str, object] = {}
        self._pool = ThreadPoolExecutor(max_workers=1) if background else None
        self._futures = {}
        if self._pool is not None:
            for name, fetch in fetchers.items():
                self._futures[name] = self._pool.submit(fetch)
            self._pool.submit(connections.close_all)  # the thread's own connection

    def get(self, name: str):
        future = self._futures.get(name)
        # While the thread is busy, the caller does not wait idle: it fetches, on its own
        # connection, the inputs the thread has not started (the last ones first).
        while future is not None and not future.done() and self._take_over_one():
            pass
        if name not in self._results:
            if future is not None:
                return future.result()
            self._results[name] = self._fetchers[name]()
        return self._results[name]

    def _take_over_one(self) -> bool:
        """Fetch here the last input the thread has not started; False when there is none."""
        for name, future in reversed(self._futures.items()):
            if name not in self._results and future.cancel():
                self._results[name] = self._fetchers[name]()
                return True
        return False

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            for future in self._futures.values():
                future.cancel()  # the caller failed: no need to fetch the rest
            self._pool.shutdown(wait=True)
