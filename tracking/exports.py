"""The whole plan as one Excel workbook, and the import templates (SPEC §5, Imports/exports).

Reading is done by `plan_export_sheets` in a fixed number of queries whatever the plan's size;
writing by `write_workbook`, a pure function of the sheets (openpyxl write-only mode, streamed).

Formula injection: a text cell that starts with = + - @ (or a tab / carriage return) is written
as a string cell with Excel's quote-prefix flag — what Excel itself stores when a person types
a leading apostrophe — so Excel, LibreOffice and others show the text and never evaluate it.
Numbers stay numbers; months are written as YYYY-MM text so that the measurement and spend
sheets can be filled in and imported again as they are."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from planning.eisenhower import quadrant
from planning.models import (
    BudgetLine,
    Department,
    Goal,
    GoalCheckpoint,
    Initiative,
    Membership,
    Milestone,
    Plan,
    Priority,
    ResourceRequirement,
    SwotEntry,
)
from tracking.imports import FORMULA_START, MEASUREMENT_COLUMNS, SPEND_CATEGORIES, SPEND_COLUMNS
from tracking.models import Alert, Kpi, KpiTarget, Measurement, Spend

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0B5CAB")


@dataclass
class Sheet:
    """One worksheet: a title, a header row, the rows, and optional column widths."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence] = ()
    widths: Sequence[int] = field(default_factory=tuple)


# --- Writing ----------------------------------------------------------------------------


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as .xlsx bytes; text that could be read as a formula stays text."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title))
        ws.freeze_panes = "A2"
        for i, width in enumerate(sheet.widths or [18] * len(sheet.header), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.append([_header_cell(ws, name) for name in sheet.header])
        for row in sheet.rows:
            ws.append([safe_cell(ws, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31]


def _header_cell(ws, name: str):
    cell = WriteOnlyCell(ws, value=str(name))
    cell.data_type = "s"
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return cell


def safe_cell(ws, value):
    """A value ready for openpyxl: formula-like text as a quote-prefixed string cell, aware
    datetimes in local time (Excel has no time zones), Decimals and dates as they are."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # never "f": not a formula
            cell.quotePrefix = True
            return cell
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def _month(day: dt.date | None) -> str:
    return f"{day:%Y-%m}" if day else ""


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


# --- The whole plan ---------------------------------------------------------------------


def plan_export_sheets(plan: Plan) -> list[Sheet]:
    """Every part of the plan, one sheet each (19 queries, whatever the plan's size)."""
    months = plan.month_starts()
    goals = list(
        Goal.objects.filter(plan=plan).select_related("department", "owner").order_by("id")
    )
    return [
        _plan_sheet(plan),
        _departments_sheet(plan),
        _members_sheet(plan),
        _priorities_sheet(plan),
        _swot_sheet(plan),
        _goals_sheet(plan, goals),
        *_initiative_sheets(plan),
        _resources_sheet(plan),
        _budget_sheet(plan, months),
        _kpis_sheet(plan, months),
        _measurements_sheet(plan),
        _spend_sheet(plan),
        _alerts_sheet(plan),
    ]


def plan_workbook(plan: Plan) -> bytes:
    return write_workbook(plan_export_sheets(plan))


def export_file_name(plan: Plan, today: dt.date | None = None) -> str:
    from django.utils.text import slugify

    return f"{slugify(plan.name) or 'plan'}-{(today or timezone.localdate()):%Y-%m-%d}.xlsx"


def _plan_sheet(plan: Plan) -> Sheet:
    rows = [
        (_("Name"), plan.name),
        (_("Fiscal year"), plan.year_label),
        (_("Start"), plan.start),
        (_("End"), plan.end),
        (_("Currency"), plan.currency),
        (_("Status"), plan.get_status_display()),
        (_("Behind threshold"), plan.behind_threshold),
        (_("Burn threshold"), plan.burn_threshold),
        (_("Exported at"), timezone.now()),
    ]
    return Sheet(_("Plan"), [_("Field"), _("Value")], rows, (24, 40))


def _departments_sheet(plan: Plan) -> Sheet:
    departments = Department.objects.filter(plan=plan).select_related("parent", "head")
    rows = (
        (d.code, d.name, d.parent.name if d.parent_id else "", _person(d.head))
        for d in departments.order_by("name")
    )
    return Sheet(
        _("Departments"),
        ["department_code", _("Name"), _("Parent"), _("Head")],
        rows,
        (18, 28, 28, 28),
    )


def _members_sheet(plan: Plan) -> Sheet:
    members = Membership.objects.filter(plan=plan).select_related("user", "department")
    rows = (
        (
            _person(m.user),
            m.user.username,
            m.user.email,
            m.get_role_display(),
            m.department.name if m.department_id else "",
        )
        for m in members.order_by("user__last_name", "user__username", "role")
    )
    return Sheet(
        _("Members"),
        [_("Name"), _("User name"), _("E-mail"), _("Role"), _("Department")],
        rows,
        (26, 18, 30, 20, 22),
    )


def _priorities_sheet(plan: Plan) -> Sheet:
    rows = ((p.pk, p.title, p.description) for p in Priority.objects.filter(plan=plan))
    return Sheet(_("Priorities"), [_("Id"), _("Title"), _("Description")], rows, (8, 40, 60))


def _swot_sheet(plan: Plan) -> Sheet:
    entries = SwotEntry.objects.filter(plan=plan).select_related("department")
    rows = (
        (
            e.get_kind_display(),
            e.department.name if e.department_id else _("Company-wide"),
            e.title,
            e.evidence,
            e.impact,
        )
        for e in entries.order_by("kind", "position", "id")
    )
    return Sheet(
        "SWOT",
        [_("Kind"), _("Department"), _("Title"), _("Evidence"), _("Impact (1–5)")],
        rows,
        (14, 20, 44, 60, 12),
    )


def _goals_sheet(plan: Plan, goals: list[Goal]) -> Sheet:
    checkpoints: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for goal_id, quarter, value in GoalCheckpoint.objects.filter(goal__plan=plan).values_list(
        "goal_id", "quarter", "planned_value"
    ):
        checkpoints[goal_id][quarter] = value
    swot = _titles(
        Goal.swot_entries.through.objects.filter(goal__plan=plan), "goal_id", "swotentry__title"
    )
    priorities = _titles(
        Goal.priorities.through.objects.filter(goal__plan=plan), "goal_id", "priority__title"
    )
    header = [
        "goal_id",
        _("Title"),
        _("Department"),
        _("Parent goal"),
        _("Owner"),
        _("Metric"),
        _("Unit"),
        _("Direction"),
        _("Baseline"),
        _("Target"),
        _("Due date"),
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        _("Status"),
        _("Approval"),
        _("Budget"),
        _("SWOT entries"),
        _("Priorities"),
        _("Description"),
        _("Why it is achievable"),
    ]
    rows = (
        (
            g.pk,
            g.title,
            g.department.name if g.department_id else _("Company"),
            g.parent_id,
            _person(g.owner),
            g.metric_name,
            g.unit,
            g.get_direction_display(),
            g.baseline,
            g.target,
            g.due_date,
            *(checkpoints[g.pk].get(q) for q in range(1, 5)),
            g.get_status_display(),
            g.get_approval_state_display(),
            g.budget,
            "; ".join(swot[g.pk]),
            "; ".join(priorities[g.pk]),
            g.description,
            g.rationale,
        )
        for g in goals
    )
    return Sheet(
        _("Goals"),
        header,
        rows,
        (9, 40, 18, 10, 22, 20, 8, 10, 11, 11, 12, 9, 9, 9, 9, 11, 11, 12, 30, 30, 50, 50),
    )


def _titles(through, key: str, title: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for owner_id, text in through.values_list(key, title).order_by(key, title):
        found[owner_id].append(text)
    return found


def _initiative_sheets(plan: Plan) -> list[Sheet]:
    initiatives = Initiative.objects.filter(plan=plan).select_related("department", "owner")
    depends: dict[int, list[str]] = defaultdict(list)
    for from_id, to_id in (
        Initiative.depends_on.through.objects.filter(from_initiative__plan=plan)
        .values_list("from_initiative_id", "to_initiative_id")
        .order_by("from_initiative_id", "to_initiative_id")
    ):
        depends[from_id].append(str(to_id))
    rows = (
        (
            i.pk,
            i.title,
            i.department.name,
            i.goal_id,
            _person(i.owner),
            i.start,
            i.estimate_days,
            i.buffer_pct,
            i.planned_end,
            i.get_status_display(),
            ", ".join(depends[i.pk]),
            i.description,
        )
        for i in initiatives.order_by("department__name", "start", "id")
    )
    header = [
        "initiative_id",
        _("Title"),
        _("Department"),
        "goal_id",
        _("Owner"),
        _("Start"),
        _("Estimate (days)"),
        _("Buffer %"),
        _("Planned end"),
        _("Status"),
        _("Depends on (initiative ids)"),
        _("Description"),
    ]
    milestones = Milestone.objects.filter(initiative__plan=plan).select_related("initiative")
    milestone_rows = (
        (m.initiative_id, m.initiative.title, m.title, m.due_date, _yes(m.done), m.done_at)
        for m in milestones.order_by("initiative_id", "due_date", "id")
    )
    return [
        Sheet(_("Initiatives"), header, rows, (12, 40, 18, 9, 22, 12, 10, 9, 12, 13, 20, 50)),
        Sheet(
            _("Milestones"),
            [
                "initiative_id",
                _("Initiative"),
                _("Milestone"),
                _("Due date"),
                _("Done"),
                _("Done on"),
            ],
            milestone_rows,
            (12, 36, 36, 12, 8, 12),
        ),
    ]


def _resources_sheet(plan: Plan) -> Sheet:
    resources = ResourceRequirement.objects.filter(plan=plan).select_related("goal", "initiative")
    rows = (
        (
            r.goal_id,
            r.initiative_id,
            (r.goal or r.initiative).title,
            r.get_category_display(),
            r.description,
            r.needed,
            r.available,
            r.gap,
            r.cost,
            _yes(r.urgent),
            _yes(r.important),
            quadrant(urgent=r.urgent, important=r.important).label,
        )
        for r in resources.order_by("category", "id")
    )
    header = [
        "goal_id",
        "initiative_id",
        _("For"),
        _("Category"),
        _("Description"),
        _("Needed"),
        _("Available"),
        _("Gap"),
        _("Cost"),
        _("Urgent"),
        _("Important"),
        _("Quadrant"),
    ]
    return Sheet(_("Resources"), header, rows, (9, 12, 36, 13, 44, 10, 10, 10, 12, 8, 10, 12))


def _budget_sheet(plan: Plan, months: list[dt.date]) -> Sheet:
    grid: dict[tuple[str, str], dict[dt.date, Decimal]] = defaultdict(dict)
    names: dict[str, str] = {}
    for code, name, category, month, amount in BudgetLine.objects.filter(plan=plan).values_list(
        "department__code", "department__name", "category", "month", "amount"
    ):
        grid[(code, category)][month] = amount
        names[code] = name
    labels = dict(BudgetLine.Category.choices)
    rows = []
    for code, category in sorted(grid, key=lambda k: (names[k[0]], k[1])):
        amounts = [grid[(code, category)].get(m) for m in months]
        total = sum((a for a in amounts if a is not None), Decimal(0))
        rows.append((code, names[code], str(labels.get(category, category)), *amounts, total))
    header = [
        "department_code",
        _("Department"),
        _("Category"),
        *(_month(m) for m in months),
        _("Year"),
    ]
    return Sheet(_("Budget"), header, rows, (16, 22, 12, *[11] * len(months), 13))


def _kpis_sheet(plan: Plan, months: list[dt.date]) -> Sheet:
    targets: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    for kpi_id, month, target in KpiTarget.objects.filter(kpi__plan=plan).values_list(
        "kpi_id", "month", "target"
    ):
        targets[kpi_id][month] = target
    kpis = Kpi.objects.filter(plan=plan).select_related("department")
    rows = (
        (
            k.code,
            k.name,
            k.department.name,
            k.goal_id,
            k.unit,
            k.get_direction_display(),
            k.warning_threshold,
            k.critical_threshold,
            k.get_source_display(),
            *(targets[k.pk].get(m) for m in months),
        )
        for k in kpis.order_by("department__name", "name")
    )
    header = [
        "kpi_code",
        _("Name"),
        _("Department"),
        "goal_id",
        _("Unit"),
        _("Direction"),
        _("Warning threshold"),
        _("Critical threshold"),
        _("Source"),
        *(_("Target %(month)s") % {"month": _month(m)} for m in months),
    ]
    return Sheet(_("KPIs"), header, rows, (18, 32, 18, 9, 8, 10, 10, 10, 10, *[12] * len(months)))


def _measurements_sheet(plan: Plan) -> Sheet:
    values = Measurement.objects.filter(plan=plan).order_by("kpi__code", "goal_id", "period")
    values = values.values_list(
        "kpi__code",
        "goal_id",
        "period",
        "value",
        "kpi__name",
        "goal__title",
        "source",
        "entered_by__username",
        "entered_at",
    )
    sources = dict(Measurement._meta.get_field("source").choices)
    rows = (
        (
            code or "",
            goal_id,
            _month(period),
            value,
            kpi_name or goal_title or "",
            str(sources.get(source, source)),
            who or "",
            when,
        )
        for code, goal_id, period, value, kpi_name, goal_title, source, who, when in values
    )
    header = [*MEASUREMENT_COLUMNS, _("KPI or goal"), _("Source"), _("Entered by"), _("Entered at")]
    return Sheet(_("Measurements"), header, rows, (18, 9, 10, 14, 36, 10, 16, 20))


def _spend_sheet(plan: Plan) -> Sheet:
    spend = Spend.objects.filter(plan=plan).values_list(
        "department__code",
        "category",
        "month",
        "amount",
        "department__name",
        "source",
        "entered_by__username",
        "entered_at",
    )
    sources = dict(Spend._meta.get_field("source").choices)
    rows = (
        (
            code,
            category,
            _month(month),
            amount,
            name,
            str(sources.get(source, source)),
            who or "",
            when,
        )
        for code, category, month, amount, name, source, who, when in spend.order_by(
            "department__name", "category", "month"
        )
    )
    header = [*SPEND_COLUMNS, _("Department"), _("Source"), _("Entered by"), _("Entered at")]
    return Sheet(_("Spend"), header, rows, (18, 12, 10, 14, 24, 10, 16, 20))


def _alerts_sheet(plan: Plan) -> Sheet:
    alerts = Alert.objects.filter(plan=plan).exclude(state=Alert.State.RESOLVED)
    rows = (
        (
            a.get_rule_display(),
            a.get_severity_display(),
            a.get_state_display(),
            _month(a.period),
            a.department.name if a.department_id else "",
            _person(a.owner),
            a.message,
            a.first_seen,
        )
        for a in alerts.select_related("department", "owner").order_by("-period", "rule", "id")
    )
    header = [
        _("Rule"),
        _("Severity"),
        _("State"),
        _("Month"),
        _("Department"),
        _("Owner"),
        _("Message"),
        _("First seen"),
    ]
    return Sheet(_("Open alerts"), header, rows, (22, 10, 14, 9, 18, 22, 70, 18))


# --- Import templates -------------------------------------------------------------------


def measurement_template_sheets(
    kpis: Iterable[Kpi], goals: Iterable[Goal], plan: Plan
) -> list[Sheet]:
    """An empty Measurements sheet, then the codes the person may import as reference."""
    months = plan.month_starts()
    kpi_rows = ((k.code, k.name, k.department.name, k.unit) for k in kpis)
    goal_rows = (
        (
            g.pk,
            g.title,
            g.department.name if g.department_id else _("Company"),
            g.metric_name,
            g.unit,
        )
        for g in goals
    )
    return [
        Sheet(_("Measurements"), MEASUREMENT_COLUMNS, (), (18, 10, 10, 14)),
        Sheet(
            _("KPIs"),
            ["kpi_code", _("Name"), _("Department"), _("Unit")],
            kpi_rows,
            (20, 36, 20, 10),
        ),
        Sheet(
            _("Goals"),
            ["goal_id", _("Title"), _("Department"), _("Metric"), _("Unit")],
            goal_rows,
            (9, 44, 20, 20, 10),
        ),
        _help_sheet(
            months,
            [
                _("One row per KPI or goal and month. Fill in kpi_code OR goal_id, not both."),
                _("kpi_code: a code from the KPIs sheet. goal_id: a number from the Goals sheet."),
                _("month: YYYY-MM, for example %(month)s.") % {"month": _month(months[0])},
                _(
                    "value: a number; a value already stored for that month is replaced (history "
                    "keeps the old one)."
                ),
            ],
        ),
    ]


def spend_template_sheets(departments: Iterable[Department], plan: Plan) -> list[Sheet]:
    months = plan.month_starts()
    labels = dict(BudgetLine.Category.choices)
    return [
        Sheet(_("Spend"), SPEND_COLUMNS, (), (18, 12, 10, 14)),
        Sheet(
            _("Departments"),
            ["department_code", _("Name")],
            ((d.code, d.name) for d in departments),
            (20, 30),
        ),
        Sheet(
            _("Categories"),
            ["category", _("Meaning")],
            ((c, str(labels[c])) for c in SPEND_CATEGORIES),
            (14, 20),
        ),
        _help_sheet(
            months,
            [
                _("One row per department, category and month."),
                _("department_code: from the Departments sheet (the name works too)."),
                _("category: opex, capex or headcount. month: YYYY-MM, for example %(month)s.")
                % {"month": _month(months[0])},
                _("amount: zero or more; an amount already stored is replaced (history keeps it)."),
            ],
        ),
    ]


def _help_sheet(months: list[dt.date], lines: list[str]) -> Sheet:
    plan_year = _("The plan year runs from %(first)s to %(last)s.") % {
        "first": _month(months[0]),
        "last": _month(months[-1]),
    }
    return Sheet(
        _("How to fill in"),
        [_("How to fill in this file")],
        [(line,) for line in [*lines, plan_year]],
        (110,),
    )


def template_csv(columns: Sequence[str]) -> bytes:
    return (",".join(columns) + "\r\n").encode("utf-8")


def kpis_for_template(plan: Plan, allowed_ids: set[int]):
    return (
        Kpi.objects.filter(plan=plan, pk__in=allowed_ids)
        .select_related("department")
        .order_by("department__name", "code")
    )


def goals_for_template(plan: Plan, allowed_ids: set[int]):
    return (
        Goal.objects.filter(plan=plan, pk__in=allowed_ids)
        .select_related("department")
        .order_by("department__name", "id")
    )


def departments_for_template(plan: Plan, allowed_ids: set[int]):
    return Department.objects.filter(Q(plan=plan) & Q(pk__in=allowed_ids)).order_by("name")
