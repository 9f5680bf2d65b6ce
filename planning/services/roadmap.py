"""Department roadmaps (SPEC §2 step 4): reading the timeline, writing initiatives, their
milestones and dependencies.

Reads fetch their rows in a fixed number of queries; the dependency rule itself (SPEC §4.4)
lives in `planning.dependencies`. Writes are atomic; changes to depends_on take the plan's write
lock first, so that two people adding dependencies at the same moment cannot close a cycle
together."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from planning import constants
from planning.concurrency import save_versioned
from planning.dependencies import Node, blockers, find_cycle, team_blocks
from planning.models import Department, Initiative, Milestone, Plan
from planning.signals import plan_data_changed_send

# Geometry of the timeline, in CSS pixels; the template passes these to CSS so that the
# dependency lines (drawn at these heights) meet the bars.
LANE_HEAD_PX = 34
ROW_PX = 50
SEARCH_LIMIT = 20
# Above this many initiatives the all-departments page lists departments (with who blocks whom)
# instead of drawing every bar: a page stays readable and fast for plans of 10,000 initiatives.
ALL_DEPARTMENTS_LIMIT = 150

Edge = tuple[int, int]


class DependencyCycleError(ValidationError):
    """Refused: the new dependency would close a cycle; `titles` names it in order."""

    def __init__(self, titles: list[str]):
        self.titles = titles
        super().__init__(
            _(
                "This dependency would create a cycle: %(cycle)s. An initiative cannot wait, "
                "directly or through others, for itself."
            )
            % {"cycle": " → ".join(titles)},
            code="cycle",
        )


# ---------------------------------------------------------------------------------------------
# Reads


def node_of(initiative: Initiative) -> Node:
    return Node(
        id=initiative.pk,
        department_id=initiative.department_id,
        start=initiative.start,
        planned_end=initiative.planned_end,
        status=initiative.status,
    )


def buffer_advice(buffer_pct: int | None) -> str:
    """The method asks for 30–50 % on top of the first estimate: a warning outside, else ''."""
    if buffer_pct is None:
        return ""
    if buffer_pct < constants.ADVISED_BUFFER_MIN_PCT:
        return (
            _(
                "A buffer under %(min)s %% is tight: the method advises %(min)s–%(max)s %% on "
                "top of the first estimate."
            )
            % _advised()
        )
    if buffer_pct > constants.ADVISED_BUFFER_MAX_PCT:
        return (
            _(
                "A buffer over %(max)s %% is generous: the method advises %(min)s–%(max)s %%. "
                "Consider splitting the work or sharpening the estimate."
            )
            % _advised()
        )
    return ""


def _advised() -> dict[str, int]:
    return {"min": constants.ADVISED_BUFFER_MIN_PCT, "max": constants.ADVISED_BUFFER_MAX_PCT}


@dataclass
class Span:
    """A stretch of the timeline (a quarter or a month), as percentages of the plan year."""

    first: dt.date
    last: dt.date
    left: float
    width: float
    number: int = 0


@dataclass
class Bar:
    """One initiative on the timeline; `left`/`width` are percentages of the plan year."""

    initiative: Initiative
    left: float
    width: float
    y: int = 0
    starts_before: bool = False
    ends_after: bool = False
    linked: bool = False
    blocked_by: list[Initiative] = field(default_factory=list)
    depends_on: list[Initiative] = field(default_factory=list)
    blocks: list[Initiative] = field(default_factory=list)
    milestone_marks: list[tuple[Milestone, float]] = field(default_factory=list)

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def dates(self) -> str:
        """ "2 Mar – 30 Apr 2026": start to planned end, for labels and screen readers."""
        i = self.initiative
        return f"{date_format(i.start, 'j M')} – {date_format(i.planned_end, 'j M Y')}"

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked_by)


@dataclass
class Lane:
    department: Department
    bars: list[Bar]
    linked: bool = False
    y: int = 0


@dataclass
class Link:
    """A dependency line: from the end of Y's bar to the start of X's bar (X depends on Y)."""

    dependent: Bar
    dependency: Bar
    blocking: bool

    @property
    def x1(self) -> str:
        return f"{self.dependency.right:.3f}%"

    @property
    def x2(self) -> str:
        return f"{self.dependent.left:.3f}%"

    @property
    def y1(self) -> int:
        return self.dependency.y + ROW_PX // 2

    @property
    def y2(self) -> int:
        return self.dependent.y + ROW_PX // 2


@dataclass
class DependencyRow:
    dependent: Initiative
    dependency: Initiative
    blocking: bool


@dataclass
class DepartmentSummary:
    """A department's line in the overview: its initiatives, how many are blocked, and by
    which teams ("team A blocks team B", SPEC §4.4)."""

    department: Department
    initiatives: int
    blocked: int
    blocked_by: list[tuple[Department, int]]


@dataclass
class Roadmap:
    plan: Plan
    department: Department | None
    departments: list[Department]
    quarters: list[Span]
    months: list[Span]
    lanes: list[Lane]
    links: list[Link]
    dependencies: list[DependencyRow]
    today: dt.date
    today_left: float | None
    height: int
    row_px: int = ROW_PX
    lane_head_px: int = LANE_HEAD_PX
    overview: list[DepartmentSummary] | None = None

    @property
    def bars(self) -> list[Bar]:
        return [bar for lane in self.lanes for bar in lane.bars]

    @property
    def own_bars(self) -> list[Bar]:
        return [bar for lane in self.lanes if not lane.linked for bar in lane.bars]

    @property
    def initiative_count(self) -> int:
        if self.overview is not None:
            return sum(s.initiatives for s in self.overview)
        return len(self.own_bars)

    @property
    def blocked_count(self) -> int:
        if self.overview is not None:
            return sum(s.blocked for s in self.overview)
        return sum(1 for bar in self.own_bars if bar.is_blocked)

    @property
    def departments_without_initiatives(self) -> list[Department]:
        shown = {lane.department.pk for lane in self.lanes}
        return [d for d in self.departments if d.pk not in shown]


def roadmap_for(plan: Plan, *, department: Department | None, today: dt.date) -> Roadmap:
    """The timeline of one department (with the other departments' initiatives it is linked
    to) or of the whole plan, with blocked initiatives evaluated at `today`. Four queries."""
    departments = list(plan.departments.order_by("name"))
    if department is None and plan.initiatives.count() > ALL_DEPARTMENTS_LIMIT:
        return _overview(plan, departments, today)
    scope = Q(plan=plan)
    edge_scope = Q(from_initiative__plan=plan)
    if department is not None:
        d = department.pk
        scope &= Q(department=d) | Q(dependents__department=d) | Q(depends_on__department=d)
        edge_scope &= Q(from_initiative__department=d) | Q(to_initiative__department=d)
    initiatives = list(
        Initiative.objects.filter(scope)
        .distinct()
        .select_related("owner", "department")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_date")))
        .order_by("department__name", "start", "title", "pk")
    )
    through = Initiative.depends_on.through
    edges = list(
        through.objects.filter(edge_scope)
        .order_by("pk")
        .values_list("from_initiative_id", "to_initiative_id")
    )
    return _assemble(plan, department, departments, initiatives, edges, today)


def _overview(plan: Plan, departments: list[Department], today: dt.date) -> Roadmap:
    """Departments with their numbers instead of every bar (two more queries, values only)."""
    fields = ("pk", "department_id", "start", "planned_end", "status")
    nodes = {row[0]: Node(*row) for row in plan.initiatives.values_list(*fields)}
    through = Initiative.depends_on.through
    edges = through.objects.filter(from_initiative__plan=plan).values_list(
        "from_initiative_id", "to_initiative_id"
    )
    pairs = blockers(nodes, edges, today)
    teams = team_blocks(nodes, pairs)
    counts = Counter(n.department_id for n in nodes.values())
    blocked = Counter(nodes[x].department_id for x in {x for x, _ in pairs})
    by_id = {d.pk: d for d in departments}
    summaries = [
        DepartmentSummary(
            department=d,
            initiatives=counts[d.pk],
            blocked=blocked[d.pk],
            blocked_by=sorted(
                ((by_id[a], n) for (a, b), n in teams.items() if b == d.pk),
                key=lambda item: item[0].name,
            ),
        )
        for d in departments
    ]
    return Roadmap(
        plan=plan,
        department=None,
        departments=departments,
        quarters=[],
        months=[],
        lanes=[],
        links=[],
        dependencies=[],
        today=today,
        today_left=None,
        height=0,
        overview=summaries,
    )


def _assemble(plan, department, departments, initiatives, edges, today) -> Roadmap:
    by_id = {i.pk: i for i in initiatives}
    bars = {i.pk: _bar(plan, i) for i in initiatives}
    edges = [(x, y) for x, y in edges if x in by_id and y in by_id]
    blocking = set(blockers({i.pk: node_of(i) for i in initiatives}, edges, today))
    for x, y in edges:
        bars[x].depends_on.append(by_id[y])
        bars[y].blocks.append(by_id[x])
        if (x, y) in blocking:
            bars[x].blocked_by.append(by_id[y])
    lanes = _lanes(department, initiatives, bars)
    height = _place(lanes)
    links = [Link(bars[x], bars[y], (x, y) in blocking) for x, y in edges]
    rows = [DependencyRow(by_id[x], by_id[y], (x, y) in blocking) for x, y in edges]
    rows.sort(key=lambda r: (not r.blocking, r.dependent.title, r.dependency.title))
    return Roadmap(
        plan=plan,
        department=department,
        departments=departments,
        quarters=_quarters(plan),
        months=[
            _span(plan, first, last)
            for first, last in zip(plan.month_starts(), plan.month_ends(), strict=True)
        ],
        lanes=lanes,
        links=links,
        dependencies=rows,
        today=today,
        today_left=_position(plan, today) if plan.contains(today) else None,
        height=height,
    )


def _lanes(department, initiatives, bars) -> list[Lane]:
    grouped: dict[int, list[Bar]] = defaultdict(list)
    departments: dict[int, Department] = {}
    for initiative in initiatives:
        grouped[initiative.department_id].append(bars[initiative.pk])
        departments[initiative.department_id] = initiative.department
    lanes = []
    if department is not None:
        lanes.append(Lane(department, grouped.pop(department.pk, [])))
    for dep_id, lane_bars in grouped.items():
        linked = department is not None
        for bar in lane_bars:
            bar.linked = linked
        lanes.append(Lane(departments[dep_id], lane_bars, linked=linked))
    return lanes


def _place(lanes: list[Lane]) -> int:
    """Give each lane head and bar its vertical offset; return the total height."""
    y = 0
    for lane in lanes:
        lane.y = y
        y += LANE_HEAD_PX
        for bar in lane.bars:
            bar.y = y
            y += ROW_PX
    return y


def _year_days(plan: Plan) -> int:
    return (plan.end - plan.start).days + 1


def _position(plan: Plan, day: dt.date) -> float:
    """Where `day` begins on the timeline, as a percentage of the plan year (clamped)."""
    offset = min(max((day - plan.start).days, 0), _year_days(plan))
    return 100 * offset / _year_days(plan)


def _bar(plan: Plan, initiative: Initiative) -> Bar:
    left = _position(plan, initiative.start)
    right = _position(plan, initiative.planned_end + dt.timedelta(days=1))
    bar = Bar(
        initiative=initiative,
        left=left,
        width=max(right - left, 0.6),
        starts_before=initiative.start < plan.start,
        ends_after=initiative.planned_end > plan.end,
    )
    bar.milestone_marks = [
        (m, _position(plan, m.due_date))
        for m in initiative.milestones.all()
        if plan.contains(m.due_date)
    ]
    return bar


def _span(plan: Plan, first: dt.date, last: dt.date, number: int = 0) -> Span:
    left = _position(plan, first)
    right = _position(plan, last + dt.timedelta(days=1))
    return Span(first=first, last=last, left=left, width=right - left, number=number)


def _quarters(plan: Plan) -> list[Span]:
    spans = []
    for q in constants.QUARTERS:
        first = plan.start if q == 1 else plan.quarter_end(q - 1) + dt.timedelta(days=1)
        spans.append(_span(plan, first, plan.quarter_end(q), number=q))
    return spans


@dataclass
class InitiativeDetail:
    initiative: Initiative
    depends_on: list[Initiative]
    dependents: list[Initiative]
    blocked_by: list[Initiative]
    blocks_now: list[Initiative]
    milestones: list[Milestone]


def initiative_detail(initiative: Initiative, *, today: dt.date) -> InitiativeDetail:
    """An initiative with what it depends on and what depends on it, and which of those links
    block at `today` (three queries)."""
    related = ("department", "owner")
    depends_on = list(initiative.depends_on.select_related(*related).order_by("start", "title"))
    dependents = list(initiative.dependents.select_related(*related).order_by("start", "title"))
    me = node_of(initiative)
    nodes = {i.pk: node_of(i) for i in [*depends_on, *dependents]} | {me.id: me}
    edges = [(me.id, y.pk) for y in depends_on] + [(x.pk, me.id) for x in dependents]
    pairs = set(blockers(nodes, edges, today))
    return InitiativeDetail(
        initiative=initiative,
        depends_on=depends_on,
        dependents=dependents,
        blocked_by=[y for y in depends_on if (me.id, y.pk) in pairs],
        blocks_now=[x for x in dependents if (x.pk, me.id) in pairs],
        milestones=list(initiative.milestones.order_by("due_date", "pk")),
    )


def initiative_search(plan: Plan, *, query: str, exclude: int | None = None) -> list[Initiative]:
    """Initiatives of any department whose title or department matches `query`."""
    query = query.strip()
    if not query:
        return []
    matches = Initiative.objects.filter(plan=plan).filter(
        Q(title__icontains=query) | Q(department__name__icontains=query)
    )
    if exclude:
        matches = matches.exclude(pk=exclude)
    return list(
        matches.select_related("department").order_by("department__name", "title")[:SEARCH_LIMIT]
    )


# ---------------------------------------------------------------------------------------------
# Writes


def _take_plan_write_lock(plan: Plan) -> None:
    """Serialise dependency changes within a plan: a no-op UPDATE takes the plan row's lock
    (PostgreSQL) or the database write lock (SQLite) until the transaction ends."""
    Plan.objects.filter(pk=plan.pk).update(name=F("name"))


def _plan_edges(plan: Plan, *, without_from: int | None = None) -> list[Edge]:
    through = Initiative.depends_on.through
    rows = through.objects.filter(from_initiative__plan=plan)
    if without_from is not None:
        rows = rows.exclude(from_initiative_id=without_from)
    return list(rows.values_list("from_initiative_id", "to_initiative_id"))


def _refuse_cycles(plan: Plan, initiative_id: int, new_ids: list[int], edges: list[Edge]) -> None:
    """Raise DependencyCycleError if adding `initiative_id → each of new_ids` closes a cycle."""
    edges = list(edges)
    for y in new_ids:
        cycle = find_cycle(edges, new_edge=(initiative_id, y))
        if cycle:
            titles = dict(Initiative.objects.filter(pk__in=cycle).values_list("pk", "title"))
            raise DependencyCycleError([titles[i] for i in cycle])
        edges.append((initiative_id, y))


def _same_plan(plan: Plan, initiatives) -> list[int]:
    ids = [i.pk for i in initiatives]
    if any(i.plan_id != plan.pk for i in initiatives):
        raise ValidationError(_("An initiative can only depend on initiatives of the same plan."))
    return ids


@transaction.atomic
def initiative_create(*, plan: Plan, data: dict[str, Any]) -> Initiative:
    """A new initiative on a department's roadmap; `data` holds model fields and depends_on."""
    data = dict(data)
    depends_on = list(data.pop("depends_on", []) or [])
    initiative = Initiative(plan=plan, **data)
    initiative.full_clean(exclude=["planned_end"])
    initiative.save()
    if depends_on:
        _take_plan_write_lock(plan)
        initiative.depends_on.set(_same_plan(plan, depends_on))
    plan_data_changed_send(Initiative, plan_id=plan.pk)
    return initiative


@transaction.atomic
def initiative_update(
    *, initiative: Initiative, expected_version: int, changes: dict[str, Any]
) -> Initiative:
    """Save an edit made from `expected_version` (EditConflict if someone saved meanwhile);
    a changed depends_on is checked for cycles under the plan's write lock."""
    changes = dict(changes)
    if "depends_on" in changes:
        plan = initiative.plan
        _take_plan_write_lock(plan)
        ids = _same_plan(plan, list(changes["depends_on"] or []))
        if initiative.pk in ids:
            raise DependencyCycleError([initiative.title, initiative.title])
        _refuse_cycles(plan, initiative.pk, ids, _plan_edges(plan, without_from=initiative.pk))
        changes["depends_on"] = ids
    fresh = save_versioned(initiative, expected_version=expected_version, changes=changes)
    plan_data_changed_send(Initiative, plan_id=fresh.plan_id)
    return fresh


@transaction.atomic
def initiative_status_update(
    *, initiative: Initiative, expected_version: int, status: str
) -> Initiative:
    if status not in Initiative.Status.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    fresh = save_versioned(
        initiative, expected_version=expected_version, changes={"status": status}
    )
    plan_data_changed_send(Initiative, plan_id=fresh.plan_id)
    return fresh


@transaction.atomic
def initiative_delete(*, initiative: Initiative) -> None:
    plan_id = initiative.plan_id
    initiative.delete()
    plan_data_changed_send(Initiative, plan_id=plan_id)


@transaction.atomic
def initiative_dependency_add(*, initiative: Initiative, depends_on: Initiative) -> Initiative:
    """X now depends on Y, unless that closes a cycle. Bumps X's version, so that an edit form
    opened before (which carries the old list) cannot silently drop the new dependency."""
    plan = initiative.plan
    _take_plan_write_lock(plan)
    _same_plan(plan, [depends_on])
    if depends_on.pk == initiative.pk:
        raise DependencyCycleError([initiative.title, initiative.title])
    _refuse_cycles(plan, initiative.pk, [depends_on.pk], _plan_edges(plan))
    initiative.depends_on.add(depends_on)
    plan_data_changed_send(Initiative.depends_on.through, plan_id=plan.pk)
    return _bump_version(initiative)


@transaction.atomic
def initiative_dependency_remove(*, initiative: Initiative, depends_on: Initiative) -> Initiative:
    initiative.depends_on.remove(depends_on)
    plan_data_changed_send(Initiative.depends_on.through, plan_id=initiative.plan_id)
    return _bump_version(initiative)


def _bump_version(initiative: Initiative) -> Initiative:
    Initiative.objects.filter(pk=initiative.pk).update(version=F("version") + 1)
    fresh = Initiative.objects.get(pk=initiative.pk)
    fresh.save()  # a history row that carries the new list of dependencies
    return fresh


@transaction.atomic
def milestone_create(*, initiative: Initiative, title: str, due_date: dt.date) -> Milestone:
    milestone = Milestone(initiative=initiative, title=title, due_date=due_date)
    milestone.full_clean()
    milestone.save()
    plan_data_changed_send(Milestone, plan_id=initiative.plan_id)
    return milestone


@transaction.atomic
def milestone_set_done(*, milestone: Milestone, done: bool, today: dt.date) -> Milestone:
    """Check a milestone off (or reopen it). Setting the state it already has changes nothing,
    so a double click or two people checking it off at once cannot undo each other."""
    if milestone.done != done:
        milestone.done = done
        milestone.done_at = today if done else None
        milestone.save(update_fields=["done", "done_at"])
        plan_data_changed_send(Milestone, plan_id=milestone.initiative.plan_id)
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone) -> None:
    plan_id = milestone.initiative.plan_id
    milestone.delete()
    plan_data_changed_send(Milestone, plan_id=plan_id)
