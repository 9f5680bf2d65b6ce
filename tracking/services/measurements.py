"""Entering actual values of KPIs and goals (SPEC §2 step 5, §3 Measurement).

One value per subject and month: a new value replaces the old one and history keeps the old
one. A save is all or nothing: bad input, a cell someone else changed meanwhile, or a month that
has not started yet rejects the whole save (`CellsRejected`); a cell the person may not measure
refuses it (`PermissionDenied`, 403)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from planning.models import Goal, Plan
from planning.permissions import Action, plan_access, require
from tracking.cells import (
    MEASUREMENT_RULES,
    CellError,
    CellProblem,
    CellsRejected,
    month_key,
    parse_cells,
)
from tracking.models import Kpi, Measurement, Source
from tracking.services.alerts import alerts_schedule_recompute
from tracking.services.cells import (
    CellWrite,
    CellWriter,
    SaveSummary,
    conflict_problem,
    is_stale,
)

KPI, GOAL = "kpi", "goal"


@dataclass(frozen=True)
class MeasurementCell:
    """One cell as typed: a KPI or goal (`kind`, `subject_id`), the month (its first day), the
    text typed, and the version of the stored value when the edit started (0 = it was empty;
    None = whatever is stored now, for values pushed by other systems: the new value replaces
    it and the history keeps it)."""

    kind: str
    subject_id: int
    period: dt.date
    raw: str
    version: int | None = 0

    @property
    def key(self) -> str:
        return cell_key(self.kind, self.subject_id, self.period)


def cell_key(kind: str, subject_id: int, period: dt.date) -> str:
    """How a cell is named in grids and forms: 'kpi-12:2026-03'."""
    return f"{kind}-{subject_id}:{month_key(period)}"


def open_until(today: dt.date | None = None) -> dt.date:
    """The last month that takes actuals: the current one. Later months have not happened."""
    return (today or timezone.localdate()).replace(day=1)


@transaction.atomic
def measurements_save(
    *,
    plan: Plan,
    user,
    cells: Iterable[MeasurementCell],
    source: str = Source.MANUAL,
    decimal_separator: str = ".",
    today: dt.date | None = None,
) -> SaveSummary:
    """Save the changed cells of a month grid in one go; see the module docstring."""
    cells = list(cells)
    subjects = _subjects(plan, cells)
    access = plan_access(user, plan)
    for subject in subjects.values():
        require(access, Action.MEASURE, subject)
    values, problems = _parse(plan, cells, subjects, decimal_separator, open_until(today))
    current = _current_rows(plan, cells)
    cells = [_from_stored(cell, current.get(cell.key)) for cell in cells]
    problems |= _stale(cells, values, current)
    if problems:
        raise CellsRejected(problems)
    writer = CellWriter(
        model=Measurement,
        value_field="value",
        create_fields={"plan": plan},
        change_fields={"source": source, "entered_by": user},
    )
    for cell in cells:
        write = CellWrite(cell.key, _lookup(cell), values[cell.key], cell.version)
        problem = writer.write(write, current.get(cell.key))
        if problem:
            problems[cell.key] = problem
    if problems:
        raise CellsRejected(problems)
    if writer.summary.changed:
        alerts_schedule_recompute(plan_id=plan.pk)
    return writer.summary


def _subjects(plan: Plan, cells: list[MeasurementCell]) -> dict[tuple[str, int], object]:
    """The KPIs and goals the cells are about, within the plan (two queries)."""
    kpi_ids = {c.subject_id for c in cells if c.kind == KPI}
    goal_ids = {c.subject_id for c in cells if c.kind == GOAL}
    kpis = Kpi.objects.filter(plan=plan, pk__in=kpi_ids).select_related("goal")
    goals = Goal.objects.filter(plan=plan, pk__in=goal_ids)
    found = {(KPI, k.pk): k for k in kpis} if kpi_ids else {}
    found |= {(GOAL, g.pk): g for g in goals} if goal_ids else {}
    return found


def _parse(plan, cells, subjects, decimal_separator, last_open):
    def check(cell: MeasurementCell) -> None:
        if (cell.kind, cell.subject_id) not in subjects:
            raise CellError(_("This KPI or goal no longer exists in the plan."))

    return parse_cells(
        cells,
        month_of=lambda cell: cell.period,
        check=check,
        months=set(plan.month_starts()),
        last_open=last_open,
        rules=MEASUREMENT_RULES,
        decimal_separator=decimal_separator,
    )


def _current_rows(plan: Plan, cells: list[MeasurementCell]) -> dict[str, Measurement]:
    """The stored values of the cells, by cell key (one query)."""
    if not cells:
        return {}
    kpi_ids = {c.subject_id for c in cells if c.kind == KPI}
    goal_ids = {c.subject_id for c in cells if c.kind == GOAL}
    periods = {c.period for c in cells}
    rows = Measurement.objects.filter(plan=plan, period__in=periods).filter(
        Q(kpi_id__in=kpi_ids) | Q(goal_id__in=goal_ids)
    )
    return {_row_key(m): m for m in rows.select_related("entered_by")}


def _stale(cells, values, current) -> dict[str, CellProblem]:
    """Cells whose stored value changed after the edit started, found before writing anything,
    so the person sees every conflict at once."""
    problems = {}
    for cell in cells:
        if cell.key not in values:
            continue
        write = CellWrite(cell.key, _lookup(cell), values[cell.key], cell.version)
        if is_stale(write, current.get(cell.key), "value"):
            problems[cell.key] = conflict_problem(cell.key, current.get(cell.key), "value")
    return problems


def _from_stored(cell: MeasurementCell, stored: Measurement | None) -> MeasurementCell:
    """A cell without a version starts from the value stored now."""
    if cell.version is not None:
        return cell
    return replace(cell, version=stored.version if stored is not None else 0)


def _row_key(m: Measurement) -> str:
    return cell_key(KPI, m.kpi_id, m.period) if m.kpi_id else cell_key(GOAL, m.goal_id, m.period)


def _lookup(cell: MeasurementCell) -> dict:
    subject = {"kpi_id": cell.subject_id} if cell.kind == KPI else {"goal_id": cell.subject_id}
    return {**subject, "period": cell.period}
