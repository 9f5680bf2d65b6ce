"""Budget burned early (SPEC §4.3), as pure functions over plain values or DataFrames.

For one department at the end of plan month m (1 = the plan's first month … 12):

- **Annual budget** B: the sum of all its budget lines of the year.
- **Planned to date** Bp(m): the budget lines of months 1..m; **spent to date** S(m): the
  spend of months 1..m. Months without lines or spend count as zero.
- **Shares** S(m)/B and Bp(m)/B; None when B = 0 (a share of nothing means nothing).
- **Burned early** when S(m) ≥ burn_threshold × B **and** Bp(m) < burn_threshold × B: the
  department has used 80 % (by default) of its year's budget before the plan expected that
  much to be gone. A department without budget is never flagged (the plan expected nothing,
  and 80 % of nothing is reached by every department).
- **Run-rate forecast** of year-end spend: S(m) / m × 12 (None before the first month ends).
- **Runs out in month**: the plan month (1..12) in which spending at that rate reaches B,
  i.e. the smallest k ≥ 1 with k × S(m)/m ≥ B. None when nothing was spent (the rate is zero)
  or when the budget lasts beyond the year's 12th month. With B = 0 and some spend: month 1.

Worked example: B = 500,000, equal monthly phasing. End of June: S = 410,000 → 82 % used,
Bp = 50 % → flag. End of October: S = 410,000, Bp = 83.3 % → no flag.

Money comparisons allow 1e-6 for float rounding (amounts have cents, not micro-cents).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

MONTHS = 12
EPSILON = 1e-6

BURN_COLUMNS = [
    "department_id",
    "as_of",
    "month_index",
    "budget",
    "planned",
    "spent",
    "spent_share",
    "planned_share",
    "burn_early",
    "forecast",
    "runs_out_month",
]


class BurnPosition(NamedTuple):
    """One department's budget at the end of plan month `month_index`."""

    month_index: int
    budget: float
    planned: float
    spent: float
    spent_share: float | None
    planned_share: float | None
    burn_early: bool
    forecast: float | None
    runs_out_month: int | None


def months_elapsed(plan_start: dt.date, as_of: dt.date) -> int:
    """How many plan months have ended by `as_of` (0 before the first ends, at most 12)."""
    months = (as_of.year - plan_start.year) * 12 + as_of.month - plan_start.month
    following = as_of + dt.timedelta(days=1)
    ended = months + (1 if following.month != as_of.month else 0)
    return max(0, min(MONTHS, ended))


def is_burning_early(*, budget: float, planned: float, spent: float, threshold: float) -> bool:
    """S ≥ t × B and Bp < t × B (see the module docstring); never with B = 0."""
    line = threshold * budget
    return budget > 0 and spent >= line - EPSILON and planned < line - EPSILON


def runs_out_month(*, budget: float, spent: float, months: int) -> int | None:
    """The plan month in which the budget is gone at the current run rate, or None."""
    if months <= 0 or spent <= 0:
        return None
    rate = spent / months
    month = max(1, math.ceil(budget / rate - EPSILON))
    return month if month <= MONTHS else None


def burn_position(
    *,
    monthly_budget: Sequence[float],
    monthly_spend: Sequence[float],
    months: int,
    threshold: float,
) -> BurnPosition:
    """A department's burn at the end of plan month `months` (SPEC §4.3).

    `monthly_budget` and `monthly_spend` are the amounts of plan months 1, 2, … (missing
    months count as zero; shorter lists are fine).

    >>> burn_position(monthly_budget=[500_000 / 12] * 12, monthly_spend=[410_000],
    ...               months=6, threshold=0.8).burn_early
    True
    """
    budget = float(sum(float(v) for v in monthly_budget[:MONTHS]))
    planned = float(sum(float(v) for v in monthly_budget[:months]))
    spent = float(sum(float(v) for v in monthly_spend[:months]))
    return BurnPosition(
        month_index=months,
        budget=budget,
        planned=planned,
        spent=spent,
        spent_share=spent / budget if budget > 0 else None,
        planned_share=planned / budget if budget > 0 else None,
        burn_early=is_burning_early(
            budget=budget, planned=planned, spent=spent, threshold=float(threshold)
        ),
        forecast=spent / months * MONTHS if months > 0 else None,
        runs_out_month=runs_out_month(budget=budget, spent=spent, months=months),
    )


def burn_positions(
    budget_lines: pd.DataFrame,
    spend: pd.DataFrame,
    *,
    plan_start: dt.date,
    as_of: dt.date | Sequence[dt.date],
    threshold: float,
    department_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Every department's burn at every date in `as_of`, in one pass.

    `budget_lines` and `spend` have columns department_id, month (any day of the month),
    amount — several rows per month are summed (categories). Departments come from both
    frames plus `department_ids`. Returns one row per department and date with the columns
    of BURN_COLUMNS (NaN/None where the scalar API says None; runs_out_month is a nullable
    integer), the same numbers as `burn_position`."""
    dates = [as_of] if isinstance(as_of, dt.date) else list(as_of)
    budget_m = _monthly(budget_lines, plan_start)
    spend_m = _monthly(spend, plan_start)
    ids = sorted(set(budget_m.index) | set(spend_m.index) | set(department_ids or []))
    if not ids or not dates:
        return pd.DataFrame({column: [] for column in BURN_COLUMNS})
    budget_m = budget_m.reindex(ids, fill_value=0.0)
    spend_m = spend_m.reindex(ids, fill_value=0.0)
    frames = [
        _position_at(budget_m, spend_m, d, months_elapsed(plan_start, d), float(threshold))
        for d in dates
    ]
    return pd.concat(frames, ignore_index=True)[BURN_COLUMNS]


def _monthly(rows: pd.DataFrame, plan_start: dt.date) -> pd.DataFrame:
    """department × plan month 1..12 → summed amount (months outside the year dropped)."""
    columns = list(range(1, MONTHS + 1))
    if rows.empty:
        return pd.DataFrame(columns=columns, dtype="float64")
    months = pd.to_datetime(rows["month"]).to_numpy().astype("datetime64[M]")
    index = (months - np.datetime64(plan_start, "M")).astype("int64")  # plan month 0..11
    index[np.isnat(months)] = -1
    inside = (index >= 0) & (index < MONTHS)
    departments, ids = pd.factorize(rows["department_id"].astype("int64").to_numpy()[inside])
    amounts = rows["amount"]
    if not pd.api.types.is_float_dtype(amounts.dtype):  # Decimals from the ORM
        amounts = pd.to_numeric(amounts.astype(object))
    amounts = amounts.to_numpy(dtype="float64")[inside]
    table = np.zeros((len(ids), MONTHS))
    # Summed in row order, as the scalar API sums categories (bit-identical floats).
    np.add.at(table, (departments, index[inside]), amounts)
    order = np.argsort(ids, kind="stable")
    return pd.DataFrame(table[order], index=pd.Index(ids[order]), columns=columns)


def _position_at(budget_m, spend_m, as_of: dt.date, months: int, threshold: float):
    # Sum in month order, like the scalar API, so both give bit-identical floats.
    budget = _running_sum(budget_m, MONTHS)
    planned = _running_sum(budget_m, months)
    spent = _running_sum(spend_m, months)
    has_budget = budget > 0
    line = threshold * budget
    out = pd.DataFrame({"department_id": budget_m.index.astype("int64")})
    out["as_of"] = pd.Timestamp(as_of)
    out["month_index"] = months
    out["budget"], out["planned"], out["spent"] = budget, planned, spent
    out["spent_share"] = np.where(has_budget, spent / np.where(has_budget, budget, 1), np.nan)
    out["planned_share"] = np.where(has_budget, planned / np.where(has_budget, budget, 1), np.nan)
    out["burn_early"] = has_budget & (spent >= line - EPSILON) & (planned < line - EPSILON)
    out["forecast"] = spent / months * MONTHS if months > 0 else np.nan
    out["runs_out_month"] = _runs_out(budget, spent, months)
    return out


def _running_sum(table: pd.DataFrame, months: int) -> np.ndarray:
    total = np.zeros(len(table), dtype="float64")
    for column in range(1, months + 1):
        total = total + table[column].to_numpy(dtype="float64")
    return total


def _runs_out(budget: np.ndarray, spent: np.ndarray, months: int) -> pd.Series:
    if months <= 0:
        return pd.Series([pd.NA] * len(budget), dtype="Int64")
    rate = spent / months
    with np.errstate(divide="ignore", invalid="ignore"):
        month = np.maximum(1, np.ceil(budget / np.where(rate > 0, rate, 1) - EPSILON))
    valid = (spent > 0) & (month <= MONTHS)
    return pd.Series(np.where(valid, month, 0), dtype="Int64").where(valid, pd.NA)
