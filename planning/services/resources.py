"""Resource inventory (SPEC §2 step 3): what goals and initiatives need against what exists,
read in a fixed number of queries, and the writes (add, edit, delete, move between quadrants)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet

from planning import eisenhower
from planning.models import Department, Goal, Initiative, Plan, ResourceRequirement

Category = ResourceRequirement.Category


@dataclass
class CategorySummary:
    """One of the five categories: its requirements, how many gaps are open, what it costs."""

    category: Category
    requirements: list[ResourceRequirement] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.category.label)

    @property
    def open_gaps(self) -> int:
        return sum(1 for r in self.requirements if r.gap > 0)

    @property
    def cost(self) -> Decimal:
        return sum((r.cost for r in self.requirements), Decimal(0))


@dataclass
class Inventory:
    """The requirements in view, by category, and their open gaps by Eisenhower quadrant."""

    categories: list[CategorySummary]
    matrix: dict[eisenhower.Quadrant, list[ResourceRequirement]]

    @property
    def requirements(self) -> list[ResourceRequirement]:
        return [r for c in self.categories for r in c.requirements]

    @property
    def cost(self) -> Decimal:
        return sum((c.cost for c in self.categories), Decimal(0))

    @property
    def open_gaps(self) -> int:
        return sum(c.open_gaps for c in self.categories)

    @property
    def quadrants(self) -> list[tuple[eisenhower.Quadrant, list[ResourceRequirement]]]:
        return list(self.matrix.items())


def resource_requirements(
    *,
    plan: Plan,
    goal: Goal | None = None,
    initiative: Initiative | None = None,
    department: Department | None = None,
) -> QuerySet[ResourceRequirement]:
    """Requirements of the plan; of one goal (with its initiatives'), one initiative or one
    department. Goals, initiatives and their departments come along (one query)."""
    rows = plan.resource_requirements.select_related(
        "goal__department", "initiative__department", "initiative__goal"
    ).order_by("category", "id")
    if goal is not None:
        rows = rows.filter(Q(goal=goal) | Q(initiative__goal=goal))
    elif initiative is not None:
        rows = rows.filter(initiative=initiative)
    elif department is not None:
        rows = rows.filter(Q(goal__department=department) | Q(initiative__department=department))
    return rows


def resource_inventory(**filters) -> Inventory:
    """The inventory for `resource_requirements(**filters)`: by category and by quadrant."""
    rows = list(resource_requirements(**filters))
    by_category = {c: CategorySummary(category=c) for c in Category}
    for row in rows:
        row.subject = row.goal if row.goal_id else row.initiative
        row.department = row.subject.department
        row.quadrant = eisenhower.quadrant(urgent=row.urgent, important=row.important)
        by_category[Category(row.category)].requirements.append(row)
    return Inventory(categories=list(by_category.values()), matrix=eisenhower.matrix(rows))


@transaction.atomic
def resource_requirement_create(
    *,
    plan: Plan,
    category: str,
    description: str,
    goal: Goal | None = None,
    initiative: Initiative | None = None,
    needed: Decimal = Decimal(0),
    available: Decimal = Decimal(0),
    cost: Decimal = Decimal(0),
    urgent: bool = False,
    important: bool = False,
) -> ResourceRequirement:
    """Record what a goal or an initiative (exactly one of them) needs."""
    requirement = ResourceRequirement(
        plan=plan,
        goal=goal,
        initiative=initiative,
        category=category,
        description=description,
        needed=needed,
        available=available,
        cost=cost,
        urgent=urgent,
        important=important,
    )
    requirement.full_clean()
    requirement.save()
    return requirement


@transaction.atomic
def resource_requirement_update(
    *, requirement: ResourceRequirement, **changes
) -> ResourceRequirement:
    """Change fields of a requirement (names as on the model)."""
    for name, value in changes.items():
        setattr(requirement, name, value)
    requirement.full_clean()
    requirement.save()
    return requirement


@transaction.atomic
def resource_requirement_delete(*, requirement: ResourceRequirement) -> None:
    requirement.delete()


@transaction.atomic
def resource_requirement_set_flags(
    *, requirement: ResourceRequirement, urgent: bool | None = None, important: bool | None = None
) -> ResourceRequirement:
    """Move a gap between Eisenhower quadrants by setting urgent and/or important. Reads the
    row under lock so two clicks at once cannot undo each other's other flag."""
    fresh = ResourceRequirement.objects.select_for_update().get(pk=requirement.pk)
    if urgent is not None:
        fresh.urgent = urgent
    if important is not None:
        fresh.important = important
    fresh.save(update_fields=["urgent", "important"])
    return fresh
