"""Entering actual spend per department, category and month (SPEC §3 Spend), by finance and
leadership. Same behaviour as the measurement grid: one amount per cell, a new amount replaces
the old one (history keeps it), all or nothing, conflicts reported instead of overwritten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from planning.models import BudgetLine, Plan
from planning.permissions import Action, plan_access, require
from tracking.cells import (
    MONEY_RULES,
    CellError,
    CellsRejected,
    month_key,
    parse_cells,
)
from tracking.models import Source, Spend
from tracking.services.alerts import alerts_schedule_recompute
from tracking.services.cells import (
    CellWrite,
    CellWriter,
    SaveSummary,
    conflict_problem,
    is_stale,
)
from tracking.services.measurements import open_until


@dataclass(frozen=True)
class SpendCell:
    """One cell of the spend grid as typed: department, category, month (first day), the text
    typed and the version of the stored amount when the edit started (0 = it was empty)."""

    department_id: int
    category: str
    month: dt.date
    raw: str
    version: int = 0

    @property
    def key(self) -> str:
        return spend_key(self.department_id, self.category, self.month)


def spend_key(department_id: int, category: str, month: dt.date) -> str:
    """How a spend cell is named in the grid: 'opex-4:2026-03' (category, department, month)."""
    return f"{category}-{department_id}:{month_key(month)}"


@transaction.atomic
def spend_save(
    *,
    plan: Plan,
    user,
    cells: Iterable[SpendCell],
    source: str = Source.MANUAL,
    decimal_separator: str = ".",
    today: dt.date | None = None,
) -> SaveSummary:
    """Save the changed cells of the spend grid in one go (finance and leadership only)."""
    cells = list(cells)
    require(plan_access(user, plan), Action.EDIT_BUDGET)
    values, problems = _parse(plan, cells, decimal_separator, open_until(today))
    current = _current_rows(plan, cells)
    for cell in cells:
        write = _write(cell, values)
        if write and is_stale(write, current.get(cell.key), "amount"):
            problems[cell.key] = conflict_problem(cell.key, current.get(cell.key), "amount")
    if problems:
        raise CellsRejected(problems)
    writer = CellWriter(
        model=Spend,
        value_field="amount",
        create_fields={"plan": plan},
        change_fields={"source": source, "entered_by": user},
    )
    for cell in cells:
        problem = writer.write(_write(cell, values), current.get(cell.key))
        if problem:
            problems[cell.key] = problem
    if problems:
        raise CellsRejected(problems)
    if writer.summary.changed:
        alerts_schedule_recompute(plan_id=plan.pk)
    return writer.summary


def _parse(plan: Plan, cells: list[SpendCell], decimal_separator: str, last_open: dt.date):
    department_ids = set(plan.departments.values_list("pk", flat=True))

    def check(cell: SpendCell) -> None:
        if cell.department_id not in department_ids:
            raise CellError(_("This department no longer exists in the plan."))
        if cell.category not in BudgetLine.Category.values:
            raise CellError(_("Unknown spend category."))

    return parse_cells(
        cells,
        month_of=lambda cell: cell.month,
        check=check,
        months=set(plan.month_starts()),
        last_open=last_open,
        rules=MONEY_RULES,
        decimal_separator=decimal_separator,
    )


def _current_rows(plan: Plan, cells: list[SpendCell]) -> dict[str, Spend]:
    """The stored amounts of the cells, by cell key (one query)."""
    if not cells:
        return {}
    rows = Spend.objects.filter(
        plan=plan,
        department_id__in={c.department_id for c in cells},
        category__in={c.category for c in cells},
        month__in={c.month for c in cells},
    ).select_related("entered_by")
    return {spend_key(s.department_id, s.category, s.month): s for s in rows}


def _write(cell: SpendCell, values: dict[str, Decimal | None]) -> CellWrite | None:
    if cell.key not in values:
        return None
    lookup = {
        "department_id": cell.department_id,
        "category": cell.category,
        "month": cell.month,
    }
    return CellWrite(cell.key, lookup, values[cell.key], cell.version)
