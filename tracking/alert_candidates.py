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

Each rule gives its alerts as one frame (`alert_rows`): a row per alert with the key, owner,
severity and one `fact:` column per fact — no Python object per alert, because a big plan
raises twelve thousand of them on every run and most are unchanged. `fingerprints` condenses a
row's owner, severity and facts into one number that the recompute compares with the stored
one; only new and changed rows become `AlertCandidate`s (`to_candidates`).

What an alert says is kept as facts (names, rounded numbers, ISO dates) and written out in
the reader's language by `tracking.alert_words`, e.g. "Hire 4 enterprise AEs is 50 % behind
plan (1 of 2 planned by 31 Mar)."
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
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


KEY = ["rule", "subject_type", "subject_id", "period"]
HEAD = [*KEY, "department_id", "owner_id", "severity"]
FACT = "fact:"


def alert_rows(
    rule: str,
    subject_type: str,
    *,
    subject_id,
    period,
    department_id,
    owner_id,
    severity,
    facts: dict,
) -> pd.DataFrame:
    """Alerts as a frame: the columns of HEAD (period as the month's first day) and one
    `fact:<name>` column per fact. Arguments are columns (array-likes of one length) or, for
    rule, subject type and severity, one value for all rows."""
    frame = pd.DataFrame(
        {
            "rule": str(rule),
            "subject_type": str(subject_type),
            "subject_id": np.asarray(subject_id, dtype="int64"),
            "period": _month_starts(period),
            "department_id": _id_column(department_id),
            "owner_id": _id_column(owner_id),
            "severity": severity,
        },
        index=pd.RangeIndex(len(subject_id)),
    )
    for name, values in facts.items():
        frame[FACT + name] = values.to_numpy() if isinstance(values, pd.Series) else values
    return frame


def no_alerts() -> pd.DataFrame:
    return alert_rows(
        "", "", subject_id=[], period=[], department_id=[], owner_id=[], severity=[], facts={}
    )


def candidate_rows(candidates: Iterable[AlertCandidate]) -> pd.DataFrame:
    """A list of AlertCandidate (what an extra alert source may return) as a frame."""
    candidates = list(candidates)
    if not candidates:
        return no_alerts()
    names = sorted({name for c in candidates for name in c.facts})
    frames = [
        alert_rows(
            c.rule,
            c.subject_type,
            subject_id=[c.subject_id],
            period=[c.period],
            department_id=[c.department_id],
            owner_id=[c.owner_id],
            severity=[c.severity],
            facts={name: [c.facts.get(name)] for name in names},
        )
        for c in candidates
    ]
    return pd.concat(frames, ignore_index=True)


def to_candidates(rows: pd.DataFrame) -> list[AlertCandidate]:
    """The rows of an alert frame as AlertCandidate, facts as plain JSON values."""
    if rows.empty:
        return []
    names = [c for c in rows.columns if c.startswith(FACT)]
    facts = rows[names].astype(object)
    facts = facts.where(facts.notna(), None).rename(columns=lambda c: c.removeprefix(FACT))
    return [
        AlertCandidate(*head, fact)
        for *head, fact in zip(
            rows["rule"].tolist(),
            rows["subject_type"].tolist(),
            rows["subject_id"].tolist(),
            rows["period"].dt.date.tolist(),
            _ids(rows["department_id"]),
            _ids(rows["owner_id"]),
            rows["severity"].tolist(),
            facts.to_dict("records"),
            strict=True,
        )
    ]


def fingerprints(rows: pd.DataFrame) -> np.ndarray:
    """One int64 per row condensing what an alert shows — department, owner, severity and
    every fact — the same for the same values in any process (pandas' fixed-key hashing):
    an alert whose fingerprint is the stored one is not written again."""
    names = [c for c in rows.columns if c.startswith(FACT)]
    columns = [
        rows["department_id"].to_numpy(dtype="float64", na_value=-1.0),
        rows["owner_id"].to_numpy(dtype="float64", na_value=-1.0),
        rows["severity"].to_numpy(dtype=object),
        *(_hashable(rows[name]) for name in names),
    ]
    # Which facts there are counts too (a rule that gains a fact rewrites its alerts).
    named = hashlib.blake2b("\x1f".join(names).encode(), digest_size=8).digest()
    return combine_hashes(columns, seed=int.from_bytes(named, "little"))


def combine_hashes(columns: list[np.ndarray], *, seed: int = 0) -> np.ndarray:
    """One int64 per row of equally long columns (numbers, or objects such as text), from
    pandas' fixed-key hash of each value: the same values give the same number in any
    process, and the order of the columns matters ((a, b) is not (b, a))."""
    length = len(columns[0]) if columns else 0
    combined = np.full(length, seed, dtype="uint64")
    with np.errstate(over="ignore"):
        for values in columns:
            hashed = pd.util.hash_array(values, categorize=False)
            combined = combined * np.uint64(1_099_511_628_211) ^ hashed
    return combined.view("int64")


def _hashable(values: pd.Series) -> np.ndarray:
    """A fact column as a numpy array that hashes the same for the same facts."""
    if pd.api.types.is_float_dtype(values.dtype):
        return values.fillna(-1e300).to_numpy(dtype="float64") + 0.0  # -0.0 is 0.0
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy(dtype="int64")
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.to_numpy(dtype=object, na_value="\x00")
    # Lists (blockers), or a source's mixed values: as JSON text.
    return values.map(lambda v: json.dumps(v, sort_keys=True, default=str)).to_numpy(dtype=object)


# ---------------------------------------------------------------------------------------------
# The rules' alerts


def goal_alerts(
    positions: pd.DataFrame, goals: pd.DataFrame, *, threshold: float, month_end: dt.date
) -> pd.DataFrame:
    """One alert per goal that is behind at `month_end` (`positions` as from
    `variance.goal_positions`, `goals` as from `rule_inputs.goal_inputs`)."""
    if positions.empty:
        return no_alerts()
    # The month's rows first (one in twelve), then the behind ones among them.
    at = positions[positions["as_of"].to_numpy() == np.datetime64(month_end, "ns")]
    at = at[at["status"].to_numpy() == GoalStatus.BEHIND.value]
    # The goals' words by position (a goal not in `goals` raises nothing).
    where = pd.Index(goals["goal_id"]).get_indexer(at["goal_id"])
    at, where = at[where >= 0], where[where >= 0]
    words = goals.iloc[where].reset_index(drop=True)
    shortfall = at["shortfall"].to_numpy(dtype="float64")
    critical = shortfall > CRITICAL_BEHIND_FACTOR * threshold
    return alert_rows(
        Rule.GOAL_BEHIND,
        SubjectType.GOAL,
        subject_id=at["goal_id"].to_numpy(),
        period=np.full(len(at), np.datetime64(month_end, "D")),
        department_id=words["department_id"],
        owner_id=_fallback(words["owner_id"], words["department_head_id"]),
        severity=np.where(critical, CRITICAL, WARNING),
        facts={
            "goal": words["title"].astype(str),
            "shortfall": np.round(shortfall, 4),
            "actual": np.round(at["actual"].to_numpy(dtype="float64"), 4),
            "planned": np.round(at["planned"].to_numpy(dtype="float64"), 4),
            "direction": words["direction"].astype(str),
            "date": [month_end.isoformat()] * len(at),
        },
    )


def burn_alerts(
    burn: pd.DataFrame, departments: pd.DataFrame, *, currency: str, month_end: dt.date
) -> pd.DataFrame:
    """One alert per department that burned its budget early at `month_end` (`burn` as from
    `burn.burn_positions`, `departments`: department_id, name, head_id)."""
    if burn.empty:
        return no_alerts()
    rows = burn[burn["burn_early"].astype(bool)].merge(departments, on="department_id")
    return alert_rows(
        Rule.BURN_EARLY,
        SubjectType.DEPARTMENT,
        subject_id=rows["department_id"],
        period=[month_end] * len(rows),
        department_id=rows["department_id"],
        owner_id=rows["head_id"],
        severity=np.where(rows["spent"] >= rows["budget"], CRITICAL, WARNING),
        facts={
            "department": rows["name"].astype(str),
            "spent_share": rows["spent_share"].astype("float64").round(4),
            "planned_share": rows["planned_share"].astype("float64").round(4),
            "spent": rows["spent"].astype("float64").round(2),
            "budget": rows["budget"].astype("float64").round(2),
            "currency": [currency] * len(rows),
            "date": [month_end.isoformat()] * len(rows),
        },
    )


def blocking_links(dependencies: pd.DataFrame, *, at: dt.date) -> pd.DataFrame:
    """The dependencies (as from `rule_inputs.dependency_inputs`) where y blocks x at `at`
    (SPEC §4.4, via `planning.dependencies.blocked_mask`), in their order, with `late` when y
    is already past its planned end."""
    starts = _days(dependencies["x_start"])
    ends = _days(dependencies["y_end"])
    mask = blocked_mask(dependencies["x_status"], starts, dependencies["y_status"], ends, at)
    return dependencies[mask].assign(late=np.datetime64(at, "D") > ends[mask])


def blocked_alerts(blocking: pd.DataFrame, words: pd.DataFrame) -> pd.DataFrame:
    """One alert per initiative blocked by one or more initiatives it depends on: `blocking`
    as from `blocking_links`, `words` the initiatives on either end (initiative_id, title,
    department_id, department_name, owner_id, department_head_id, as from
    `rule_inputs.initiative_words`). Blockers are listed in the order of the links."""
    if blocking.empty:
        return no_alerts()
    ids = pd.Index(words["initiative_id"])
    x = words.iloc[ids.get_indexer(blocking["x_id"])].reset_index(drop=True)
    y = words.iloc[ids.get_indexer(blocking["y_id"])].reset_index(drop=True)
    blockers = list(
        zip(
            y["title"].tolist(),
            y["department_name"].tolist(),
            np.datetime_as_string(_days(blocking["y_end"]), unit="D").tolist(),
            strict=True,
        )
    )
    # One alert per blocked initiative, in the order they first appear; its blockers in the
    # order of the links.
    group, _ = pd.factorize(blocking["x_id"])
    first = np.unique(group, return_index=True)[1]
    order = np.argsort(group, kind="stable")
    ends = np.cumsum(np.bincount(group))
    starts = np.r_[0, ends[:-1]]
    listed = [[list(blockers[i]) for i in order[a:b]] for a, b in zip(starts, ends, strict=True)]
    late = np.bincount(group, weights=blocking["late"].to_numpy(dtype="float64")) > 0
    x = x.iloc[first]
    return alert_rows(
        Rule.INITIATIVE_BLOCKED,
        SubjectType.INITIATIVE,
        subject_id=blocking["x_id"].to_numpy()[first],
        period=_days(blocking["x_start"])[first],
        department_id=blocking["x_department_id"].to_numpy()[first],
        owner_id=_fallback(x["owner_id"], x["department_head_id"]),
        severity=np.where(late, CRITICAL, WARNING),  # a blocker already past its planned end
        facts={
            "title": x["title"].astype(str),
            "department": x["department_name"].astype(str),
            "start": np.datetime_as_string(_days(blocking["x_start"])[first], unit="D"),
            "blockers": listed,
        },
    )


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def milestone_alerts(late: pd.DataFrame) -> pd.DataFrame:
    """One alert per overdue milestone (`late` as from `thresholds.overdue` over
    `rule_inputs.open_milestone_inputs`)."""
    words = {"title": late["title"].astype(str), "initiative": late["initiative_title"].astype(str)}
    return _overdue_alerts(Rule.MILESTONE_OVERDUE, SubjectType.MILESTONE, late, words)


def action_item_alerts(late: pd.DataFrame) -> pd.DataFrame:
    """One alert per overdue action item of a monthly review, for the `reviews` app's alert
    source: `late` as from `thresholds.overdue` over rows with id, title, due_date, done,
    owner_id, department_id (may be None) and department_head_id."""
    words = {"title": late["title"].astype(str)}
    return _overdue_alerts(Rule.ACTION_ITEM_OVERDUE, SubjectType.ACTION_ITEM, late, words)


def _overdue_alerts(rule, subject_type, late: pd.DataFrame, words: dict) -> pd.DataFrame:
    """What overdue milestones and action items share: the period is the due month, the owner
    falls back to the department's head, the facts add the due date and days overdue."""
    if late.empty:
        return no_alerts()
    due = pd.to_datetime(late["due_date"])
    days = late["days_overdue"].astype("int64")
    return alert_rows(
        rule,
        subject_type,
        subject_id=late["id"],
        period=due,
        department_id=late["department_id"],
        owner_id=_fallback(late["owner_id"], late["department_head_id"]),
        severity=np.where(days > CRITICAL_OVERDUE_DAYS, CRITICAL, WARNING),
        facts={**words, "due": due.dt.strftime("%Y-%m-%d"), "days": days},
    )


def kpi_alerts(checks: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """One alert per KPI whose latest month is outside its warning or critical threshold
    (`checks` as from `thresholds.kpi_checks`)."""
    if checks.empty:
        return no_alerts()
    outside = checks[checks["level"].isin([KpiLevel.WARNING.value, KpiLevel.CRITICAL.value])]
    rows = outside.merge(
        kpis.drop(
            columns=["direction", "warning_threshold", "critical_threshold"], errors="ignore"
        ),
        on="kpi_id",
    )
    return alert_rows(
        Rule.KPI_THRESHOLD,
        SubjectType.KPI,
        subject_id=rows["kpi_id"],
        period=rows["period"],
        department_id=rows["department_id"],
        owner_id=_fallback(rows["goal_owner_id"], rows["department_head_id"]),
        severity=np.where(rows["level"] == KpiLevel.CRITICAL.value, CRITICAL, WARNING),
        facts={
            "kpi": rows["name"].astype(str),
            "unit": rows["unit"].fillna("").astype(str),
            "month": np.datetime_as_string(_days(rows["period"]), unit="D"),
            "value": rows["value"].astype("float64").round(4),
            "target": rows["target"].astype("float64").round(4),
            "shortfall": rows["shortfall"].astype("float64").round(4),
        },
    )


# ---------------------------------------------------------------------------------------------
# Values


def _month_starts(values) -> np.ndarray:
    """Dates (any day of the month; dates, ISO text or datetime64) → the month's first day."""
    if not isinstance(values, pd.Series | np.ndarray) or values.dtype == object:
        values = pd.to_datetime(pd.Series(values, dtype=object))
    days = np.asarray(values, dtype="datetime64[ns]")
    return days.astype("datetime64[M]").astype("datetime64[ns]")


def _id_column(values) -> pd.api.extensions.ExtensionArray:
    """Ids as a nullable integer column."""
    if not isinstance(values, pd.Series) or not pd.api.types.is_numeric_dtype(values.dtype):
        values = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    return pd.array(values.to_numpy(dtype="float64", na_value=np.nan)).astype("Int64")


def _fallback(values: pd.Series, other: pd.Series) -> pd.Series:
    """`values`, with `other` where `values` has none (an owner, else the department's head)."""
    return pd.to_numeric(values).astype("float64").fillna(pd.to_numeric(other).astype("float64"))


def _ids(values: pd.Series) -> list[int | None]:
    """Ids as Python ints, None for missing."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return [None if v != v else int(v) for v in numbers.tolist()]  # v != v: NaN
