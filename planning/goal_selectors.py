"""Reads for goals, the goal tree, plan approval and the baseline, in a fixed number of queries
whatever the plan's size: one query for the goals (with the SMART inputs counted in subqueries),
one for their checkpoints, and the tree is built in Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from planning.constants import QUARTERS
from planning.models import (
    ApprovalState,
    BudgetLine,
    Department,
    DepartmentSubmission,
    Goal,
    GoalCheckpoint,
    Initiative,
    Plan,
    ResourceRequirement,
)
from planning.smart import GoalFacts, SmartResult, smart_check


@dataclass(frozen=True)
class PlanYear:
    """First day of the plan year and the last day of each of its quarters."""

    start: dt.date
    quarter_ends: tuple[dt.date, dt.date, dt.date, dt.date]


def plan_year(plan: Plan) -> PlanYear:
    return PlanYear(plan.start, tuple(plan.quarter_end(q) for q in QUARTERS))


def plan_members(plan: Plan) -> QuerySet:
    """People with any role in the plan: the ones a goal may be owned by."""
    return (
        get_user_model()
        .objects.filter(memberships__plan=plan)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _count_of(queryset: QuerySet, link: str) -> Coalesce:
    """Number of rows of `queryset` pointing at the outer goal, as a correlated subquery (no
    join multiplication, one query for the whole list)."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def goals_with_smart_inputs(plan: Plan) -> QuerySet[Goal]:
    """The plan's goals with what the SMART check reads: two queries however many goals."""
    return (
        plan.goals.select_related("department", "owner")
        .annotate(
            resource_count=_count_of(ResourceRequirement.objects.all(), "goal"),
            initiative_count=_count_of(
                Initiative.objects.exclude(status=Initiative.Status.CANCELLED), "goal"
            ),
            swot_count=_count_of(Goal.swot_entries.through.objects.all(), "goal"),
            priority_count=_count_of(Goal.priorities.through.objects.all(), "goal"),
        )
        .prefetch_related(
            Prefetch("checkpoints", queryset=GoalCheckpoint.objects.order_by("quarter"))
        )
    )


def goal_facts(goal: Goal, year: PlanYear) -> GoalFacts:
    """SMART inputs of a goal from `goals_with_smart_inputs` (no further queries)."""
    return GoalFacts(
        plan_start=year.start,
        quarter_ends=year.quarter_ends,
        title=goal.title,
        description=goal.description,
        has_owner=goal.owner_id is not None,
        has_department=goal.department_id is not None,
        metric_name=goal.metric_name,
        unit=goal.unit,
        baseline=goal.baseline,
        target=goal.target,
        rationale=goal.rationale,
        resource_count=goal.resource_count,
        initiative_count=goal.initiative_count,
        has_parent=goal.parent_id is not None,
        swot_count=goal.swot_count,
        priority_count=goal.priority_count,
        due_date=goal.due_date,
        checkpoint_quarters=frozenset(c.quarter for c in goal.checkpoints.all()),
    )


def goal_with_smart(plan: Plan, pk: int) -> tuple[Goal, SmartResult]:
    """One goal of the plan with its SMART result (404 handled by the caller's queryset)."""
    goal = goals_with_smart_inputs(plan).select_related("parent").get(pk=pk)
    return goal, smart_check(goal_facts(goal, plan_year(plan)))


@dataclass
class TreeRow:
    """A goal in the cascade with its depth (0 = top) and SMART result."""

    goal: Goal
    depth: int
    smart: SmartResult
    parent_outside: Goal | None = None
    children: list[TreeRow] = field(default_factory=list)
    can_edit: bool = False

    @property
    def indent(self) -> range:
        return range(self.depth)


def goal_tree(plan: Plan, department_id: int | None = None) -> list[TreeRow]:
    """The goal cascade in display order: company goals, then their department goals, nested.

    With a department filter, goals of that department only; a goal whose parent is not shown
    becomes a top row that names its parent (`parent_outside`)."""
    goals = list(goals_with_smart_inputs(plan).order_by("title"))
    by_id = {g.pk: g for g in goals}
    year = plan_year(plan)
    shown = [g for g in goals if department_id is None or g.department_id == department_id]
    shown_ids = {g.pk for g in shown}
    rows = {g.pk: TreeRow(g, 0, smart_check(goal_facts(g, year))) for g in shown}
    roots = []
    for goal in shown:
        row = rows[goal.pk]
        if goal.parent_id in shown_ids:
            rows[goal.parent_id].children.append(row)
        else:
            row.parent_outside = by_id.get(goal.parent_id)
            roots.append(row)
    roots.sort(key=lambda r: (r.parent_outside is not None, r.goal.title.lower()))
    return list(_flatten(roots, 0, set()))


def _flatten(rows: list[TreeRow], depth: int, seen: set[int]):
    for row in rows:
        if row.goal.pk in seen:  # a cycle written outside the app must not loop forever
            continue
        seen.add(row.goal.pk)
        row.depth = depth
        yield row
        yield from _flatten(
            sorted(row.children, key=lambda r: r.goal.title.lower()), depth + 1, seen
        )


def descendant_ids(plan: Plan, goal_id: int) -> set[int]:
    """Ids of all goals below `goal_id` in the cascade (one query): not allowed as its parent."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in plan.goals.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), [goal_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


# --- Approval -------------------------------------------------------------------------------


@dataclass
class DepartmentPart:
    """A department's part of the plan on the approval page."""

    department: Department
    submission: DepartmentSubmission | None
    rows: list[TreeRow]
    plan_approved: bool = False
    can_submit: bool = False

    @property
    def state(self) -> str:
        """The submission's state; a plan approved without submissions approved every part."""
        if self.submission is not None:
            return self.submission.state
        return ApprovalState.APPROVED if self.plan_approved else ApprovalState.DRAFT

    @property
    def state_label(self) -> str:
        return ApprovalState(self.state).label

    @property
    def failing(self) -> list[TreeRow]:
        return [r for r in self.rows if not r.smart.passed]


def approval_overview(plan: Plan) -> tuple[list[DepartmentPart], list[TreeRow]]:
    """Each department with its submission and its goals' SMART results, and the goals that
    belong to no department (four queries)."""
    year = plan_year(plan)
    rows_by_department: dict[int | None, list[TreeRow]] = {}
    for goal in goals_with_smart_inputs(plan).order_by("title"):
        row = TreeRow(goal, 0, smart_check(goal_facts(goal, year)))
        rows_by_department.setdefault(goal.department_id, []).append(row)
    submissions = {
        s.department_id: s for s in plan.submissions.select_related("submitted_by", "decided_by")
    }
    approved = plan.status in (Plan.Status.APPROVED, Plan.Status.CLOSED)
    parts = [
        DepartmentPart(d, submissions.get(d.pk), rows_by_department.get(d.pk, []), approved)
        for d in plan.departments.select_related("head").order_by("name")
    ]
    return parts, rows_by_department.get(None, [])


# --- Baseline snapshot ----------------------------------------------------------------------


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _text(value) -> str | None:
    """A snapshot value: numbers without padding (the same on SQLite and PostgreSQL)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def plan_snapshot(plan: Plan) -> dict:
    """The plan as JSON-ready data: goals (targets, due dates, budgets, owners, checkpoints),
    initiatives (dates) and budget totals per department. Four queries."""
    goals = plan.goals.select_related("department", "owner").prefetch_related(
        Prefetch("checkpoints", queryset=GoalCheckpoint.objects.order_by("quarter"))
    )
    initiatives = plan.initiatives.select_related("department", "owner").order_by("start", "pk")
    budgets = (
        BudgetLine.objects.filter(plan=plan)
        .values("department_id", "department__name")
        .annotate(total=Sum("amount"))
        .order_by("department__name")
    )
    return {
        "plan": {"name": plan.name, "start": plan.start.isoformat(), "currency": plan.currency},
        "goals": [_goal_snapshot(g) for g in goals.order_by("pk")],
        "initiatives": [_initiative_snapshot(i) for i in initiatives],
        "budgets": [
            {
                "department_id": b["department_id"],
                "department": b["department__name"],
                "total": _text(b["total"]),
            }
            for b in budgets
        ],
    }


def _goal_snapshot(goal: Goal) -> dict:
    return {
        "id": goal.pk,
        "title": goal.title,
        "department": goal.department.name if goal.department else "",
        "owner": _person(goal.owner),
        "owner_id": goal.owner_id,
        "metric": goal.metric_name,
        "unit": goal.unit,
        "baseline": _text(goal.baseline),
        "target": _text(goal.target),
        "due_date": _text(goal.due_date),
        "budget": _text(goal.budget),
        "checkpoints": {str(c.quarter): _text(c.planned_value) for c in goal.checkpoints.all()},
    }


def _initiative_snapshot(initiative: Initiative) -> dict:
    return {
        "id": initiative.pk,
        "title": initiative.title,
        "department": initiative.department.name,
        "owner": _person(initiative.owner),
        "goal_id": initiative.goal_id,
        "start": _text(initiative.start),
        "estimate_days": initiative.estimate_days,
        "buffer_pct": initiative.buffer_pct,
        "planned_end": _text(initiative.planned_end),
    }


# --- History --------------------------------------------------------------------------------

HISTORY_LIMIT = 100
_HISTORY_FIELDS = (
    "title",
    "description",
    "department",
    "parent",
    "owner",
    "metric_name",
    "unit",
    "direction",
    "baseline",
    "target",
    "due_date",
    "rationale",
    "budget",
    "status",
    "approval_state",
    "swot_entries",
    "priorities",
)
# One save of the editor writes several history rows (goal, links, checkpoints) within
# milliseconds: rows by the same person closer than this are shown as one change.
_SAME_EDIT = dt.timedelta(seconds=2)


@dataclass
class HistoryChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One change of a goal: who, when, and each field's old and new value."""

    when: dt.datetime
    who: str
    created: bool
    changes: list[HistoryChange]


def goal_history(goal: Goal) -> list[HistoryEntry]:
    """The goal's history, newest first (a fixed number of queries, the latest 100 saves)."""
    records = list(
        goal.history.select_related("history_user")
        .prefetch_related("historicalgoal_swot_entries_set", "historicalgoal_priorities_set")
        .order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )[::-1]
    values = [_record_values(r) for r in records]
    names = _history_names(goal.plan, values)
    raw = []
    for index, (record, now) in enumerate(zip(records, values, strict=True)):
        before = values[index - 1] if index else None
        if before is None and record.history_type != "+":
            continue  # older than the window: only the base to compare the next one with
        changed = [f for f in _HISTORY_FIELDS if before is not None and before[f] != now[f]]
        changes = [
            HistoryChange(_label(f), _shown(f, before[f], names), _shown(f, now[f], names))
            for f in changed
        ]
        raw.append((record.history_date, record.history_user, record.history_type == "+", changes))
    raw.extend(_checkpoint_history(goal))
    return _merge(sorted(raw, key=lambda r: r[0]))[::-1]


def _record_values(record) -> dict:
    values = {
        f: getattr(record, f + "_id" if f in ("department", "parent", "owner") else f, None)
        for f in _HISTORY_FIELDS
        if f not in ("swot_entries", "priorities")
    }
    values["swot_entries"] = frozenset(
        r.swotentry_id for r in record.historicalgoal_swot_entries_set.all()
    )
    values["priorities"] = frozenset(
        r.priority_id for r in record.historicalgoal_priorities_set.all()
    )
    return values


def _history_names(plan: Plan, values: list[dict]) -> dict[str, dict]:
    """Names for the ids that appear in the history (five small queries)."""

    def ids(field):
        found = set()
        for v in values:
            item = v[field]
            found |= item if isinstance(item, frozenset) else ({item} - {None})
        return found

    users = get_user_model().objects.filter(pk__in=ids("owner"))
    return {
        "department": dict(
            Department.objects.filter(pk__in=ids("department")).values_list("pk", "name")
        ),
        "parent": dict(Goal.objects.filter(pk__in=ids("parent")).values_list("pk", "title")),
        "owner": {u.pk: u.get_full_name() or u.username for u in users},
        "swot_entries": dict(
            plan.swot_entries.filter(pk__in=ids("swot_entries")).values_list("pk", "title")
        ),
        "priorities": dict(
            plan.priorities.filter(pk__in=ids("priorities")).values_list("pk", "title")
        ),
    }


def _label(field_name: str) -> str:
    return capfirst(str(Goal._meta.get_field(field_name).verbose_name))


def _shown(field_name: str, value, names: dict) -> str:
    """A history value as people read it."""
    if value is None or value == "":
        return "—"
    if field_name in names:
        if isinstance(value, frozenset):
            return ", ".join(sorted(str(names[field_name].get(v, v)) for v in value)) or "—"
        return str(names[field_name].get(value, value))
    field_ = Goal._meta.get_field(field_name)
    if field_.choices:
        return str(dict(field_.choices).get(value, value))
    return _plain(value)


def plain_number(value) -> str:
    """6.5000 → "6.5", 500000 → "500,000": no padded decimals, grouped thousands."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    number = number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
    return number_format(number, force_grouping=True)


def _plain(value) -> str:
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, dt.date):
        return date_format(value)
    return str(value)


def _checkpoint_history(goal: Goal) -> list[tuple]:
    """Checkpoint rows' history as (when, who, created, changes) of the goal."""
    records = (
        GoalCheckpoint.history.filter(goal_id=goal.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    last: dict[int, object] = {}
    found = []
    for record in records[: HISTORY_LIMIT * 4]:
        label = _("Checkpoint Q%(quarter)s") % {"quarter": record.quarter}
        before = last.get(record.id)
        old = "—" if before is None else _plain(before.planned_value)
        new = "—" if record.history_type == "-" else _plain(record.planned_value)
        last[record.id] = None if record.history_type == "-" else record
        if old != new:
            found.append(
                (
                    record.history_date,
                    record.history_user,
                    False,
                    [HistoryChange(str(label), old, new)],
                )
            )
    return found


def _merge(raw: list[tuple]) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    last_user = object()
    for when, user, created, changes in raw:
        who = _person(user) or str(_("someone (system)"))
        same = entries and user == last_user and when - entries[-1].when <= _SAME_EDIT
        if same:
            entries[-1].changes.extend(changes)
            entries[-1].created = entries[-1].created or created
        elif changes or created:
            entries.append(HistoryEntry(when, who, created, list(changes)))
        last_user = user
    return entries


# --- The goal page --------------------------------------------------------------------------


def goal_link_counts(goal: Goal | None) -> dict[str, int]:
    """Saved resource requirements and (not cancelled) initiatives of a goal, for the live
    SMART check of unsaved editor values."""
    if goal is None or goal.pk is None:
        return {"resource_count": 0, "initiative_count": 0}
    return {
        "resource_count": goal.resources.count(),
        "initiative_count": goal.initiatives.exclude(status=Initiative.Status.CANCELLED).count(),
    }


def goal_detail_parts(goal: Goal) -> dict:
    """What the goal page shows besides the goal itself (a fixed number of queries)."""
    from planning.models import PlanChange

    planned = {c.quarter: c.planned_value for c in goal.checkpoints.all()}
    return {
        "checkpoint_cells": [
            (q, end, planned.get(q))
            for q, end in zip(QUARTERS, plan_year(goal.plan).quarter_ends, strict=True)
        ],
        "children": list(goal.children.select_related("owner", "department").order_by("title")),
        "initiatives": list(goal.initiatives.select_related("owner", "department")),
        "resources": list(goal.resources.all()),
        "swot_entries": list(goal.swot_entries.order_by("kind", "position")),
        "priorities": list(goal.priorities.order_by("title")),
        "history": goal_history(goal),
        "plan_changes": list(
            PlanChange.objects.filter(plan_id=goal.plan_id, subject_type="goal", subject_id=goal.pk)
            .select_related("changed_by")
            .prefetch_related("notified")
        ),
    }
