"""From rule results to alerts (SPEC §4.6): which subjects get an alert, for which month, how
severe, who owns it and what it says — pure functions over the rule results, no database.

Severity, decided once here:
- goal behind plan: critical when the shortfall is more than twice the plan's threshold
  (more than 20 % behind with the default 10 %), otherwise a warning;
- budget burned early: critical when the whole annual budget is spent, otherwise a warning;
- initiative blocked: critical when a blocker is already overdue (past its planned end),
  otherwise a warning (it is late only on paper so far);
- milestone or action item overdue: critical when more than 30 days overdue, otherwise a
  warning;
- KPI outside threshold: warning or critical as the KPI's own thresholds say.

The alert's month (its `period`, the month's first day) is the evaluated month for goals and
budgets (they are judged again every month), the measured month for KPIs, the due month for
milestones and the start month for blocked initiatives (those stay the same alert while the
condition lasts). The owner is the goal's, initiative's or KPI goal's owner, else the head of
the department.

What an alert says is kept as facts (names, rounded numbers, ISO dates) and written out in
the reader's language by `tracking.alert_words`, e.g. "Hire 4 enterprise AEs is 50 % behind
plan (1 of 2 planned by 31 Mar)."
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from planning.dependencies import blocked_mask
from tracking.alert_words import alert_message
from tracking.constants import GoalStatus, KpiLevel, SubjectType
from tracking.models import Alert

Rule = Alert.Rule
WARNING, CRITICAL = Alert.Severity.WARNING.value, Alert.Severity.CRITICAL.value
CRITICAL_BEHIND_FACTOR = 2
CRITICAL_OVERDUE_DAYS = 30


class AlertCandidate(NamedTuple):
    """An alert as a rule raises it; stored with the key (rule, subject_type, subject_id,
    period) per plan. `facts` are what the sentence is written from (`tracking.alert_words`):
    JSON values only — text, numbers rounded to what is shown, ISO dates."""

    rule: str
    subject_type: str
    subject_id: int
    period: dt.date
    department_id: int | None
    owner_id: int | None
    severity: str
    facts: dict

    @property
    def message(self) -> str:
        """The sentence in the active language."""
        return alert_message(self.rule, self.facts)


def goal_alerts(
    positions: pd.DataFrame, goals: pd.DataFrame, *, threshold: float, month_end: dt.date
) -> list[AlertCandidate]:
    """One alert per goal that is behind at `month_end` (`positions` as from
    `variance.goal_positions`, `goals` as from `rule_inputs.goal_inputs`)."""
    if positions.empty:
        return []
    at = positions[
        (positions["as_of"] == pd.Timestamp(month_end))
        & (positions["status"] == GoalStatus.BEHIND.value)
    ]
    rows = at.merge(goals.drop(columns=["status"], errors="ignore"), on="goal_id")
    period, day = month_end.replace(day=1), month_end.isoformat()
    rule, subject_type = Rule.GOAL_BEHIND.value, SubjectType.GOAL.value
    critical = rows["shortfall"].to_numpy() > CRITICAL_BEHIND_FACTOR * threshold
    owners = _ids(rows["owner_id"], rows["department_head_id"])
    return [
        AlertCandidate(
            rule,
            subject_type,
            goal_id,
            period,
            department_id,
            owner_id,
            CRITICAL if worse else WARNING,
            {"goal": title, "shortfall": s, "actual": a, "planned": p, "date": day},
        )
        for goal_id, department_id, owner_id, worse, title, s, a, p in zip(
            rows["goal_id"].astype("int64").tolist(),
            _ids(rows["department_id"]),
            owners,
            critical.tolist(),
            rows["title"].tolist(),
            _rounded(rows["shortfall"]),
            _rounded(rows["actual"]),
            _rounded(rows["planned"]),
            strict=True,
        )
    ]


def burn_alerts(
    burn: pd.DataFrame, departments: pd.DataFrame, *, currency: str, month_end: dt.date
) -> list[AlertCandidate]:
    """One alert per department that burned its budget early at `month_end` (`burn` as from
    `burn.burn_positions`, `departments`: department_id, name, head_id)."""
    if burn.empty:
        return []
    rows = burn[burn["burn_early"].astype(bool)].merge(departments, on="department_id")
    return [
        AlertCandidate(
            Rule.BURN_EARLY.value,
            SubjectType.DEPARTMENT.value,
            int(r.department_id),
            month_end.replace(day=1),
            int(r.department_id),
            _id(r.head_id),
            CRITICAL if r.spent >= r.budget else WARNING,
            {
                "department": r.name,
                "spent_share": round(float(r.spent_share), 4),
                "planned_share": round(float(r.planned_share), 4),
                "spent": round(float(r.spent), 2),
                "budget": round(float(r.budget), 2),
                "currency": currency,
                "date": month_end.isoformat(),
            },
        )
        for r in rows.itertuples(index=False)
    ]


def blocked_alerts(dependencies: pd.DataFrame, *, at: dt.date) -> list[AlertCandidate]:
    """One alert per initiative blocked at `at` by one or more initiatives it depends on
    (SPEC §4.4, via `planning.dependencies.blocked_mask`); `dependencies` as from
    `rule_inputs.dependency_inputs`. Blockers are listed in the order of the rows."""
    if dependencies.empty:
        return []
    starts = _days(dependencies["x_start"])
    ends = _days(dependencies["y_end"])
    mask = blocked_mask(dependencies["x_status"], starts, dependencies["y_status"], ends, at)
    if not mask.any():
        return []
    rows = dependencies[mask]
    overdue = (np.datetime64(at, "D") > ends[mask]).tolist()
    start_iso = np.datetime_as_string(starts[mask], unit="D").tolist()
    end_iso = np.datetime_as_string(ends[mask], unit="D").tolist()
    owners = _ids(rows["x_owner_id"], rows["x_department_head_id"])
    blocked: dict[int, AlertCandidate] = {}
    for i, (x_id, title, department_id, department, y_title, y_department) in enumerate(
        zip(
            rows["x_id"].astype("int64").tolist(),
            rows["x_title"].tolist(),
            rows["x_department_id"].astype("int64").tolist(),
            rows["x_department_name"].tolist(),
            rows["y_title"].tolist(),
            rows["y_department_name"].tolist(),
            strict=True,
        )
    ):
        alert = blocked.get(x_id)
        if alert is None:
            alert = blocked[x_id] = AlertCandidate(
                Rule.INITIATIVE_BLOCKED.value,
                SubjectType.INITIATIVE.value,
                x_id,
                dt.date.fromisoformat(start_iso[i]).replace(day=1),
                department_id,
                owners[i],
                WARNING,
                {"title": title, "department": department, "start": start_iso[i], "blockers": []},
            )
        alert.facts["blockers"].append([y_title, y_department, end_iso[i]])
        if overdue[i] and alert.severity != CRITICAL:  # a blocker is already late
            blocked[x_id] = alert._replace(severity=CRITICAL)
    return list(blocked.values())


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def milestone_alerts(late: pd.DataFrame) -> list[AlertCandidate]:
    """One alert per overdue milestone (`late` as from `thresholds.overdue` over
    `rule_inputs.open_milestone_inputs`)."""
    if late.empty:
        return []
    words = (
        {"title": title, "initiative": initiative}
        for title, initiative in zip(
            late["title"].tolist(), late["initiative_title"].tolist(), strict=True
        )
    )
    return _overdue_alerts(Rule.MILESTONE_OVERDUE, SubjectType.MILESTONE, late, words)


def action_item_alerts(late: pd.DataFrame) -> list[AlertCandidate]:
    """One alert per overdue action item of a monthly review, for the `reviews` app's alert
    source: `late` as from `thresholds.overdue` over rows with id, title, due_date, done,
    owner_id, department_id (may be None) and department_head_id."""
    if late.empty:
        return []
    words = ({"title": title} for title in late["title"].tolist())
    return _overdue_alerts(Rule.ACTION_ITEM_OVERDUE, SubjectType.ACTION_ITEM, late, words)


def _overdue_alerts(rule, subject_type, late: pd.DataFrame, words) -> list[AlertCandidate]:
    """What overdue milestones and action items share: the period is the due month, the owner
    falls back to the department's head, the facts add the due date and days overdue."""
    due = pd.to_datetime(late["due_date"])
    days = late["days_overdue"].astype("int64")
    severity = np.where(days > CRITICAL_OVERDUE_DAYS, CRITICAL, WARNING)
    columns = zip(
        late["id"].astype("int64").tolist(),
        due.dt.to_period("M").dt.start_time.dt.date.tolist(),
        _ids(late["department_id"]),
        _ids(late["owner_id"], late["department_head_id"]),
        severity.tolist(),
        due.dt.strftime("%Y-%m-%d").tolist(),
        days.tolist(),
        words,
        strict=False,  # `words` is a generator of the same length
    )
    rule, subject_type = rule.value, subject_type.value
    return [
        AlertCandidate(
            rule,
            subject_type,
            subject_id,
            period,
            department_id,
            owner_id,
            level,
            {**named, "due": due_iso, "days": late_days},
        )
        for subject_id, period, department_id, owner_id, level, due_iso, late_days, named in columns
    ]


def kpi_alerts(checks: pd.DataFrame, kpis: pd.DataFrame) -> list[AlertCandidate]:
    """One alert per KPI whose latest month is outside its warning or critical threshold
    (`checks` as from `thresholds.kpi_checks`)."""
    if checks.empty:
        return []
    outside = checks[checks["level"].isin([KpiLevel.WARNING.value, KpiLevel.CRITICAL.value])]
    rows = outside.merge(
        kpis.drop(
            columns=["direction", "warning_threshold", "critical_threshold"], errors="ignore"
        ),
        on="kpi_id",
    )
    return [
        AlertCandidate(
            Rule.KPI_THRESHOLD.value,
            SubjectType.KPI.value,
            int(r.kpi_id),
            r.period.date(),
            _id(r.department_id),
            _id(r.goal_owner_id) or _id(r.department_head_id),
            CRITICAL if r.level == KpiLevel.CRITICAL.value else WARNING,
            {
                "kpi": r.name,
                "unit": r.unit or "",
                "month": r.period.date().isoformat(),
                "value": _round(r.value),
                "target": _round(r.target),
                "shortfall": _round(r.shortfall),
            },
        )
        for r in rows.itertuples(index=False)
    ]


# ---------------------------------------------------------------------------------------------
# Values


def _round(value, digits: int = 4) -> float | None:
    """A number as facts keep it: rounded (so float noise is not a change), None for none."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def _rounded(values: pd.Series, digits: int = 4) -> list:
    rounded = values.astype("float64").round(digits)
    return rounded.astype(object).where(rounded.notna(), None).tolist()


def _ids(values: pd.Series, fallback: pd.Series | None = None) -> list[int | None]:
    """Ids (None for missing), or the fallback's where `values` has none."""
    ids = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if fallback is not None:
        other = pd.to_numeric(fallback, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        ids = np.where(np.isnan(ids), other, ids)
    return [None if v != v else int(v) for v in ids.tolist()]  # v != v: NaN


def _id(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return int(value)


def by_rule(candidates: Iterable[AlertCandidate]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for c in candidates:
        counts[c.rule] = counts.get(c.rule, 0) + 1
    return counts
