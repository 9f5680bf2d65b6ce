"""Compare the current plan with its approved baseline (SPEC §2 step 4): pure functions over
two snapshots made by `goal_selectors.plan_snapshot`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

GOAL_FIELDS = (
    ("owner", _("Owner"), "text"),
    ("baseline", _("Baseline"), "number"),
    ("target", _("Target"), "number"),
    ("due_date", _("Due date"), "date"),
    ("budget", _("Budget"), "number"),
    ("checkpoints", _("Checkpoints"), "checkpoints"),
)
INITIATIVE_FIELDS = (
    ("owner", _("Owner"), "text"),
    ("start", _("Start"), "date"),
    ("planned_end", _("Planned end"), "date"),
)
BUDGET_FIELDS = (("total", _("Annual budget"), "number"),)


@dataclass(frozen=True)
class Cell:
    """One value in the baseline and now; `changed` when they differ."""

    kind: str
    before: object
    now: object

    @property
    def changed(self) -> bool:
        return self.before != self.now


@dataclass(frozen=True)
class Row:
    """One goal, initiative or department: `state` is same, changed, added or removed."""

    key: int
    label: str
    group: str
    cells: tuple[Cell, ...]
    state: str


@dataclass(frozen=True)
class Comparison:
    goals: list[Row]
    initiatives: list[Row]
    budgets: list[Row]

    @property
    def changed_count(self) -> int:
        return sum(r.state != "same" for r in self.goals + self.initiatives + self.budgets)


def compare(baseline: dict, current: dict) -> Comparison:
    """Row by row and field by field, the baseline snapshot against the current one."""
    return Comparison(
        goals=_rows(
            baseline.get("goals", []),
            current.get("goals", []),
            "id",
            "title",
            "department",
            GOAL_FIELDS,
        ),
        initiatives=_rows(
            baseline.get("initiatives", []),
            current.get("initiatives", []),
            "id",
            "title",
            "department",
            INITIATIVE_FIELDS,
        ),
        budgets=_rows(
            baseline.get("budgets", []),
            current.get("budgets", []),
            "department_id",
            "department",
            "department",
            BUDGET_FIELDS,
        ),
    )


def _rows(
    before: list[dict], now: list[dict], key: str, label: str, group: str, fields: tuple
) -> list[Row]:
    old = {item[key]: item for item in before}
    new = {item[key]: item for item in now}
    rows = []
    for k in list(old) + [k for k in new if k not in old]:
        a, b = old.get(k), new.get(k)
        cells = tuple(
            Cell(
                kind,
                _typed(kind, a.get(name)) if a else None,
                _typed(kind, b.get(name)) if b else None,
            )
            for name, _label, kind in fields
        )
        state = (
            "added"
            if a is None
            else "removed"
            if b is None
            else ("changed" if any(c.changed for c in cells) else "same")
        )
        source = b or a
        rows.append(Row(k, source[label], source.get(group, ""), cells, state))
    return rows


def _typed(kind: str, value):
    """Snapshot strings back to numbers and dates, so that 4.0 and 4.0000 compare equal."""
    if value in (None, ""):
        return None
    if kind == "number":
        try:
            return Decimal(value).normalize()
        except (InvalidOperation, TypeError):
            return value
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "checkpoints":
        return tuple(sorted((int(q), _typed("number", v)) for q, v in value.items()))
    return value


def field_labels(fields: tuple) -> list[str]:
    return [label for _name, label, _kind in fields]
