"""Alerts (SPEC §4.6): recompute a plan's alerts and goal figures, queue that after data
changes, acknowledge an alert, set the plan's webhook.

`alerts_recompute` evaluates every rule of SPEC §4.2–§4.5 for one plan in a fixed number of
set-based queries (about 20, whatever the plan's size): the inputs come as DataFrames from
`tracking.rule_inputs`, the pure functions compute, and only what changed is written — one
statement per kind of change, whatever the number of rows. It is idempotent and safe to run
twice at once:

- a per-plan lock (`pg_advisory_xact_lock` on PostgreSQL; SQLite serialises writers itself)
  makes concurrent runs take turns, and the unique key (plan, rule, subject_type,
  subject_id, period) with `INSERT … ON CONFLICT` keeps one alert per condition anyway;
- an alert found again as it is stored is not written; one found with other facts (the
  numbers in its words), severity or owner gets them and keeps its state (acknowledged stays
  acknowledged); a resolved alert whose condition returns is opened again;
- an open or acknowledged alert whose condition no longer holds is resolved, never deleted.

Alerts keep facts, not sentences: `tracking.alert_words` writes them in the reader's language.
Each alert and each goal's figures carry a fingerprint, so finding what changed compares one
number per alert and per goal. Run outside a transaction (the Celery task), the inputs are read
by a background thread on a second connection while this one computes (`rule_inputs.Prefetch`).

Which dates: month-based rules (goals behind, budget burned early, KPIs) are evaluated at the
latest complete month end — "as of March" is 31 March — and date-based rules (milestones
overdue, initiatives blocked, action items overdue) at today. With `as_of`, both use it.
Goal figures are kept for every elapsed month up to the evaluated one, so dashboards can
show history without recomputing.

Other apps add rules with `register_alert_source` (the monthly reviews register "action item
overdue"); imports go reviews → tracking, never back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from planning.models import Goal, Plan
from tracking import alert_candidates as candidates_of
from tracking import burn, rule_inputs, thresholds, variance
from tracking.alert_candidates import KEY, AlertCandidate
from tracking.models import Alert, GoalFigure, GoalFigureDigest

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
# Candidates as a list of AlertCandidate, or as a frame (`alert_candidates.alert_rows`).
AlertSource = Callable[[Plan, Evaluation], "Iterable[AlertCandidate] | pd.DataFrame"]
_SOURCES: dict[str, AlertSource] = {}


def register_alert_source(rule: str, source: AlertSource) -> None:
    """Let another app add a rule (an `Alert.Rule` value) to every recompute; call it from
    the app's `AppConfig.ready`. Alerts of a rule nobody registered are left alone."""
    _SOURCES[str(rule)] = source


# ---------------------------------------------------------------------------------------------
# Recompute


def alerts_recompute(*, plan_id: int, as_of: dt.date | None = None) -> AlertCounts:
    """Evaluate every alert rule for the plan, refresh its goal figures, open, update and
    resolve its alerts (see the module docstring)."""
    # Called outside any transaction (the Celery task), the inputs can be read on a second
    # connection while this one computes; inside one (a test, a caller's own transaction)
    # they must be read here, where that transaction's changes are visible.
    background = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        _lock_plan(plan_id)
        with _no_gc_pauses():
            return _recompute(plan_id, as_of, background=background)


def _recompute(plan_id: int, as_of: dt.date | None, *, background: bool) -> AlertCounts:
    plan = Plan.objects.get(pk=plan_id)
    when = evaluation_dates(plan, as_of=as_of, today=timezone.localdate())
    run_at = timezone.now()
    rules = [str(r) for r in _BUILT_IN_RULES] + list(_SOURCES)
    with rule_inputs.Prefetch(_fetchers(plan, when), background=background) as inputs:
        # This connection's own reads, while the inputs are on their way.
        live, digests = _live_alerts(plan.pk), _stored_digests(plan.pk)
        found = [
            _goal_rule(plan, when, run_at, inputs.get("goals"), digests),
            _burn_rule(plan, when, inputs.get("budget")),
            _blocked_rule(plan, when, inputs.get("dependencies")),
            candidates_of.milestone_alerts(thresholds.overdue(inputs.get("milestones"), when.at)),
            _kpi_rule(when, inputs.get("kpis")),
        ]
    for source in _SOURCES.values():
        rows = source(plan, when)
        found.append(rows if isinstance(rows, pd.DataFrame) else candidates_of.candidate_rows(rows))
    return _write_alerts(plan.pk, found, live, rules, run_at)


def _fetchers(plan: Plan, when: Evaluation) -> dict:
    """What each rule reads, in the order the rules need it."""
    until = when.month_end or plan.start
    return {
        "goals": lambda: rule_inputs.goal_inputs(plan, statuses=FIGURE_GOAL_STATUSES, until=until),
        "budget": lambda: rule_inputs.budget_inputs(plan),
        "dependencies": lambda: rule_inputs.dependency_inputs(plan),
        "milestones": lambda: rule_inputs.open_milestone_inputs(plan, due_before=when.at),
        "kpis": lambda: rule_inputs.kpi_inputs(plan, until=until),
    }


@contextlib.contextmanager
def _no_gc_pauses():
    """No cyclic garbage collection while tens of thousands of short-lived rows are made (any
    cycles are collected right after): in a long-running worker one full collection of its
    heap can cost as much as the whole recompute of a small plan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lock_plan(plan_id: int) -> None:
    """Make concurrent recomputes of one plan take turns (released at commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, plan_id % 2**31])


def _goal_rule(
    plan: Plan,
    when: Evaluation,
    run_at: dt.datetime,
    inputs: rule_inputs.GoalInputs,
    digests: pd.Series,
) -> pd.DataFrame:
    positions = variance.goal_positions(
        inputs.goals,
        inputs.checkpoints,
        inputs.measurements,
        when.months,
        float(plan.behind_threshold),
    )
    _store_figures(plan.pk, inputs.goals["goal_id"], positions, digests, run_at)
    if when.month_end is None:
        return candidates_of.no_alerts()
    active = inputs.goals[inputs.goals["status"].isin([str(s) for s in ALERT_GOAL_STATUSES])]
    return candidates_of.goal_alerts(
        positions, active, threshold=float(plan.behind_threshold), month_end=when.month_end
    )


def _burn_rule(plan: Plan, when: Evaluation, inputs) -> pd.DataFrame:
    if when.month_end is None:
        return candidates_of.no_alerts()
    departments, budget, spend = inputs
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


def _blocked_rule(plan: Plan, when: Evaluation, dependencies: pd.DataFrame) -> pd.DataFrame:
    blocking = candidates_of.blocking_links(dependencies, at=when.at)
    ids = pd.unique(np.concatenate([blocking["x_id"], blocking["y_id"]]))
    return candidates_of.blocked_alerts(blocking, rule_inputs.initiative_words(plan, ids))


def _kpi_rule(when: Evaluation, inputs: rule_inputs.KpiInputs) -> pd.DataFrame:
    if when.month_end is None:
        return candidates_of.no_alerts()
    checks = thresholds.kpi_checks(inputs.kpis, inputs.targets, inputs.measurements, when.month_end)
    return candidates_of.kpi_alerts(checks, inputs.kpis)


# ---------------------------------------------------------------------------------------------
# Writes: only what changed, one statement per kind of change whatever the number of rows


def _store_figures(
    plan_id: int,
    goal_ids: pd.Series,
    positions: pd.DataFrame,
    known: pd.Series,
    run_at: dt.datetime,
) -> None:
    """Store one GoalFigure per goal and evaluated month, rewriting only the goals whose
    figures changed: each goal's figures have a fingerprint (GoalFigureDigest; `known` are the
    stored ones, by goal), so finding what changed reads one row per goal instead of one per
    goal and month. Figures of goals that are no longer evaluated (`goal_ids` are the ones
    that are: a dropped goal is not) are deleted."""
    stale = known.index[~known.index.isin(goal_ids)].tolist()
    if stale:
        GoalFigure.objects.filter(goal_id__in=stale).delete()
        GoalFigureDigest.objects.filter(goal_id__in=stale).delete()
    if positions.empty:
        return
    # The month of each evaluated date, computed once per distinct date (there are twelve).
    codes, dates = pd.factorize(positions["as_of"])
    months = dates.to_numpy().astype("datetime64[M]").astype("datetime64[D]")[codes]
    figures = pd.DataFrame(
        {
            "goal_id": positions["goal_id"].to_numpy(dtype="int64"),
            "day": months.astype("int64"),  # the month's first day, as days since 1970
            # Rounded as stored; + 0.0 turns -0.0 into 0.0, which fingerprints the same.
            "planned": np.round(positions["planned"].to_numpy(dtype="float64"), 4) + 0.0,
            "actual": np.round(positions["actual"].to_numpy(dtype="float64"), 4) + 0.0,
            # Stored with 6 digits before the point: a goal that planned almost no progress
            # can have an absurd shortfall, which is capped rather than refused.
            "shortfall": np.round(
                np.clip(positions["shortfall"].to_numpy(dtype="float64"), -999_999, 999_999), 6
            )
            + 0.0,
            "status": positions["status"].to_numpy(dtype=object),
        }
    )
    digests = figure_digests(figures)
    at = known.index.get_indexer(digests.index)  # -1: no stored fingerprint
    stored = at >= 0
    same = np.zeros(len(at), dtype=bool)
    same[stored] = known.to_numpy()[at[stored]] == digests.to_numpy()[stored]  # int64: exact
    changed = digests[~same]
    if changed.empty:
        return
    rows = figures[figures["goal_id"].isin(changed.index)]
    period = rows["day"].to_numpy().astype("datetime64[D]").astype(str)
    _execute_rows(_FIGURE_UPSERT, plan_id, rows.drop(columns="day").assign(period=period), run_at)
    fingerprints = pd.DataFrame({"goal_id": changed.index, "digest": changed.to_numpy()})
    _execute_rows(_DIGEST_UPSERT, plan_id, fingerprints, run_at)


def _stored_digests(plan_id: int) -> pd.Series:
    """The fingerprints of the plan's stored goal figures (int64), by goal."""
    stored = rule_inputs.fast_frame(
        GoalFigureDigest.objects.filter(plan_id=plan_id), ["goal_id", "digest"]
    )
    return pd.Series(
        stored["digest"].to_numpy(dtype="int64"),
        index=stored["goal_id"].to_numpy(dtype="int64"),
        name="digest",
    )


def figure_digests(figures: pd.DataFrame) -> pd.Series:
    """A 64-bit fingerprint per goal (index goal_id) of its figure rows (goal_id, day,
    planned, actual, shortfall, status), in any row order: any change of a value, a status or
    the set of months changes it. The same rows give the same number in any process."""
    goals = figures["goal_id"].to_numpy(dtype="int64")
    order = None
    if len(goals) and (goals[1:] < goals[:-1]).any():  # each goal's rows must be together
        order = np.argsort(goals, kind="stable")
        goals = goals[order]

    def column(name: str) -> np.ndarray:
        values = figures[name].to_numpy()
        return values if order is None else values[order]

    # The few distinct statuses are hashed once each.
    status, names = pd.factorize(column("status"), use_na_sentinel=False)
    rows = candidates_of.combine_hashes(
        [
            column("day").astype("int64"),
            *(_no_nan(column(name).astype("float64")) for name in _FIGURE_VALUES),
            pd.util.hash_array(np.asarray(names, dtype=object), categorize=False)[status],
        ]
    )
    starts = np.flatnonzero(np.r_[True, goals[1:] != goals[:-1]])
    with np.errstate(over="ignore"):
        sums = np.add.reduceat(rows.view("uint64"), starts)  # wraps around: a sum modulo 2**64
    return pd.Series(sums.view("int64"), index=goals[starts], name="digest")


_FIGURE_VALUES = ("planned", "actual", "shortfall")


def _no_nan(values: np.ndarray) -> np.ndarray:
    """NaN (no figure) as one fixed number: NaNs can differ in their bits."""
    return np.where(np.isnan(values), -1e300, values)


def _write_alerts(
    plan_id: int, found: list[pd.DataFrame], live: pd.DataFrame, rules: list[str], run_at
) -> AlertCounts:
    """Bring the plan's live alerts (from `_live_alerts`) of `rules` in line with what the
    rules found (alert frames): open the new ones (or reopen resolved ones), rewrite those
    whose fingerprint (owner, severity, facts) changed, resolve the live ones no longer found.
    An alert found as it is stored is not written, and no Python object is made for it."""
    parts = [rows.assign(fingerprint=candidates_of.fingerprints(rows)) for rows in found]
    keys = pd.concat(
        [
            rows[[*KEY, "fingerprint"]].assign(part=i, row=np.arange(len(rows)))
            for i, rows in enumerate(parts)
        ],
        ignore_index=True,
    )
    found_key, live_key = alert_keys(keys, live)
    keys = keys[~pd.Series(found_key).duplicated(keep="last").to_numpy()]  # a source raising
    found_key = found_key[keys.index.to_numpy()]  # a key twice: the last one
    at = pd.Index(live_key).get_indexer(found_key)  # the stored alert of each key; -1: none
    stored = at >= 0
    new = keys[~stored]
    was = at[stored]
    rewrite = keys["fingerprint"].to_numpy()[stored] != live["stored"].to_numpy()[was]
    changed = keys[stored][rewrite].assign(id=live["id"].to_numpy()[was[rewrite]])
    seen = np.zeros(len(live), dtype=bool)
    seen[was] = True
    evaluated = live["rule"].isin(rules).to_numpy()
    gone = live["id"].to_numpy()[~seen & evaluated]
    inserted = 0
    if len(new):
        returned = _execute_rows(_ALERT_UPSERT, plan_id, _alert_rows(parts, new), run_at)
        inserted = sum(1 for (first,) in returned if first)
    if len(changed):
        rows = _alert_rows(parts, changed).assign(id=changed["id"].to_numpy(dtype="int64"))
        _execute_rows(_ALERT_UPDATE, plan_id, rows, run_at)
    if len(gone):
        Alert.objects.filter(pk__in=gone.tolist()).update(
            state=Alert.State.RESOLVED, resolved_at=run_at, changed_at=run_at
        )
    # Live alerts of rules nobody evaluates (an app's source not registered) stay as they are.
    state = live["state"].to_numpy(dtype=object)[seen | ~evaluated]
    return AlertCounts(
        raised=len(keys),
        new=inserted,
        resolved=len(gone),
        open=int((state == Alert.State.OPEN).sum()) + len(new),
        acknowledged=int((state == Alert.State.ACKNOWLEDGED).sum()),
    )


# Alert keys packed into one int64: kind (rule and subject type) | subject id | day.
_KIND_BITS, _SUBJECT_BITS, _DAY_BITS = 5, 41, 17


def alert_keys(found: pd.DataFrame, live: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The key (rule, subject_type, subject_id, period) of each row of two frames as one
    int64, equal exactly when the keys are equal: packed into 63 bits when the values fit
    (ids below 2**41, dates from 1970 to 2328), numbered by pandas otherwise."""
    both = pd.concat([found[KEY], live[KEY]], ignore_index=True)
    rule, _ = pd.factorize(both["rule"])
    subject_type, types = pd.factorize(both["subject_type"])
    kinds, names = pd.factorize(rule.astype("int64") * len(types) + subject_type)
    subject = both["subject_id"].to_numpy(dtype="int64")
    day = both["period"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
    fits = (
        len(names) <= 2**_KIND_BITS
        and (len(both) == 0 or subject.min() >= 0 and subject.max() < 2**_SUBJECT_BITS)
        and (len(both) == 0 or day.min() >= 0 and day.max() < 2**_DAY_BITS)
    )
    if fits:
        packed = (
            (kinds.astype("int64") << (_SUBJECT_BITS + _DAY_BITS)) | (subject << _DAY_BITS) | day
        )
    else:
        packed = pd.MultiIndex.from_arrays([kinds, subject, day]).factorize()[0].astype("int64")
    return packed[: len(found)], packed[len(found) :]


def _live_alerts(plan_id: int) -> pd.DataFrame:
    """The plan's open and acknowledged alerts: the key (rule, subject_type, subject_id,
    period), id, state and fingerprint (as `stored`). One query."""
    live = (
        Alert.objects.filter(plan_id=plan_id)
        .exclude(state=Alert.State.RESOLVED)
        .annotate(stored=F("fingerprint"))
    )
    rows = rule_inputs.fast_frame(
        live,
        [*KEY, "id", "state", "stored"],
        text=("rule", "subject_type", "state"),
        dates=("period",),
    )
    return rows.astype(
        {"subject_id": "int64", "id": "int64", "stored": "int64", "period": "datetime64[ns]"}
    )


def _alert_rows(parts: list[pd.DataFrame], which: pd.DataFrame) -> pd.DataFrame:
    """The alerts of `which` (part and row numbers into `parts`, sorted by them) as rows to
    write, in that order: facts as JSON text, with their fingerprint."""
    chosen = [
        parts[int(part)].iloc[group["row"].to_numpy(dtype="int64")]
        for part, group in which.groupby("part")
    ]
    candidates = [c for rows in chosen for c in candidates_of.to_candidates(rows)]
    rows = pd.DataFrame(candidates, columns=AlertCandidate._fields)
    rows["period"] = [c.period.isoformat() for c in candidates]
    rows["facts"] = [json.dumps(c.facts, ensure_ascii=False) for c in candidates]
    rows["fingerprint"] = np.concatenate([rows["fingerprint"].to_numpy() for rows in chosen])
    for column in ("department_id", "owner_id"):
        rows[column] = rows[column].astype("Int64")
    return rows


def _execute_rows(statements: dict[str, str], plan_id: int, rows: pd.DataFrame, run_at) -> list:
    """Run one statement over all `rows`: on PostgreSQL each column travels as one array
    parameter (`unnest`), on SQLite the rows as one JSON parameter (`json_each`) — any number
    of rows is one query. Returns what the statement returns (RETURNING), if anything."""
    params = {"plan": plan_id, "now": connection.ops.adapt_datetimefield_value(run_at)}
    if connection.vendor == "postgresql":
        params |= {column: _pg_array(rows[column]) for column in rows.columns}
        sql = statements["postgresql"]
    else:
        params["rows"] = rows.to_json(orient="records")
        sql = statements["sqlite"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


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

_D = GoalFigureDigest._meta.db_table
_DIGEST_UPSERT = {
    "postgresql": f"""
        INSERT INTO {_D} (plan_id, goal_id, digest)
        SELECT %(plan)s, x.goal_id, x.digest
        FROM unnest(%(goal_id)s::bigint[], %(digest)s::bigint[]) AS x(goal_id, digest)
        ON CONFLICT (goal_id) DO UPDATE SET digest = excluded.digest
    """,
    "sqlite": f"""
        INSERT INTO {_D} (plan_id, goal_id, digest)
        SELECT %(plan)s, json_extract(value, '$.goal_id'), json_extract(value, '$.digest')
        FROM json_each(%(rows)s) WHERE true
        ON CONFLICT (goal_id) DO UPDATE SET digest = excluded.digest
    """,
}

_A = Alert._meta.db_table
_ALERT_COLUMNS = (
    "plan_id, rule, subject_type, subject_id, period, department_id, owner_id, severity, "
    "facts, fingerprint, state, first_seen, changed_at"
)
# A resolved alert whose condition returns opens again (and is mailed and posted again).
# Returns, per row, whether it is a new alert (not one opened again).
_ALERT_ON_CONFLICT = f"""
    ON CONFLICT (plan_id, rule, subject_type, subject_id, period) DO UPDATE SET
        department_id = excluded.department_id, owner_id = excluded.owner_id,
        severity = excluded.severity, facts = excluded.facts,
        fingerprint = excluded.fingerprint, changed_at = excluded.changed_at,
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
               x.owner_id, x.severity, x.facts, x.fingerprint, 'open', %(now)s, %(now)s
        FROM unnest(%(rule)s::text[], %(subject_type)s::text[], %(subject_id)s::bigint[],
                    %(period)s::date[], %(department_id)s::bigint[], %(owner_id)s::integer[],
                    %(severity)s::text[], %(facts)s::jsonb[], %(fingerprint)s::bigint[])
             AS x(rule, subject_type, subject_id, period, department_id, owner_id, severity,
                  facts, fingerprint)
        {_ALERT_ON_CONFLICT}
        RETURNING first_seen = %(now)s
    """,
    "sqlite": f"""
        INSERT INTO {_A} ({_ALERT_COLUMNS})
        SELECT %(plan)s, json_extract(value, '$.rule'), json_extract(value, '$.subject_type'),
               json_extract(value, '$.subject_id'), json_extract(value, '$.period'),
               json_extract(value, '$.department_id'), json_extract(value, '$.owner_id'),
               json_extract(value, '$.severity'), json_extract(value, '$.facts'),
               json_extract(value, '$.fingerprint'), 'open', %(now)s, %(now)s
        FROM json_each(%(rows)s) WHERE true
        {_ALERT_ON_CONFLICT}
        RETURNING first_seen = %(now)s
    """,
}
# Seen again with other facts, severity or owner: the new ones; the state stays (an
# acknowledged alert stays acknowledged).
_ALERT_UPDATE = {
    "postgresql": f"""
        UPDATE {_A} SET department_id = x.department_id, owner_id = x.owner_id,
               severity = x.severity, facts = x.facts, fingerprint = x.fingerprint,
               changed_at = %(now)s
        FROM unnest(%(id)s::bigint[], %(department_id)s::bigint[], %(owner_id)s::integer[],
                    %(severity)s::text[], %(facts)s::jsonb[], %(fingerprint)s::bigint[])
             AS x(id, department_id, owner_id, severity, facts, fingerprint)
        WHERE {_A}.id = x.id AND {_A}.plan_id = %(plan)s
    """,
    "sqlite": f"""
        UPDATE {_A} SET department_id = json_extract(x.value, '$.department_id'),
               owner_id = json_extract(x.value, '$.owner_id'),
               severity = json_extract(x.value, '$.severity'),
               facts = json_extract(x.value, '$.facts'),
               fingerprint = json_extract(x.value, '$.fingerprint'), changed_at = %(now)s
        FROM json_each(%(rows)s) AS x
        WHERE {_A}.id = json_extract(x.value, '$.id') AND {_A}.plan_id = %(plan)s
    """,
}


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
