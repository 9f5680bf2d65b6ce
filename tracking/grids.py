"""The month grids people type actuals into (SPEC §2 step 5).

- Measurements: for one department, its KPIs and goals (rows) × the twelve plan months, each
  cell with the month's target (KPI) or planned value (goal) to compare with.
- Spend: for one category, every department (rows) × the twelve months, each cell with the
  month's budget, and row totals of spent against budget.

The selectors read in a fixed number of queries whatever the plan's size; the shaping is plain
Python. After a rejected save the grid is rebuilt with what the person typed laid over the
stored values (`GridOverlay`), so nothing typed is lost and each problem sits on its cell."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from planning.models import BudgetLine, Department, Goal, Plan
from planning.permissions import Action, PlanAccess
from tracking.cells import CellProblem, format_value, month_key
from tracking.forms import TypedCell, show_number
from tracking.models import Kpi, Measurement, Source, Spend
from tracking.services.measurements import GOAL, KPI, cell_key, open_until
from tracking.services.spend import spend_key
from tracking.thresholds import kpi_check
from tracking.variance import goal_position, month_end

CELL_LEVELS = {
    # KPI levels and goal statuses → (CSS status class, word); "fine" levels show no mark.
    "warning": ("at_risk", gettext_lazy("Outside warning threshold")),
    "critical": ("behind", gettext_lazy("Outside critical threshold")),
    "at_risk": ("at_risk", gettext_lazy("At risk")),
    "behind": ("behind", gettext_lazy("Behind")),
}


@dataclass(frozen=True)
class Stored:
    """A saved cell: the value, its version, and who entered it when from where."""

    value: Decimal
    version: int
    by: str
    at: dt.datetime | None
    source: str


@dataclass
class GridOverlay:
    """What the person typed in a rejected save, and why each cell was not saved."""

    typed: dict[str, TypedCell] = field(default_factory=dict)
    problems: dict[str, CellProblem] = field(default_factory=dict)


@dataclass
class GridCell:
    key: str
    month: dt.date
    text: str
    original: str
    version: int
    editable: bool
    reference: str = ""
    month_label: str = ""
    level: str = ""
    level_label: str = ""
    note: str = ""
    has_history: bool = False
    problem: CellProblem | None = None

    @property
    def theirs_text(self) -> str:
        return show_number(self.problem.theirs) if self.problem else ""


@dataclass
class GridRow:
    kind: str
    subject_id: int
    label: str
    detail: str
    cells: list[GridCell]
    editable: bool
    url: str = ""
    totals: list[str] = field(default_factory=list)
    total_level: str = ""
    total_label: str = ""


@dataclass
class GridSection:
    title: str
    rows: list[GridRow]
    empty: str = ""


@dataclass
class MonthGrid:
    months: list[dt.date]
    last_open: dt.date
    sections: list[GridSection]
    reference_label: str
    total_headers: list[str] = field(default_factory=list)
    footer: GridRow | None = None
    problems: dict[str, CellProblem] = field(default_factory=dict)

    @property
    def rows(self) -> list[GridRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def editable(self) -> bool:
        return any(cell.editable for row in self.rows for cell in row.cells)

    @property
    def state_json(self) -> str:
        """{key: [version, text shown]} of every editable cell, for `MonthGridForm`."""
        return json.dumps(
            {c.key: [c.version, c.original] for r in self.rows for c in r.cells if c.editable}
        )

    @property
    def conflicts(self) -> list[tuple[GridRow, GridCell]]:
        return [(r, c) for r in self.rows for c in r.cells if c.problem and c.problem.conflict]

    @property
    def invalid_count(self) -> int:
        return sum(1 for p in self.problems.values() if not p.conflict)

    @property
    def closed_months(self) -> bool:
        return any(month > self.last_open for month in self.months)


# ---------------------------------------------------------------------------------------------
# Measurements


def measurement_grid(
    *,
    plan: Plan,
    department: Department,
    access: PlanAccess,
    overlay: GridOverlay | None = None,
    today: dt.date | None = None,
) -> MonthGrid:
    """The KPIs and goals of `department` × the plan months (five queries)."""
    overlay = overlay or GridOverlay()
    months, last_open = plan.month_starts(), open_until(today)
    kpis = (
        Kpi.objects.filter(plan=plan, department=department)
        .select_related("goal")
        .prefetch_related("targets")
        .order_by("name")
    )
    goals = (
        Goal.objects.filter(plan=plan, department=department)
        .exclude(status=Goal.Status.DROPPED)
        .prefetch_related("checkpoints")
        .order_by("title")
    )
    stored = _stored_measurements(plan, department)
    build = _RowBuilder(months=months, last_open=last_open, overlay=overlay, stored=stored)
    kpi_rows = [build.row(KPI, k, *_kpi_parts(plan, k, access)) for k in kpis]
    goal_rows = [build.row(GOAL, g, *_goal_parts(plan, g, access, stored)) for g in goals]
    return MonthGrid(
        months=months,
        last_open=last_open,
        sections=[
            GridSection(_("KPIs"), kpi_rows, _("No KPIs in this department yet.")),
            GridSection(_("Goals"), goal_rows, _("No goals in this department yet.")),
        ],
        reference_label=_("target / planned"),
        problems=overlay.problems,
    )


def _stored_measurements(plan: Plan, department: Department) -> dict[str, Stored]:
    kpi_rows = Measurement.objects.filter(plan=plan, kpi__department=department)
    goal_rows = Measurement.objects.filter(plan=plan, goal__department=department)
    rows = (kpi_rows | goal_rows).select_related("entered_by")
    return _stored_cells(rows, _measurement_key, "value")


def _measurement_key(m: Measurement) -> str:
    if m.kpi_id:
        return cell_key(KPI, m.kpi_id, m.period)
    return cell_key(GOAL, m.goal_id, m.period)


def _kpi_parts(plan: Plan, kpi: Kpi, access: PlanAccess):
    targets = {t.month: t.target for t in kpi.targets.all()}
    detail = " · ".join(filter(None, [kpi.unit, kpi.get_direction_display(), _("KPI")]))
    url = (
        reverse("tracking:kpi-edit", kwargs={"plan_id": plan.pk, "pk": kpi.pk})
        if access.can(Action.EDIT, kpi)
        else ""
    )

    def reference(month: dt.date, value: Decimal | None) -> tuple[Decimal | None, str]:
        target = targets.get(month)
        level = kpi_check(
            value=None if value is None else float(value),
            target=None if target is None else float(target),
            direction=kpi.direction,
            warning=float(kpi.warning_threshold),
            critical=float(kpi.critical_threshold),
        ).level
        return target, level

    return kpi.name, detail, url, access.can(Action.MEASURE, kpi), reference


def _goal_parts(plan: Plan, goal: Goal, access: PlanAccess, stored: dict[str, Stored]):
    checkpoints = {c.quarter: c.planned_value for c in goal.checkpoints.all()}
    values = [
        (m, s.value)
        for m in plan.month_starts()
        if (s := stored.get(cell_key(GOAL, goal.pk, m))) is not None
    ]
    detail = " · ".join(filter(None, [goal.unit, goal.get_direction_display(), _("Goal")]))

    def reference(month: dt.date, value: Decimal | None) -> tuple[Decimal | None, str]:
        position = goal_position(
            plan_start=plan.start,
            baseline=goal.baseline,
            target=goal.target,
            due_date=goal.due_date,
            direction=goal.direction,
            checkpoints=checkpoints,
            measurements=[(m, float(v)) for m, v in values],
            at=month_end(month),
            threshold=float(plan.behind_threshold),
        )
        planned = None if position.planned is None else round(Decimal(position.planned), 2)
        return planned, position.status if value is not None else ""

    url = goal.get_absolute_url()
    return goal.title, detail, url, access.can(Action.MEASURE, goal), reference


@dataclass
class _RowBuilder:
    months: list[dt.date]
    last_open: dt.date
    overlay: GridOverlay
    stored: dict[str, Stored]

    def __post_init__(self):
        # Formats are looked up once per grid, not once per cell: a grid has hundreds.
        self.month_labels = {m: date_format(m, "F Y") for m in self.months}
        self.separator = get_format("DECIMAL_SEPARATOR")
        self.notes = _Notes()

    def number(self, value: Decimal | None) -> str:
        return format_value(value, decimal_separator=self.separator)

    def row(self, kind, subject, label, detail, url, editable, reference) -> GridRow:
        cells = [
            self.cell(cell_key(kind, subject.pk, m), m, editable, reference) for m in self.months
        ]
        return GridRow(kind, subject.pk, label, detail, cells, editable, url)

    def cell(self, key: str, month: dt.date, editable: bool, reference: Callable) -> GridCell:
        saved = self.stored.get(key)
        text = self.number(saved.value) if saved else ""
        ref_value, level = reference(month, saved.value if saved else None)
        css, word = CELL_LEVELS.get(level, ("", ""))
        cell = GridCell(
            key=key,
            month=month,
            text=text,
            original=text,
            version=saved.version if saved else 0,
            editable=editable and month <= self.last_open,
            reference=self.number(ref_value),
            level=css,
            level_label=word,
            month_label=self.month_labels[month],
            note=self.notes.of(saved),
            has_history=saved is not None,
        )
        return _overlaid(cell, self.overlay)


def _overlaid(cell: GridCell, overlay: GridOverlay) -> GridCell:
    """The cell as the person left it in a rejected save. For a conflict the cell starts from
    the other person's version, so saving again keeps what this person typed."""
    typed = overlay.typed.get(cell.key)
    if typed is None:
        return cell
    cell.text, cell.version, cell.original = typed.raw, typed.version, typed.original
    problem = overlay.problems.get(cell.key)
    cell.problem = problem
    if problem and problem.conflict:
        cell.version, cell.original = problem.current_version, show_number(problem.theirs)
    return cell


def _stored_cells(rows, key_of: Callable, value_field: str) -> dict[str, Stored]:
    """Saved cells by key. Names and source labels are looked up once each, not once per row."""
    sources = {code: str(label) for code, label in Source.choices}
    names: dict[int | None, str] = {None: ""}
    stored = {}
    for row in rows:
        if row.entered_by_id not in names:
            who = row.entered_by
            names[row.entered_by_id] = who.get_full_name() or who.username
        stored[key_of(row)] = Stored(
            value=getattr(row, value_field),
            version=row.version,
            by=names[row.entered_by_id],
            at=row.entered_at,
            source=sources.get(row.source, row.source),
        )
    return stored


class _Notes:
    """Who entered a saved value, on which day and how, for the cell's tooltip (the history
    popover has the exact time). Days repeat across a grid, so each is formatted once."""

    def __init__(self):
        self.day_format = get_format("SHORT_DATE_FORMAT")
        self.days: dict[dt.date, str] = {}

    def of(self, saved: Stored | None) -> str:
        if saved is None:
            return ""
        day = timezone.localtime(saved.at).date() if saved.at else None
        if day is not None and day not in self.days:
            self.days[day] = dateformat.format(day, self.day_format)
        return " · ".join(filter(None, [saved.by, self.days.get(day, ""), saved.source]))


# ---------------------------------------------------------------------------------------------
# Spend


def spend_grid(
    *,
    plan: Plan,
    category: str,
    access: PlanAccess,
    overlay: GridOverlay | None = None,
    today: dt.date | None = None,
) -> MonthGrid:
    """Every department × the plan months of one spend category, with budgets (3 queries)."""
    overlay = overlay or GridOverlay()
    months, last_open = plan.month_starts(), open_until(today)
    departments = list(plan.departments.order_by("name"))
    stored = _stored_cells(
        Spend.objects.filter(plan=plan, category=category).select_related("entered_by"),
        lambda s: spend_key(s.department_id, s.category, s.month),
        "amount",
    )
    budgets = _budgets(plan, category)
    build = _RowBuilder(months=months, last_open=last_open, overlay=overlay, stored=stored)
    editable = access.can(Action.EDIT_BUDGET)
    rows = []
    for department in departments:
        budget = {m: budgets.get((department.pk, m)) for m in months}

        def reference(month, value, budget=budget):
            return _rounded(budget[month]), ""

        row = GridRow(
            kind=category,
            subject_id=department.pk,
            label=department.name,
            detail="",
            cells=[
                build.cell(spend_key(department.pk, category, m), m, editable, reference)
                for m in months
            ],
            editable=editable,
            url=department.get_absolute_url(),
        )
        _add_totals(
            row, spent=_saved_amounts(stored, department.pk, category, months), budget=budget
        )
        rows.append(row)
    return MonthGrid(
        months=months,
        last_open=last_open,
        sections=[GridSection("", rows)],
        reference_label=_("budget"),
        total_headers=[_("Spent"), _("Budget"), _("Used")],
        footer=_spend_footer(stored, budgets, category, months),
        problems=overlay.problems,
    )


def _budgets(plan: Plan, category: str) -> dict[tuple[int, dt.date], Decimal]:
    rows = (
        BudgetLine.objects.filter(plan=plan, category=category)
        .values("department_id", "month")
        .annotate(amount=Sum("amount"))
    )
    return {(r["department_id"], r["month"]): r["amount"] for r in rows}


def _saved_amounts(stored, department_id, category, months) -> list[Decimal]:
    return [
        s.value
        for m in months
        if (s := stored.get(spend_key(department_id, category, m))) is not None
    ]


def spend_totals(spent: Iterable[Decimal], budget: Iterable[Decimal | None]):
    """Spent and budgeted over the year, and the share of the budget used (None without one)."""
    total_spent = sum(spent, Decimal(0))
    total_budget = sum((b for b in budget if b is not None), Decimal(0))
    used = total_spent / total_budget if total_budget else None
    return total_spent, total_budget, used


def _add_totals(row: GridRow, *, spent, budget: dict) -> None:
    total_spent, total_budget, used = spend_totals(spent, budget.values())
    row.totals = [_whole(total_spent), _whole(total_budget), _percent(used)]
    if used is not None and used > 1:
        row.total_level, row.total_label = "behind", _("over budget")


def _rounded(amount: Decimal | None) -> Decimal | None:
    """Money for comparison, in whole currency units: cents only clutter a budget column."""
    return None if amount is None else amount.quantize(Decimal(1))


def _whole(amount: Decimal | None) -> str:
    return show_number(_rounded(amount))


def _percent(share: Decimal | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def _spend_footer(stored: dict[str, Stored], budgets: dict, category: str, months) -> GridRow:
    """Every department together: spent and budgeted per month, and over the year."""
    spent_by_month: dict[str, Decimal] = defaultdict(Decimal)
    for key, saved in stored.items():
        spent_by_month[key.rsplit(":", 1)[1]] += saved.value
    budget_by_month: dict[dt.date, Decimal] = defaultdict(Decimal)
    for (_department, month), amount in budgets.items():
        budget_by_month[month] += amount
    cells = [
        GridCell(
            key=f"total:{month_key(m)}",
            month=m,
            text=_whole(spent_by_month[month_key(m)]),
            original="",
            version=0,
            editable=False,
            reference=_whole(budget_by_month[m]),
        )
        for m in months
    ]
    footer = GridRow(category, 0, _("All departments"), "", cells, False)
    _add_totals(footer, spent=[s.value for s in stored.values()], budget=budgets)
    return footer
