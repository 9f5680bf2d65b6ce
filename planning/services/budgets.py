"""Budgets (SPEC §3 BudgetLine, §5 Budgets): the department × month grid of one category, read in
two queries and written in one atomic call.

Every cell carries the version of its BudgetLine (0 when there was none) from when the edit
started. A save writes all changed cells or none: if anybody saved one of them in between, the
whole save is refused with the conflicting cells, so nothing is silently overwritten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils.translation import gettext as _

from planning.models import BudgetLine, Department, Plan

Category = BudgetLine.Category

# Sent after a grid save has committed, with `plan_id` and `category`. Bulk writes send no
# post_save signals, so whoever keeps figures from budget lines up to date (the burn-rate alerts
# in tracking) listens here; planning cannot import tracking.
budget_lines_saved = Signal()


@dataclass(frozen=True)
class GridCell:
    amount: Decimal | None
    version: int  # 0 = no budget line yet


@dataclass(frozen=True)
class GridRow:
    department: Department
    cells: list[GridCell]


@dataclass(frozen=True)
class BudgetGrid:
    plan: Plan
    category: str
    months: list[dt.date]
    rows: list[GridRow]


@dataclass(frozen=True)
class CellChange:
    """One cell to write: the new amount and the version the edit started from."""

    department_id: int
    month: dt.date
    amount: Decimal
    expected_version: int


@dataclass(frozen=True)
class CellConflict:
    """A cell someone else saved after this edit started: both values, and their version."""

    department_id: int
    month: dt.date
    yours: Decimal
    theirs: Decimal | None
    current_version: int


class BudgetConflict(Exception):
    def __init__(self, conflicts: list[CellConflict]):
        super().__init__(f"{len(conflicts)} budget cells changed meanwhile")
        self.conflicts = conflicts


def budget_grid(plan: Plan, *, category: str) -> BudgetGrid:
    """Every department of the plan × the twelve plan months of `category` (two queries)."""
    months = plan.month_starts()
    departments = list(plan.departments.order_by("name"))
    lines = {
        (line.department_id, line.month): line
        for line in BudgetLine.objects.filter(plan=plan, category=category).only(
            "department_id", "month", "amount", "version"
        )
    }
    rows = []
    for department in departments:
        cells = []
        for month in months:
            line = lines.get((department.pk, month))
            cells.append(GridCell(line.amount, line.version) if line else GridCell(None, 0))
        rows.append(GridRow(department, cells))
    return BudgetGrid(plan=plan, category=category, months=months, rows=rows)


def grid_totals(
    matrix: Sequence[Sequence[Decimal | None]], *, months: int = 12
) -> tuple[list[Decimal], list[Decimal], Decimal]:
    """Row totals, column totals and the grand total of a grid; empty cells count as 0."""
    row_totals = [sum((a or Decimal(0) for a in row), Decimal(0)) for row in matrix]
    column_totals = [
        sum((row[m] or Decimal(0) for row in matrix), Decimal(0)) for m in range(months)
    ]
    return row_totals, column_totals, sum(row_totals, Decimal(0))


@transaction.atomic
def budget_lines_save(*, plan: Plan, category: str, changes: Sequence[CellChange], by=None) -> int:
    """Write all `changes` of one category, or none of them (BudgetConflict when a cell was
    saved by someone else after the edit started). Returns the number of cells written."""
    if not changes:
        return 0
    _validate(plan, category, changes)
    # Serialise budget saves of the plan: the no-op UPDATE takes the plan row's lock
    # (PostgreSQL) or the database write lock (SQLite) before the versions are compared.
    Plan.objects.filter(pk=plan.pk).update(name=F("name"))
    current = {
        (line.department_id, line.month): line
        for line in BudgetLine.objects.select_for_update().filter(
            plan=plan,
            category=category,
            department_id__in={c.department_id for c in changes},
            month__in={c.month for c in changes},
        )
    }
    conflicts = _conflicts(changes, current)
    if conflicts:
        raise BudgetConflict(conflicts)
    _write(plan, category, changes, current, by)
    transaction.on_commit(
        lambda: budget_lines_saved.send(sender=BudgetLine, plan_id=plan.pk, category=category)
    )
    return len(changes)


def _validate(plan: Plan, category: str, changes: Sequence[CellChange]) -> None:
    if category not in Category.values:
        raise ValidationError(_("Unknown budget category."))
    months = set(plan.month_starts())
    departments = set(plan.departments.values_list("pk", flat=True))
    for change in changes:
        if change.amount < 0:
            raise ValidationError(_("A budget cannot be negative."))
        if change.month not in months or change.department_id not in departments:
            raise ValidationError(_("A budget cell lies outside this plan."))


def _conflicts(changes, current) -> list[CellConflict]:
    conflicts = []
    for change in changes:
        line = current.get((change.department_id, change.month))
        version = line.version if line else 0
        if version != change.expected_version:
            conflicts.append(
                CellConflict(
                    department_id=change.department_id,
                    month=change.month,
                    yours=change.amount,
                    theirs=line.amount if line else None,
                    current_version=version,
                )
            )
    return conflicts


def _write(plan, category, changes, current, by) -> None:
    updated, created = [], []
    for change in changes:
        line = current.get((change.department_id, change.month))
        if line is None:
            created.append(
                BudgetLine(
                    plan=plan,
                    department_id=change.department_id,
                    category=category,
                    month=change.month,
                    amount=change.amount,
                )
            )
        else:
            line.amount = change.amount
            line.version += 1
            updated.append(line)
    BudgetLine.objects.bulk_update(updated, ["amount", "version"])
    created = BudgetLine.objects.bulk_create(created)
    # bulk writes skip the save signals: record the history rows ourselves (nothing is lost).
    BudgetLine.history.bulk_history_create(updated, update=True, default_user=by)
    BudgetLine.history.bulk_history_create(created, default_user=by)
