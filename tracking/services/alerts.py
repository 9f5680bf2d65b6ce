"""Alerts (SPEC §4.6): recompute a plan's alerts and goal figures, queue that after data
changes, acknowledge an alert, set the plan's webhook.

`alerts_recompute` evaluates every rule of SPEC §4.2–§4.5 for one plan in a fixed number of
set-based queries (about 20, whatever the plan's size): the inputs come as DataFrames from
`tracking.rule_inputs`, the pure functions compute, and two single-statement upserts write
the goal figures and the alerts. It is idempotent and safe to run twice at once:

- a per-plan lock (`pg_advisory_xact_lock` on PostgreSQL; SQLite serialises writers itself)
  makes concurrent runs take turns, and the unique key (plan, rule, subject_type,
  subject_id, period) with `INSERT … ON CONFLICT` keeps one alert per condition anyway;
- an alert seen again keeps its state (acknowledged stays acknowledged) and gets the new
  severity and message; a resolved alert whose condition returns is opened again;
- an open or acknowledged alert whose condition no longer holds is resolved, never deleted.

Which dates: month-based rules (goals behind, budget burned early, KPIs) are evaluated at the
latest complete month end — "as of March" is 31 March — and date-based rules (milestones
overdue, initiatives blocked, action items overdue) at today. With `as_of`, both use it.
Goal figures are kept for every elapsed month up to the evaluated one, so dashboards can
show history without recomputing.

Other apps add rules with `register_alert_source` (the monthly reviews register "action item
overdue"); imports go reviews → tracking, never back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone, translation

from planning.models import Goal, Plan
from tracking import alert_candidates as candidates_of
from tracking import burn, rule_inputs, thresholds, variance
from tracking.alert_candidates import AlertCandidate
from tracking.models import Alert, GoalFigure

logger = logging.getLogger(__name__)

# Goals that get figures (dropped goals are out of the plan) and alerts (achieved ones are done).
FIGURE_GOAL_STATUSES = (Goal.Status.ACTIVE, Goal.Status.ACHIEVED)
ALERT_GOAL_STATUSES = (Goal.Status.ACTIVE,)
_LOCK_CLASS = 7_206_341  # namespace of this module's PostgreSQL advisory locks
_BUILT_IN_RULES = (
    Alert.Rule.GOAL_BEHIND,
    Alert.Rule.BURN_EARLY,
    Alert.Rule.INITIATIVE_BLOCKED,
    Alert.Rule.MILESTONE_OVERDUE,
    Alert.Rule.KPI_THRESHOLD,
)


class AlertCounts(NamedTuple):
    """What a recompute found: conditions that hold now (`raised`), of which `new` never
    alerted before; alerts `resolved` by this run; and the plan's open and acknowledged
    alerts afterwards."""

    raised: int = 0
    new: int = 0
    resolved: int = 0
    open: int = 0
    acknowledged: int = 0


@dataclass(frozen=True)
class Evaluation:
    """The dates one recompute judges at: `month_end` for month-based rules (None before the
    plan's first month has ended), `months` every plan month end up to it, `at` for
    date-based rules."""

    month_end: dt.date | None
    months: tuple[dt.date, ...]
    at: dt.date


def evaluation_dates(plan: Plan, *, as_of: dt.date | None, today: dt.date) -> Evaluation:
    """Latest complete month end (of `as_of`, else of today), within the plan year."""
    at = as_of or today
    ended = [d for d in plan.month_ends() if d <= at]
    return Evaluation(ended[-1] if ended else None, tuple(ended), at)


# An extra rule: (plan, evaluation) → the alerts it raises now. Must read in fixed queries.
AlertSource = Callable[[Plan, Evaluation], Iterable[AlertCandidate]]
_SOURCES: dict[str, AlertSource] = {}


def register_alert_source(rule: str, source: AlertSource) -> None:
    """Let another app add a rule (an `Alert.Rule` value) to every recompute; call it from
    the app's `AppConfig.ready`. Alerts of a rule nobody registered are left alone."""
    _SOURCES[str(rule)] = source


# ---------------------------------------------------------------------------------------------
# Recompute


@transaction.atomic
def alerts_recompute(*, plan_id: int, as_of: dt.date | None = None) -> AlertCounts:
    """Evaluate every alert rule for the plan, refresh its goal figures, open, update and
    resolve its alerts (see the module docstring)."""
    _lock_plan(plan_id)
    plan = Plan.objects.get(pk=plan_id)
    when = evaluation_dates(plan, as_of=as_of, today=timezone.localdate())
    run_at = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        found = [
            *_goal_rule(plan, when, run_at),
            *_burn_rule(plan, when),
            *_blocked_rule(plan, when),
            *_milestone_rule(plan, when),
            *_kpi_rule(plan, when),
        ]
        for source in _SOURCES.values():
            found.extend(source(plan, when))
    _upsert_alerts(plan.pk, found, run_at)
    rules = [str(r) for r in _BUILT_IN_RULES] + list(_SOURCES)
    resolved = (
        Alert.objects.filter(plan_id=plan.pk, rule__in=rules, last_seen__lt=run_at)
        .exclude(state=Alert.State.RESOLVED)
        .update(state=Alert.State.RESOLVED, resolved_at=run_at)
    )
    return _counts(plan.pk, len(found), resolved, run_at)


def _lock_plan(plan_id: int) -> None:
    """Make concurrent recomputes of one plan take turns (released at commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, plan_id % 2**31])


def _goal_rule(plan: Plan, when: Evaluation, run_at: dt.datetime) -> list[AlertCandidate]:
    inputs = rule_inputs.goal_inputs(
        plan, statuses=FIGURE_GOAL_STATUSES, until=when.month_end or plan.start
    )
    positions = variance.goal_positions(
        inputs.goals,
        inputs.checkpoints,
        inputs.measurements,
        when.months,
        float(plan.behind_threshold),
    )
    _store_figures(plan.pk, positions, run_at)
    if when.month_end is None:
        return []
    active = inputs.goals[inputs.goals["status"].isin([str(s) for s in ALERT_GOAL_STATUSES])]
    return candidates_of.goal_alerts(
        positions, active, threshold=float(plan.behind_threshold), month_end=when.month_end
    )


def _burn_rule(plan: Plan, when: Evaluation) -> list[AlertCandidate]:
    if when.month_end is None:
        return []
    departments, budget, spend = rule_inputs.budget_inputs(plan)
    positions = burn.burn_positions(
        budget,
        spend,
        plan_start=plan.start,
        as_of=when.month_end,
        threshold=float(plan.burn_threshold),
    )
    return candidates_of.burn_alerts(
        positions, departments, currency=plan.currency, month_end=when.month_end
    )


def _blocked_rule(plan: Plan, when: Evaluation) -> list[AlertCandidate]:
    initiatives, edges = rule_inputs.initiative_inputs(plan)
    return candidates_of.blocked_alerts(initiatives, edges, at=when.at)


def _milestone_rule(plan: Plan, when: Evaluation) -> list[AlertCandidate]:
    milestones = rule_inputs.open_milestone_inputs(plan, due_before=when.at)
    return candidates_of.milestone_alerts(thresholds.overdue(milestones, when.at))


def _kpi_rule(plan: Plan, when: Evaluation) -> list[AlertCandidate]:
    if when.month_end is None:
        return []
    inputs = rule_inputs.kpi_inputs(plan, until=when.month_end)
    checks = thresholds.kpi_checks(inputs.kpis, inputs.targets, inputs.measurements, when.month_end)
    return candidates_of.kpi_alerts(checks, inputs.kpis)


# ---------------------------------------------------------------------------------------------
# Writes: one statement each, whatever the number of rows


def _store_figures(plan_id: int, positions: pd.DataFrame, run_at: dt.datetime) -> None:
    """Upsert one GoalFigure per goal and evaluated month, writing only the rows that changed
    (reading 120,000 stored figures is several times cheaper than upserting them); drop the
    figures of goals that are no longer evaluated (dropped)."""
    # A small subquery (the plan's dropped goals) keeps this an index lookup.
    dropped = Goal.objects.filter(plan_id=plan_id).exclude(status__in=FIGURE_GOAL_STATUSES)
    GoalFigure.objects.filter(goal__in=dropped.values("id")).delete()
    if positions.empty:
        return
    months = positions["as_of"].to_numpy().astype("datetime64[M]").astype("datetime64[D]")
    figures = pd.DataFrame(
        {
            "goal_id": positions["goal_id"].astype("int64"),
            "day": months.astype("int64"),  # the month's first day, as days since 1970
            "planned": positions["planned"].round(4),
            "actual": positions["actual"].round(4),
            # Stored with 6 digits before the point: a goal that planned almost no progress
            # can have an absurd shortfall, which is capped rather than refused.
            "shortfall": positions["shortfall"].clip(-999_999, 999_999).round(6),
            "status": positions["status"].astype(object),
        }
    )
    changed = _changed_figures(plan_id, figures)
    if changed.empty:
        return
    period = changed["day"].to_numpy().astype("datetime64[D]").astype(str)
    changed = changed.drop(columns="day").assign(period=period)
    _execute_rows(_FIGURE_UPSERT, plan_id, changed, run_at)


_FIGURE_VALUES = ["planned", "actual", "shortfall"]


def _changed_figures(plan_id: int, figures: pd.DataFrame) -> pd.DataFrame:
    """The rows of `figures` that are not stored yet or differ from what is stored."""
    stored = rule_inputs.fast_frame(
        GoalFigure.objects.filter(plan_id=plan_id).annotate(
            **{f"_{n}": Cast(n, FloatField()) for n in _FIGURE_VALUES}
        ),
        ["goal_id", "period", *[f"_{n}" for n in _FIGURE_VALUES], "status"],
    )
    if stored.empty:
        return figures
    stored.columns = ["goal_id", "day", *_FIGURE_VALUES, "status"]
    days = pd.to_datetime(stored["day"]).to_numpy().astype("datetime64[D]")
    stored["day"] = days.astype("int64")
    both = figures.merge(stored, on=["goal_id", "day"], how="left", suffixes=("", "_old"))
    same = both["status"] == both["status_old"]
    for name in _FIGURE_VALUES:
        new, old = both[name], both[f"{name}_old"].astype("float64")
        same &= (new.isna() & old.isna()) | ((new - old).abs() < 1e-9)
    return figures[~same.to_numpy()]


def _upsert_alerts(plan_id: int, found: list[AlertCandidate], run_at: dt.datetime) -> None:
    unique = _unique(found)
    if not unique:
        return
    rows = pd.DataFrame(unique, columns=AlertCandidate._fields)
    rows["period"] = [c.period.isoformat() for c in unique]
    rows["message"] = [candidates_of.clip(c.message) for c in unique]
    for column in ("department_id", "owner_id"):
        rows[column] = rows[column].astype("Int64")
    _execute_rows(_ALERT_UPSERT, plan_id, rows, run_at)


def _unique(found: list[AlertCandidate]) -> list[AlertCandidate]:
    """One candidate per key (a source raising the same key twice keeps the last)."""
    keyed = {(c.rule, c.subject_type, c.subject_id, c.period): c for c in found}
    return list(keyed.values())


def _execute_rows(statements: dict[str, str], plan_id: int, rows: pd.DataFrame, run_at) -> None:
    """Run one INSERT … SELECT … ON CONFLICT statement over all `rows`: on PostgreSQL each
    column travels as one array parameter (`unnest`), on SQLite the rows as one JSON
    parameter (`json_each`) — any number of rows is one query."""
    params = {"plan": plan_id, "now": connection.ops.adapt_datetimefield_value(run_at)}
    if connection.vendor == "postgresql":
        params |= {column: _pg_array(rows[column]) for column in rows.columns}
        sql = statements["postgresql"]
    else:
        params["rows"] = rows.to_json(orient="records")
        sql = statements["sqlite"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _pg_array(values: pd.Series) -> str:
    """A PostgreSQL array literal ('{1,NULL,"a \\"b\\""}') of a column, built in bulk."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        text = values.astype("float64" if values.dtype.kind == "f" else "Int64").astype(str)
    else:
        text = values.astype(str).str.replace("\\", "\\\\", regex=False)
        text = '"' + text.str.replace('"', '\\"', regex=False) + '"'
    text = text.to_numpy(dtype=object)
    text[missing] = "NULL"
    return "{" + ",".join(text) + "}"


_G = GoalFigure._meta.db_table
_FIGURE_COLUMNS = "plan_id, goal_id, period, planned, actual, shortfall, status, computed_at"
_FIGURE_ON_CONFLICT = """
    ON CONFLICT (goal_id, period) DO UPDATE SET
        planned = excluded.planned, actual = excluded.actual,
        shortfall = excluded.shortfall, status = excluded.status,
        computed_at = excluded.computed_at
"""
_FIGURE_UPSERT = {
    "postgresql": f"""
        INSERT INTO {_G} ({_FIGURE_COLUMNS})
        SELECT %(plan)s, x.goal_id, x.period, x.planned, x.actual, x.shortfall, x.status,
               %(now)s
        FROM unnest(%(goal_id)s::bigint[], %(period)s::date[], %(planned)s::numeric[],
                    %(actual)s::numeric[], %(shortfall)s::numeric[], %(status)s::text[])
             AS x(goal_id, period, planned, actual, shortfall, status)
        {_FIGURE_ON_CONFLICT}
        WHERE ({_G}.planned, {_G}.actual, {_G}.shortfall, {_G}.status)
              IS DISTINCT FROM
              (excluded.planned, excluded.actual, excluded.shortfall, excluded.status)
    """,
    "sqlite": f"""
        INSERT INTO {_G} ({_FIGURE_COLUMNS})
        SELECT %(plan)s, json_extract(value, '$.goal_id'), json_extract(value, '$.period'),
               json_extract(value, '$.planned'), json_extract(value, '$.actual'),
               json_extract(value, '$.shortfall'), json_extract(value, '$.status'), %(now)s
        FROM json_each(%(rows)s) WHERE true
        {_FIGURE_ON_CONFLICT}
        WHERE planned IS NOT excluded.planned OR actual IS NOT excluded.actual
           OR shortfall IS NOT excluded.shortfall OR status IS NOT excluded.status
    """,
}

_A = Alert._meta.db_table
_ALERT_COLUMNS = (
    "plan_id, rule, subject_type, subject_id, period, department_id, owner_id, severity, "
    "message, state, first_seen, last_seen"
)
# Seen again: new words and severity; acknowledged stays acknowledged; resolved reopens
# (and is mailed and posted again).
_ALERT_ON_CONFLICT = f"""
    ON CONFLICT (plan_id, rule, subject_type, subject_id, period) DO UPDATE SET
        department_id = excluded.department_id, owner_id = excluded.owner_id,
        severity = excluded.severity, message = excluded.message,
        last_seen = excluded.last_seen,
        state = CASE WHEN {_A}.state = 'resolved' THEN 'open' ELSE {_A}.state END,
        acknowledged_by_id = CASE WHEN {_A}.state = 'resolved' THEN NULL
                                  ELSE {_A}.acknowledged_by_id END,
        acknowledged_at = CASE WHEN {_A}.state = 'resolved' THEN NULL
                               ELSE {_A}.acknowledged_at END,
        mailed_at = CASE WHEN {_A}.state = 'resolved' THEN NULL ELSE {_A}.mailed_at END,
        posted_at = CASE WHEN {_A}.state = 'resolved' THEN NULL ELSE {_A}.posted_at END,
        resolved_at = NULL
"""
_ALERT_UPSERT = {
    "postgresql": f"""
        INSERT INTO {_A} ({_ALERT_COLUMNS})
        SELECT %(plan)s, x.rule, x.subject_type, x.subject_id, x.period, x.department_id,
               x.owner_id, x.severity, x.message, 'open', %(now)s, %(now)s
        FROM unnest(%(rule)s::text[], %(subject_type)s::text[], %(subject_id)s::bigint[],
                    %(period)s::date[], %(department_id)s::bigint[], %(owner_id)s::integer[],
                    %(severity)s::text[], %(message)s::text[])
             AS x(rule, subject_type, subject_id, period, department_id, owner_id, severity,
                  message)
        {_ALERT_ON_CONFLICT}
    """,
    "sqlite": f"""
        INSERT INTO {_A} ({_ALERT_COLUMNS})
        SELECT %(plan)s, json_extract(value, '$.rule'), json_extract(value, '$.subject_type'),
               json_extract(value, '$.subject_id'), json_extract(value, '$.period'),
               json_extract(value, '$.department_id'), json_extract(value, '$.owner_id'),
               json_extract(value, '$.severity'), json_extract(value, '$.message'), 'open',
               %(now)s, %(now)s
        FROM json_each(%(rows)s) WHERE true
        {_ALERT_ON_CONFLICT}
    """,
}


def _counts(plan_id: int, raised: int, resolved: int, run_at: dt.datetime) -> AlertCounts:
    totals = Alert.objects.filter(plan_id=plan_id).aggregate(
        new=Count("id", filter=Q(first_seen=run_at)),
        open=Count("id", filter=Q(state=Alert.State.OPEN)),
        acknowledged=Count("id", filter=Q(state=Alert.State.ACKNOWLEDGED)),
    )
    return AlertCounts(raised=raised, resolved=resolved, **totals)


# ---------------------------------------------------------------------------------------------
# Queue a recompute after a data change


def debounce_key(plan_id: int) -> str:
    return f"tracking:alerts-recompute-queued:{plan_id}"


def alerts_schedule_recompute(*, plan_id: int) -> None:
    """Recompute the plan's alerts soon after the current transaction commits.

    Call it from every service that changes data alerts read (measurements, spend, budgets,
    goals and checkpoints, initiatives and dependencies, milestones, KPIs and targets).
    Without a broker (demo, tests) the recompute runs in-process right after the commit.
    With a broker, many edits within `ALERT_DEBOUNCE_SECONDS` queue one task that runs that
    many seconds after the first edit; the task clears the mark when it starts, so an edit
    made while it runs queues the next one."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "recompute_plan_id", None) == plan_id and not callback.ran
        for _sids, callback, _robust in connection.run_on_commit
    ):
        return  # this transaction already asks for it: one recompute per commit

    def queue() -> None:
        queue.ran = True
        _queue_recompute(plan_id)

    queue.recompute_plan_id, queue.ran = plan_id, False
    transaction.on_commit(queue, robust=True)


def _queue_recompute(plan_id: int) -> None:
    from tracking.tasks import recompute_plan_alerts

    if recompute_plan_alerts.app.conf.task_always_eager:
        recompute_plan_alerts.delay(plan_id)
        return
    delay = settings.ALERT_DEBOUNCE_SECONDS
    if cache.add(debounce_key(plan_id), 1, timeout=delay + 60):
        recompute_plan_alerts.apply_async(args=[plan_id], countdown=delay)


# ---------------------------------------------------------------------------------------------
# People's actions on alerts


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user) -> Alert:
    """Mark an open alert as seen and handled by `user`; it stays acknowledged while its
    condition holds (a resolved or already acknowledged alert is left as it is)."""
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).update(
        state=Alert.State.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=now
    )
    alert.refresh_from_db()
    return alert


@transaction.atomic
def plan_webhook_update(*, plan: Plan, url: str) -> Plan:
    """Set (or clear, with "") the URL the plan's alerts are posted to."""
    plan.webhook_url = url
    plan.save(update_fields=["webhook_url"])  # through save(): history keeps the old URL
    return plan
