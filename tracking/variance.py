"""Goal behind plan (SPEC §4.2), as pure functions over plain values or DataFrames.

Where a goal stands at a date d, in the words of the method:

- **Planned value** at d: a straight line from the plan start (at the baseline) through the
  quarterly checkpoints (each dated at the last day of its quarter) to the due date (at the
  target); from the due date on, the target. Before the plan start, the baseline.
  Checkpoints dated on or after the due date are not used: the target is what is due then.
  Without a due date, the line ends at the last checkpoint and stays there.
- **Actual value** at d: the latest measurement whose month ended on or before d. A
  measurement for month M is dated the last day of M, so "as of March" (d = 31 March) sees
  March's value, and d = 30 March does not.
- **Progress**: planned progress P = planned − baseline and actual progress A = actual −
  baseline for goals that should go up; both signs flip for goals that should go down.
- **Shortfall** s = (P − A) / P, only while P > 0: 0.5 means "half of the planned progress is
  missing". While P ≤ 0 (nothing planned yet, or a planned dip) there is no shortfall.
- **Status**: `on_track` if s ≤ 0, `at_risk` if 0 < s ≤ threshold, `behind` if s > threshold
  ("more than 10 % behind" with the default threshold 0.10); `no_data` while P > 0 and no
  value was entered yet. While P ≤ 0 a goal is `on_track` (nothing was expected that could be
  missed). A goal without a baseline cannot be placed on a path: `no_data`, no planned value.

Worked example: baseline 0, target 4 hires by 30 June, Q1 = 2, Q2 = 4, plan starts 1 January.
On 31 March planned = 2; actual 1 → s = 0.5 → behind; actual 2 → on track.

Numbers are floats here (the caller converts Decimals); comparisons with the threshold allow
1e-9 for rounding, so "exactly 10 % behind" is at risk, not behind. The scalar API
(`goal_position`) explains one goal; the vectorised API (`goal_positions`) evaluates
thousands of goals at many month ends at once and gives the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from tracking.constants import GoalStatus

INCREASE = "increase"
DECREASE = "decrease"
# Float rounding slack when a shortfall is compared with 0 or the threshold.
EPSILON = 1e-9

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
POSITION_COLUMNS = ["goal_id", "as_of", "planned", "actual", "shortfall", "status"]


class GoalPosition(NamedTuple):
    """A goal at one date: planned and actual value, shortfall (None while P ≤ 0 or without
    a value) and status (a GoalStatus value)."""

    planned: float | None
    actual: float | None
    shortfall: float | None
    status: str


# ---------------------------------------------------------------------------------------------
# Dates


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month: the date a monthly measurement stands for."""
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def quarter_end(plan_start: dt.date, quarter: int) -> dt.date:
    """Last day of quarter 1..4 of a plan year that starts on `plan_start` (a month's 1st)."""
    months = plan_start.month - 1 + 3 * quarter
    first_after = dt.date(plan_start.year + months // 12, months % 12 + 1, 1)
    return first_after - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Scalar API: one goal


def planned_value(
    *,
    plan_start: dt.date,
    baseline: float | None,
    target: float | None,
    due_date: dt.date | None,
    checkpoints: Mapping[int, float],
    at: dt.date,
) -> float | None:
    """The value the goal should have at `at` (see the module docstring).

    `checkpoints` maps quarter (1–4) to the planned value at that quarter's end."""
    if baseline is None:
        return None
    knots = _knots(plan_start, baseline, target, due_date, checkpoints)
    t = at.toordinal()
    before = [k for k in knots if k[0] <= t]
    after = [k for k in knots if k[0] > t]
    if not before:
        return float(baseline)
    t0, v0 = before[-1]
    if not after:
        return v0
    t1, v1 = after[0]
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def actual_value(measurements: Iterable[tuple[dt.date, float]], at: dt.date) -> float | None:
    """The latest measured value whose month ended on or before `at`; None if none did.
    `measurements` are (month, value) pairs; any day of the month names the month."""
    dated = [(month_end(period), value) for period, value in measurements]
    seen = [(day, value) for day, value in dated if day <= at]
    if not seen:
        return None
    return float(max(seen, key=lambda pair: pair[0])[1])


def shortfall(
    *, planned: float | None, actual: float | None, baseline: float | None, direction: str
) -> float | None:
    """s = (P − A) / P (see the module docstring); None while P ≤ 0 or a value is missing."""
    if planned is None or actual is None or baseline is None:
        return None
    sign = -1.0 if direction == DECREASE else 1.0
    progress_planned = sign * (planned - baseline)
    progress_actual = sign * (actual - baseline)
    if progress_planned <= 0:
        return None
    return (progress_planned - progress_actual) / progress_planned


def goal_status(
    *,
    planned_progress: float | None,
    actual: float | None,
    shortfall: float | None,
    threshold: float,
) -> str:
    """on_track / at_risk / behind / no_data from the shortfall (see the module docstring)."""
    if planned_progress is None:
        return GoalStatus.NO_DATA
    if planned_progress <= 0:
        return GoalStatus.ON_TRACK
    if actual is None or shortfall is None:
        return GoalStatus.NO_DATA
    if shortfall <= EPSILON:
        return GoalStatus.ON_TRACK
    if shortfall <= threshold + EPSILON:
        return GoalStatus.AT_RISK
    return GoalStatus.BEHIND


def goal_position(
    *,
    plan_start: dt.date,
    baseline: float | None,
    target: float | None,
    due_date: dt.date | None,
    direction: str = INCREASE,
    checkpoints: Mapping[int, float],
    measurements: Iterable[tuple[dt.date, float]],
    at: dt.date,
    threshold: float,
) -> GoalPosition:
    """Where one goal stands at `at`: planned, actual, shortfall and status (SPEC §4.2).

    >>> goal_position(plan_start=dt.date(2026, 1, 1), baseline=0, target=4,
    ...               due_date=dt.date(2026, 6, 30), checkpoints={1: 2, 2: 4},
    ...               measurements=[(dt.date(2026, 3, 1), 1)], at=dt.date(2026, 3, 31),
    ...               threshold=0.10)
    GoalPosition(planned=2.0, actual=1.0, shortfall=0.5, status='behind')
    """
    base = None if baseline is None else float(baseline)
    planned = planned_value(
        plan_start=plan_start,
        baseline=base,
        target=None if target is None else float(target),
        due_date=due_date,
        checkpoints={q: float(v) for q, v in checkpoints.items()},
        at=at,
    )
    actual = actual_value(measurements, at)
    s = shortfall(planned=planned, actual=actual, baseline=base, direction=direction)
    sign = -1.0 if direction == DECREASE else 1.0
    progress = None if planned is None else sign * (planned - base)
    status = goal_status(
        planned_progress=progress, actual=actual, shortfall=s, threshold=float(threshold)
    )
    return GoalPosition(planned, actual, s, str(status))


def _knots(
    plan_start: dt.date,
    baseline: float,
    target: float | None,
    due_date: dt.date | None,
    checkpoints: Mapping[int, float],
) -> list[tuple[int, float]]:
    """(day ordinal, value) points of the planned path, in date order."""
    has_due = due_date is not None and target is not None
    due = due_date.toordinal() if has_due else None
    start = plan_start.toordinal()
    knots = []
    if due is None or start < due:
        knots.append((start, float(baseline)))
    for quarter, value in sorted(checkpoints.items()):
        day = quarter_end(plan_start, quarter).toordinal()
        if day > start and (due is None or day < due):
            knots.append((day, float(value)))
    if due is not None:
        knots.append((due, float(target)))
    return sorted(knots, key=lambda knot: knot[0])


# ---------------------------------------------------------------------------------------------
# Vectorised API: many goals at many month ends


def goal_positions(
    goals: pd.DataFrame,
    checkpoints: pd.DataFrame,
    measurements: pd.DataFrame,
    as_of: dt.date | Sequence[dt.date],
    threshold: float,
) -> pd.DataFrame:
    """The position of every goal at every date in `as_of` (one date or several), in one pass.

    Inputs (as fetched with `.values()`; Decimals, numeric text and dates are fine):
    - `goals`: goal_id, plan_start, baseline, target, due_date, direction;
    - `checkpoints`: goal_id, quarter, planned_value;
    - `measurements`: goal_id, period (any day of the month), value.

    Returns one row per goal and date, ordered by goal and date, with columns goal_id, as_of
    (datetime64), planned, actual, shortfall (floats, NaN where the scalar API says None) and
    status — the same numbers as `goal_position` for each goal.

    How: every goal gets a rank; knots and measurements are sorted by (rank, day) into one
    int64 key each, so "the knot at or before t", "the first knot after t" and "the latest
    measurement up to t" are binary searches over all goals at once."""
    dates = [as_of] if isinstance(as_of, dt.date) else list(as_of)
    if goals.empty or not dates:
        return _empty_positions()
    g = _goal_frame(goals).sort_values("goal_id", kind="stable").reset_index(drop=True)
    ranks = pd.Series(np.arange(len(g)), index=g["goal_id"].to_numpy())
    days = np.array(sorted(d.toordinal() for d in dates), dtype="int64")
    n = len(days)
    rank = np.repeat(np.arange(len(g)), n)
    t = np.tile(days, len(g))
    keys = rank * _DAY_SPAN + t
    baseline = np.repeat(g["baseline"].to_numpy(), n)
    planned = _planned(
        t.astype("float64"), baseline, keys, rank, _knot_frame(g, checkpoints), ranks
    )
    actual = _actual(keys, rank, measurements, ranks)
    sign = np.repeat(g["sign"].to_numpy(), n)
    shortfall, status = _statuses(planned, actual, baseline, sign, float(threshold))
    return pd.DataFrame(
        {
            "goal_id": np.repeat(g["goal_id"].to_numpy(), n),
            "as_of": np.tile(
                (days - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[ns]"), len(g)
            ),
            "planned": planned,
            "actual": actual,
            "shortfall": shortfall,
            "status": status,
        }
    )


# Day ordinals are below 2**22 until the year 11,000: (rank, day) fits one int64 key.
_DAY_SPAN = 2**22


def _keyed(goal_ids: pd.Series, days: np.ndarray, ranks: pd.Series):
    """Rows of known goals as sorted (rank, day) keys: (keys, ranks, order of the rows)."""
    rank = ranks.reindex(goal_ids.to_numpy()).to_numpy()
    known = ~np.isnan(rank)
    rank = rank[known].astype("int64")
    key = rank * _DAY_SPAN + days[known].astype("int64")
    order = np.argsort(key, kind="stable")
    return key[order], rank[order], np.flatnonzero(known)[order]


def _neighbours(sorted_keys, sorted_ranks, keys, rank) -> tuple[np.ndarray, np.ndarray]:
    """For each key, the index of the last entry of the same goal with day ≤ t (ties: the
    last) and of the first with day > t; -1 where there is none. One binary search each."""
    after = np.searchsorted(sorted_keys, keys, side="right")
    before = after - 1
    return _same_goal(before, sorted_ranks, rank), _same_goal(after, sorted_ranks, rank)


def _same_goal(i, sorted_ranks, rank) -> np.ndarray:
    ok = (i >= 0) & (i < len(sorted_ranks))
    ok[ok] = sorted_ranks[i[ok]] == rank[ok]
    return np.where(ok, i, -1)


def _planned(t, baseline, keys, rank, knots: pd.DataFrame, ranks) -> np.ndarray:
    """Interpolate between the knot at or before t and the first knot after t."""
    if knots.empty:
        return baseline.copy()
    k_keys, k_ranks, rows = _keyed(knots["goal_id"], knots["kt"].to_numpy(), ranks)
    kt, kv = knots["kt"].to_numpy()[rows], knots["kv"].to_numpy(dtype="float64")[rows]
    prev, nxt = _neighbours(k_keys, k_ranks, keys, rank)
    t0, v0 = np.where(prev >= 0, kt[prev], np.nan), np.where(prev >= 0, kv[prev], np.nan)
    t1, v1 = np.where(nxt >= 0, kt[nxt], np.nan), np.where(nxt >= 0, kv[nxt], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        between = v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    planned = np.where(nxt >= 0, between, v0)
    planned = np.where(prev >= 0, planned, baseline)
    return np.where(np.isnan(baseline), np.nan, planned)


def _actual(keys, rank, measurements: pd.DataFrame, ranks) -> np.ndarray:
    """The latest measured value whose month ended on or before t."""
    if measurements.empty:
        return np.full(len(keys), np.nan)
    # A month's value is dated its last day: the next month's first day minus one. A year of
    # values has few distinct periods: the date arithmetic runs once per distinct period.
    codes, periods = pd.factorize(pd.to_datetime(measurements["period"]))
    months = periods.to_numpy().astype("datetime64[M]")
    last_days = (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    ordinals = (last_days.astype("int64") + _EPOCH_ORDINAL)[codes]
    m_keys, m_ranks, rows = _keyed(measurements["goal_id"].astype("int64"), ordinals, ranks)
    values = _floats(measurements["value"]).to_numpy()[rows]
    latest, _next = _neighbours(m_keys, m_ranks, keys, rank)
    return np.where(latest >= 0, values[latest], np.nan)


def _empty_positions() -> pd.DataFrame:
    frame = pd.DataFrame({column: [] for column in POSITION_COLUMNS})
    return frame.astype({"goal_id": "int64", "as_of": "datetime64[ns]", "status": "object"})


def _ordinals(values: pd.Series) -> pd.Series:
    """Dates (date objects, strings or datetime64; NaT/None allowed) → day ordinals (float,
    NaN for missing), so that differences equal `date.toordinal()` differences."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    out = days.astype("int64").astype("float64") + _EPOCH_ORDINAL
    out[np.isnat(days)] = np.nan
    return pd.Series(out, index=values.index)


def _floats(values: pd.Series) -> pd.Series:
    """Numbers (floats, ints, Decimals or None) as float64 with NaN for missing."""
    if pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != bool:
        return values.astype("float64")
    return pd.to_numeric(values.astype(object).where(values.notna(), None)).astype("float64")


def _goal_frame(goals: pd.DataFrame) -> pd.DataFrame:
    g = pd.DataFrame({"goal_id": goals["goal_id"].astype("int64")})
    start = pd.to_datetime(goals["plan_start"])  # once: dates as objects are slow to convert
    g["start"] = _ordinals(start)
    g["due"] = _ordinals(goals["due_date"])
    g["baseline"] = _floats(goals["baseline"])
    g["target"] = _floats(goals["target"])
    g.loc[g["target"].isna(), "due"] = np.nan  # no target: no point on the due date
    g["sign"] = np.where(goals["direction"].astype(str) == DECREASE, -1.0, 1.0)
    g["plan_month"] = start.to_numpy().astype("datetime64[M]")
    return g


def _knot_frame(g: pd.DataFrame, checkpoints: pd.DataFrame) -> pd.DataFrame:
    """(goal_id, kt, kv): the points of every goal's planned path, as in `_knots`."""
    with_base = g[g["baseline"].notna()]
    start_ok = with_base["due"].isna() | (with_base["start"] < with_base["due"])
    starts = with_base.loc[start_ok, ["goal_id", "start", "baseline"]]
    starts.columns = ["goal_id", "kt", "kv"]
    dues = with_base.loc[with_base["due"].notna(), ["goal_id", "due", "target"]]
    dues.columns = ["goal_id", "kt", "kv"]
    frames = [starts, dues]
    if not checkpoints.empty:
        cp = checkpoints.merge(with_base[["goal_id", "start", "due", "plan_month"]], on="goal_id")
        # The quarter's last day: the plan's first month plus 3 × quarter months, minus a day
        # (`quarter_end`), for all checkpoints at once.
        quarters = cp["quarter"].to_numpy(dtype="int64") * 3
        months = cp["plan_month"].to_numpy().astype("datetime64[M]")  # pandas keeps [ns]
        first_after = (months + quarters).astype("datetime64[D]")
        cp["kt"] = (first_after.astype("int64") - 1 + _EPOCH_ORDINAL).astype("float64")
        keep = (cp["kt"] > cp["start"]) & (cp["due"].isna() | (cp["kt"] < cp["due"]))
        cp = cp.loc[keep, ["goal_id", "kt"]].assign(kv=_floats(cp.loc[keep, "planned_value"]))
        frames.append(cp)
    knots = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    if knots.empty:
        return pd.DataFrame({"goal_id": [], "kt": [], "kv": []})
    knots["goal_id"] = knots["goal_id"].astype("int64")
    return knots


def _statuses(planned, actual, baseline, sign, threshold: float):
    """Shortfall and status of every grid point, as `shortfall` and `goal_status` say."""
    progress = sign * (planned - baseline)
    achieved = sign * (actual - baseline)
    with np.errstate(invalid="ignore", divide="ignore"):
        positive = progress > 0
        s = np.where(positive & ~np.isnan(actual), (progress - achieved) / progress, np.nan)
        code = np.select(
            [
                np.isnan(progress),
                ~positive,
                np.isnan(s),
                s <= EPSILON,
                s <= threshold + EPSILON,
            ],
            [_NO_DATA, _ON_TRACK, _NO_DATA, _ON_TRACK, _AT_RISK],
            default=_BEHIND,
        )
    return s, _STATUS_BY_CODE[code]


# Status by the code `_statuses` computes (picking from a small array beats building strings).
_NO_DATA, _ON_TRACK, _AT_RISK, _BEHIND = range(4)
_STATUS_BY_CODE = np.array(
    [
        GoalStatus.NO_DATA.value,
        GoalStatus.ON_TRACK.value,
        GoalStatus.AT_RISK.value,
        GoalStatus.BEHIND.value,
    ],
    dtype=object,
)
