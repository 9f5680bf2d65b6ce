"""The SWOT board (SPEC §2 step 1): reading the board, and adding, editing, reordering and
deleting entries. Entries are ordered by `position` within their kind and department."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Max, Prefetch
from django.utils.translation import gettext_lazy as _

from planning.concurrency import save_versioned
from planning.models import Department, Goal, Plan, SwotEntry

COMPANY = "company"


@dataclass(frozen=True)
class SwotScope:
    """Which entries the board shows: all, the company-wide ones, or one department's."""

    company_only: bool = False
    department: Department | None = None

    @property
    def query_value(self) -> str:
        if self.department is not None:
            return str(self.department.pk)
        return COMPANY if self.company_only else ""


_QUADRANT_TEXT = {
    SwotEntry.Kind.STRENGTH: (
        _("Strengths"),
        _("Inside the company · helps"),
        _("What does the company do well? Add it with a figure as evidence."),
    ),
    SwotEntry.Kind.WEAKNESS: (
        _("Weaknesses"),
        _("Inside the company · hurts"),
        _("Where does the company fall short? Add it with a figure as evidence."),
    ),
    SwotEntry.Kind.OPPORTUNITY: (
        _("Opportunities"),
        _("In the market · helps"),
        _("Which trends or openings could the company use? Add one with its source."),
    ),
    SwotEntry.Kind.THREAT: (
        _("Threats"),
        _("In the market · hurts"),
        _("What outside could hold the company back? Add it with its source."),
    ),
}


@dataclass
class SwotQuadrant:
    """One box of the board: its entries in display order."""

    kind: SwotEntry.Kind
    entries: list[SwotEntry] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(_QUADRANT_TEXT[self.kind][0])

    @property
    def axis(self) -> str:
        return str(_QUADRANT_TEXT[self.kind][1])

    @property
    def empty_hint(self) -> str:
        return str(_QUADRANT_TEXT[self.kind][2])


def swot_board(*, plan: Plan, scope: SwotScope) -> list[SwotQuadrant]:
    """The four quadrants S, W, O, T with their entries and the goals that answer them
    (two queries, whatever the plan's size). Each entry gets `can_move_up`/`can_move_down`."""
    goals = Goal.objects.only("id", "plan_id", "title").order_by("title")
    entries = (
        plan.swot_entries.select_related("department")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .order_by("kind", F("department__name").asc(nulls_first=True), "position", "id")
    )
    if scope.department is not None:
        entries = entries.filter(department=scope.department)
    elif scope.company_only:
        entries = entries.filter(department__isnull=True)
    quadrants = {kind: SwotQuadrant(kind=kind) for kind in SwotEntry.Kind}
    for entry in entries:
        quadrants[SwotEntry.Kind(entry.kind)].entries.append(entry)
    for quadrant in quadrants.values():
        _mark_neighbours(quadrant.entries)
    return list(quadrants.values())


def _mark_neighbours(entries: list[SwotEntry]) -> None:
    """An entry can move up (down) when the one before (after) it is in the same department:
    order is kept within a kind and department."""
    for index, entry in enumerate(entries):
        before = entries[index - 1] if index > 0 else None
        after = entries[index + 1] if index + 1 < len(entries) else None
        entry.can_move_up = before is not None and before.department_id == entry.department_id
        entry.can_move_down = after is not None and after.department_id == entry.department_id


def _next_position(*, plan: Plan, kind: str, department: Department | None) -> int:
    last = SwotEntry.objects.filter(plan=plan, kind=kind, department=department).aggregate(
        last=Max("position")
    )["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def swot_entry_create(
    *,
    plan: Plan,
    kind: str,
    title: str,
    department: Department | None = None,
    evidence: str = "",
    impact: int = 3,
    goals: list[Goal] | None = None,
) -> SwotEntry:
    """Add an entry at the end of its kind and department."""
    entry = SwotEntry.objects.create(
        plan=plan,
        department=department,
        kind=kind,
        title=title,
        evidence=evidence,
        impact=impact,
        position=_next_position(plan=plan, kind=kind, department=department),
    )
    if goals:
        entry.goals.set(goals)
    return entry


@transaction.atomic
def swot_entry_update(*, entry: SwotEntry, expected_version: int, changes: dict) -> SwotEntry:
    """Save the edit if nobody saved in between (else `EditConflict`). An entry that changes
    kind or department goes to the end of its new place."""
    kind = changes.get("kind", entry.kind)
    department = changes.get("department", entry.department)
    department_id = department.pk if department is not None else None
    if (kind, department_id) != (entry.kind, entry.department_id):
        changes = {
            **changes,
            "position": _next_position(plan=entry.plan, kind=kind, department=department),
        }
    return save_versioned(entry, expected_version=expected_version, changes=changes)


@transaction.atomic
def swot_entry_delete(*, entry: SwotEntry) -> None:
    """Delete an entry; its links to goals go with it (history keeps the entry)."""
    entry.delete()


@transaction.atomic
def swot_entry_move(*, entry: SwotEntry, offset: int) -> SwotEntry:
    """Move an entry `offset` places (−1 up, +1 down) within its kind and department; other
    entries keep their order. Positions are renumbered 0, 1, 2 … on the way."""
    siblings = list(
        SwotEntry.objects.select_for_update()
        .filter(plan_id=entry.plan_id, kind=entry.kind, department_id=entry.department_id)
        .order_by("position", "id")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == entry.pk)
    target = min(max(index + offset, 0), len(siblings) - 1)
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            # The order is not content: no version bump, so an open edit form stays valid.
            sibling.save(update_fields=["position"])
    return siblings[target]
