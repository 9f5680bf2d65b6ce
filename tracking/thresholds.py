"""Other alerts (SPEC §4.5), as pure functions over plain values or DataFrames.

**KPI outside its threshold.** A KPI has a target per month and two thresholds, each a share
of that month's target. The *shortfall* is how far the value falls short of the target, as a
share of the target: (target − value) / |target| for a KPI that should go up, (value −
target) / |target| for one that should go down. Beyond the target (shortfall ≤ 0) is fine.
A shortfall above the warning threshold (0.05 = 5 % by default) warns, above the critical one
(0.15) is critical; exactly at a threshold is still inside it. A target of zero has no shares:
any value on the wrong side of it is critical. No value or no target for the month: no data.
The KPI is judged on its latest month (up to the as-of month) that has both a value and a
target, so a value entered late for last month still raises its alert.

**Milestone overdue.** Its due date has passed (due date < the evaluation date) and it is not
done. A milestone due today is not overdue yet.

**Action item overdue** lives with the monthly reviews (the `reviews` app registers it with
the alert computation, see `tracking.services.alerts.register_alert_source`); the same test as
for milestones applies: `is_overdue(due_date, done, at)`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from tracking.constants import KpiLevel

DECREASE = "decrease"
EPSILON = 1e-9
KPI_COLUMNS = ["kpi_id", "period", "value", "target", "shortfall", "level"]


class KpiCheck(NamedTuple):
    """A KPI value against its month's target: the shortfall share (None when it cannot be
    computed) and the level (a KpiLevel value)."""

    shortfall: float | None
    level: str


def kpi_check(
    *,
    value: float | None,
    target: float | None,
    direction: str,
    warning: float,
    critical: float,
) -> KpiCheck:
    """Is this month's KPI value inside its thresholds? (see the module docstring)

    >>> kpi_check(value=80, target=100, direction="increase", warning=0.05, critical=0.15)
    KpiCheck(shortfall=0.2, level='critical')
    """
    if value is None or target is None:
        return KpiCheck(None, KpiLevel.NO_DATA.value)
    sign = -1.0 if direction == DECREASE else 1.0
    gap = sign * (float(target) - float(value))
    if float(target) == 0:
        return KpiCheck(None, KpiLevel.CRITICAL.value if gap > 0 else KpiLevel.OK.value)
    share = gap / abs(float(target))
    return KpiCheck(share, _level(share, float(warning), float(critical)))


def _level(share: float, warning: float, critical: float) -> str:
    if share > critical + EPSILON:
        return KpiLevel.CRITICAL.value
    if share > warning + EPSILON:
        return KpiLevel.WARNING.value
    return KpiLevel.OK.value


def kpi_checks(
    kpis: pd.DataFrame, targets: pd.DataFrame, measurements: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Each KPI on its latest month up to `as_of` with both a value and a target.

    Inputs: `kpis` (kpi_id, direction, warning_threshold, critical_threshold), `targets`
    (kpi_id, month, target), `measurements` (kpi_id, period, value); months as any day of the
    month. Returns kpi_id, period (first day of the month, datetime64), value, target,
    shortfall and level — the same as `kpi_check` per row. KPIs with no such month are left
    out."""
    if kpis.empty or targets.empty or measurements.empty:
        return pd.DataFrame({column: [] for column in KPI_COLUMNS})
    t = pd.DataFrame(
        {
            "kpi_id": targets["kpi_id"].astype("int64"),
            "period": _first_of_month(targets["month"]),
            "target": _floats(targets["target"]),
        }
    )
    m = pd.DataFrame(
        {
            "kpi_id": measurements["kpi_id"].astype("int64"),
            "period": _first_of_month(measurements["period"]),
            "value": _floats(measurements["value"]),
        }
    )
    until = np.datetime64(as_of, "ns")
    m = m[m["period"].to_numpy() <= until]
    rows = m.merge(t, on=["kpi_id", "period"]).sort_values(["kpi_id", "period"])
    kpi = rows["kpi_id"].to_numpy()
    latest = np.ones(len(kpi), dtype=bool)  # each KPI's last row: its latest month
    latest[:-1] = kpi[1:] != kpi[:-1]
    rows = rows[latest]
    k = kpis.assign(kpi_id=kpis["kpi_id"].astype("int64"))
    rows = rows.merge(k, on="kpi_id")
    return _levels(rows).reset_index(drop=True)[KPI_COLUMNS]


def _levels(rows: pd.DataFrame) -> pd.DataFrame:
    sign = np.where(rows["direction"].astype(str) == DECREASE, -1.0, 1.0)
    gap = sign * (rows["target"] - rows["value"])
    zero = rows["target"] == 0
    share = (gap / rows["target"].abs().where(~zero)).where(~zero)
    warning = _floats(rows["warning_threshold"])
    critical = _floats(rows["critical_threshold"])
    level = np.select(
        [zero & (gap > 0), zero, share > critical + EPSILON, share > warning + EPSILON],
        [
            KpiLevel.CRITICAL.value,
            KpiLevel.OK.value,
            KpiLevel.CRITICAL.value,
            KpiLevel.WARNING.value,
        ],
        default=KpiLevel.OK.value,
    )
    return rows.assign(shortfall=share, level=pd.Series(level, index=rows.index, dtype=object))


def is_overdue(due_date: dt.date | None, done: bool, at: dt.date) -> bool:
    """A milestone (or action item) is overdue when its due date has passed and it is not
    done."""
    return not done and due_date is not None and due_date < at


def days_overdue(due_date: dt.date, at: dt.date) -> int:
    """Whole days since the due date (0 on the due date itself)."""
    return max(0, (at - due_date).days)


def overdue(items: pd.DataFrame, at: dt.date) -> pd.DataFrame:
    """The rows of `items` (id, due_date, done, …) that are overdue at `at`, with a
    `days_overdue` column; the same test as `is_overdue`."""
    if items.empty:
        return items.assign(days_overdue=pd.Series(dtype="int64"))
    due = pd.to_datetime(items["due_date"])
    late = ~items["done"].astype(bool) & due.notna() & (due < pd.Timestamp(at))
    result = items[late].copy()
    result["days_overdue"] = (pd.Timestamp(at) - due[late]).dt.days.astype("int64")
    return result


def _first_of_month(values: pd.Series) -> pd.Series:
    months = pd.to_datetime(values).to_numpy().astype("datetime64[M]")
    return pd.Series(months.astype("datetime64[ns]"), index=values.index)


def _floats(values: pd.Series) -> pd.Series:
    """Numbers (floats, ints, Decimals or None) as float64 with NaN for missing."""
    if pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != bool:
        return values.astype("float64")
    return pd.to_numeric(values.astype(object).where(values.notna(), None)).astype("float64")
