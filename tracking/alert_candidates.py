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

Messages are in the user's words with the numbers that matter, e.g. "Hire 4 enterprise AEs is
50 % behind plan (1 of 2 planned by 31 Mar)."
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pandas as pd
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from planning.dependencies import Node, blockers
from tracking.constants import GoalStatus, KpiLevel, SubjectType
from tracking.models import Alert

Rule = Alert.Rule
WARNING, CRITICAL = Alert.Severity.WARNING.value, Alert.Severity.CRITICAL.value
CRITICAL_BEHIND_FACTOR = 2
CRITICAL_OVERDUE_DAYS = 30
MESSAGE_MAX = 500


class AlertCandidate(NamedTuple):
    """An alert as a rule raises it; stored with the key (rule, subject_type, subject_id,
    period) per plan."""

    rule: str
    subject_type: str
    subject_id: int
    period: dt.date
    department_id: int | None
    owner_id: int | None
    severity: str
    message: str


def goal_alerts(
    positions: pd.DataFrame, goals: pd.DataFrame, *, threshold: float, month_end: dt.date
) -> list[AlertCandidate]:
    """One alert per goal that is behind at `month_end` (`positions` as from
    `variance.goal_positions`, `goals` as from `rule_inputs.goal_inputs`)."""
    w = _Words()
    if positions.empty:
        return []
    at = positions[
        (positions["as_of"] == pd.Timestamp(month_end))
        & (positions["status"] == GoalStatus.BEHIND.value)
    ]
    rows = at.merge(goals.drop(columns=["status"], errors="ignore"), on="goal_id")
    template = _("%(goal)s is %(pct)s behind plan (%(actual)s of %(planned)s planned by %(date)s)")
    by_date = w.date(month_end)
    return [
        AlertCandidate(
            Rule.GOAL_BEHIND.value,
            SubjectType.GOAL.value,
            int(r.goal_id),
            month_end.replace(day=1),
            _id(r.department_id),
            _id(r.owner_id) or _id(r.department_head_id),
            CRITICAL if r.shortfall > CRITICAL_BEHIND_FACTOR * threshold else WARNING,
            template
            % {
                "goal": r.title,
                "pct": w.percent(r.shortfall),
                "actual": w.num(r.actual),
                "planned": w.num(r.planned),
                "date": by_date,
            },
        )
        for r in rows.itertuples(index=False)
    ]


def burn_alerts(
    burn: pd.DataFrame, departments: pd.DataFrame, *, currency: str, month_end: dt.date
) -> list[AlertCandidate]:
    """One alert per department that burned its budget early at `month_end` (`burn` as from
    `burn.burn_positions`, `departments`: department_id, name, head_id)."""
    w = _Words()
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
            _(
                "%(department)s has spent %(spent_pct)s of its annual budget by %(date)s; "
                "the plan expected %(planned_pct)s (%(spent)s of %(budget)s %(currency)s)"
            )
            % {
                "department": r.name,
                "spent_pct": w.percent(r.spent_share),
                "date": w.date(month_end),
                "planned_pct": w.percent(r.planned_share),
                "spent": w.num(r.spent, 0),
                "budget": w.num(r.budget, 0),
                "currency": currency,
            },
        )
        for r in rows.itertuples(index=False)
    ]


def blocked_alerts(
    initiatives: pd.DataFrame, edges: pd.DataFrame, *, at: dt.date
) -> list[AlertCandidate]:
    """One alert per initiative blocked at `at` by one or more initiatives it depends on
    (SPEC §4.4, via `planning.dependencies.blockers`)."""
    w = _Words()
    if initiatives.empty or edges.empty:
        return []
    linked = set(edges["x_id"]) | set(edges["y_id"])  # only these can block or be blocked
    rows = initiatives[initiatives["initiative_id"].isin(linked)]
    info = {int(r.initiative_id): r for r in rows.itertuples(index=False)}
    nodes = {
        i: Node(i, int(r.department_id), r.start, r.planned_end, r.status) for i, r in info.items()
    }
    pairs = blockers(nodes, edges[["x_id", "y_id"]].itertuples(index=False, name=None), at)
    by_blocked: dict[int, list[int]] = {}
    for x_id, y_id in pairs:
        by_blocked.setdefault(int(x_id), []).append(int(y_id))
    words = (
        _("%(title)s (%(department)s, starts %(start)s) is blocked by %(blockers)s"),
        _("%(title)s (%(department)s, planned to end %(date)s)"),
    )
    return [
        _blocked_alert(info[x], [info[y] for y in ys], at, words, w) for x, ys in by_blocked.items()
    ]


def _blocked_alert(x, ys: list, at: dt.date, words: tuple[str, str], w: _Words) -> AlertCandidate:
    sentence, blocker = words
    overdue = any(at > y.planned_end for y in ys)
    names = ", ".join(
        blocker % {"title": y.title, "department": y.department_name, "date": w.date(y.planned_end)}
        for y in ys
    )
    message = sentence % {
        "title": x.title,
        "department": x.department_name,
        "start": w.date(x.start),
        "blockers": names,
    }
    return AlertCandidate(
        Rule.INITIATIVE_BLOCKED.value,
        SubjectType.INITIATIVE.value,
        int(x.initiative_id),
        x.start.replace(day=1),
        int(x.department_id),
        _id(x.owner_id) or _id(x.department_head_id),
        CRITICAL if overdue else WARNING,
        clip(message),
    )


def milestone_alerts(late: pd.DataFrame) -> list[AlertCandidate]:
    """One alert per overdue milestone (`late` as from `thresholds.overdue` over
    `rule_inputs.open_milestone_inputs`)."""
    w = _Words()
    if late.empty:
        return []
    template = _(
        "Milestone “%(title)s” of %(initiative)s was due %(date)s and is not done "
        "(%(days)s days overdue)"
    )
    return [
        AlertCandidate(
            Rule.MILESTONE_OVERDUE.value,
            SubjectType.MILESTONE.value,
            int(r.id),
            r.due_date.replace(day=1),
            _id(r.department_id),
            _id(r.owner_id) or _id(r.department_head_id),
            CRITICAL if r.days_overdue > CRITICAL_OVERDUE_DAYS else WARNING,
            clip(
                template
                % {
                    "title": r.title,
                    "initiative": r.initiative_title,
                    "date": w.date(r.due_date),
                    "days": w.num(r.days_overdue, 0),
                }
            ),
        )
        for r in late.itertuples(index=False)
    ]


def action_item_alerts(late: pd.DataFrame) -> list[AlertCandidate]:
    """One alert per overdue action item of a monthly review, for the `reviews` app's alert
    source: `late` as from `thresholds.overdue` over rows with id, title, due_date, done,
    owner_id, department_id (may be None) and department_head_id."""
    w = _Words()
    if late.empty:
        return []
    template = _("Action item “%(title)s” was due %(date)s and is not done (%(days)s days overdue)")
    return [
        AlertCandidate(
            Rule.ACTION_ITEM_OVERDUE.value,
            SubjectType.ACTION_ITEM.value,
            int(r.id),
            r.due_date.replace(day=1),
            _id(r.department_id),
            _id(r.owner_id) or _id(r.department_head_id),
            CRITICAL if r.days_overdue > CRITICAL_OVERDUE_DAYS else WARNING,
            clip(
                template
                % {"title": r.title, "date": w.date(r.due_date), "days": w.num(r.days_overdue, 0)}
            ),
        )
        for r in late.itertuples(index=False)
    ]


def kpi_alerts(checks: pd.DataFrame, kpis: pd.DataFrame) -> list[AlertCandidate]:
    """One alert per KPI whose latest month is outside its warning or critical threshold
    (`checks` as from `thresholds.kpi_checks`)."""
    w = _Words()
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
            _kpi_message(r, w),
        )
        for r in rows.itertuples(index=False)
    ]


def _kpi_message(r, w) -> str:
    unit = f" {r.unit}" if r.unit else ""
    values = {
        "kpi": r.name,
        "month": dateformat.format(r.period.date(), "F Y"),
        "value": w.num(r.value) + unit,
        "target": w.num(r.target) + unit,
    }
    if r.shortfall is None or math.isnan(r.shortfall):
        return _("%(kpi)s missed its target of %(target)s in %(month)s (%(value)s)") % values
    return _(
        "%(kpi)s was %(pct)s short of its target in %(month)s (%(value)s against %(target)s)"
    ) % {**values, "pct": w.percent(r.shortfall)}


# ---------------------------------------------------------------------------------------------
# Words and numbers


def num(value: float, decimals: int = 2) -> str:
    """A number as people write it in the active language: thousands separators, no
    trailing zeros (1,234.5 in English, 1.234,5 in German)."""
    return _Words().num(value, decimals)


def _separators() -> tuple[str, str]:
    language = get_language()
    if language not in _SEPARATORS:
        _SEPARATORS[language] = (get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR"))
    return _SEPARATORS[language]


_SEPARATORS: dict[str | None, tuple[str, str]] = {}


def percent(share: float) -> str:
    """0.5 → '50 %' (whole percent; '0.5 %' below one percent)."""
    return _Words().percent(share)


def short_date(day: dt.date) -> str:
    """A day as "31 Mar" in the active language (cached: thousands of alerts share a few
    hundred dates)."""
    return _short_date(day, get_language())


@functools.lru_cache(maxsize=4096)
def _short_date(day: dt.date, language: str | None) -> str:
    return dateformat.format(day, "j M")


class _Words:
    """Numbers and dates in the active language, looked up once per batch of alerts (the
    language and its separators cost more to look up than to apply, 15,000 times over)."""

    def __init__(self):
        self.language = get_language()
        self.thousands, self.point = _separators()

    def num(self, value: float, decimals: int = 2) -> str:
        text = f"{float(value):,.{decimals}f}"
        if decimals:
            text = text.rstrip("0").rstrip(".")
        return text.translate({ord(","): self.thousands, ord("."): self.point})

    def percent(self, share: float) -> str:
        value = float(share) * 100
        return f"{self.num(value, 0 if abs(value) >= 1 else 1)} %"

    def date(self, day: dt.date) -> str:
        return _short_date(day, self.language)


def clip(text: str) -> str:
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _id(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return int(value)


def by_rule(candidates: Iterable[AlertCandidate]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for c in candidates:
        counts[c.rule] = counts.get(c.rule, 0) + 1
    return counts
