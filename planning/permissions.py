"""Who may do what in a plan (SPEC §3.1) — the only place that reads roles.

Every view and API endpoint asks here: `access = plan_access(user, plan)` then
`access.can(Action.EDIT, goal)`. Nobody checks roles inline.

- leadership: reads all; writes all; approves; runs reviews; manages members and tokens.
- department_head of D: reads all; writes D's SWOT entries, goals, initiatives, milestones,
  resources, KPIs and measurements; submits D's part; comments.
- finance: reads all; writes budget lines and spend of every department; comments.
- contributor of D: reads all; writes status and measurements of D's goals, initiatives,
  milestones and KPIs; comments.
- viewer: reads all; writes nothing.
- no membership: sees nothing of the plan (404).

The owner of a goal or initiative may update its status and measurements in any department.
An alert may be acknowledged by leadership, its owner and the heads of its department.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from planning.models import (
    BudgetLine,
    Comment,
    Department,
    Goal,
    Initiative,
    Membership,
    Milestone,
    Plan,
    ResourceRequirement,
)

Role = Membership.Role


class Action(enum.StrEnum):
    """What someone wants to do. `EDIT` means create, change or delete."""

    VIEW = "view"
    EDIT = "edit"
    UPDATE_STATUS = "update_status"
    MEASURE = "measure"
    EDIT_BUDGET = "edit_budget"
    COMMENT = "comment"
    SUBMIT = "submit"
    APPROVE = "approve"
    MANAGE_PLAN = "manage_plan"
    RUN_REVIEW = "run_review"
    IMPORT = "import"
    ACKNOWLEDGE = "acknowledge"


@dataclass(frozen=True)
class PlanAccess:
    """A person's rights in one plan, read from their memberships once per request."""

    user_id: int | None
    plan_id: int
    roles: frozenset[str] = frozenset()
    head_of: frozenset[int] = frozenset()
    contributor_of: frozenset[int] = frozenset()
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_member(self) -> bool:
        return bool(self.roles)

    @property
    def is_leadership(self) -> bool:
        return Role.LEADERSHIP in self.roles

    @property
    def is_finance(self) -> bool:
        return Role.FINANCE in self.roles

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles)]

    def can(self, action: Action | str, obj: object | None = None) -> bool:
        """May this person do `action` to `obj` (a model instance of this plan, or None for
        the plan as a whole)?"""
        if not self.is_member:
            return False
        checker = _CHECKS.get(Action(action))
        return bool(checker and checker(self, obj))

    def writable_department_ids(self) -> frozenset[int] | None:
        """Departments whose plan items this person may edit; None means every department."""
        return None if self.is_leadership else self.head_of


def plan_access(user, plan: Plan | int) -> PlanAccess:
    """Read the user's memberships in `plan` (one query; cached on the user object)."""
    plan_id = plan if isinstance(plan, int) else plan.pk
    if not getattr(user, "is_authenticated", False):
        return PlanAccess(user_id=None, plan_id=plan_id)
    cache = user.__dict__.setdefault("_plan_access_cache", {})
    if plan_id not in cache:
        rows = list(
            Membership.objects.filter(user=user, plan_id=plan_id).values_list(
                "role", "department_id"
            )
        )
        cache[plan_id] = PlanAccess(
            user_id=user.pk,
            plan_id=plan_id,
            roles=frozenset(role for role, _ in rows),
            head_of=frozenset(d for role, d in rows if role == Role.DEPARTMENT_HEAD),
            contributor_of=frozenset(d for role, d in rows if role == Role.CONTRIBUTOR),
        )
    return cache[plan_id]


def plans_visible_to(user) -> QuerySet[Plan]:
    """The plans a person is a member of; nobody else sees a plan exists."""
    if not getattr(user, "is_authenticated", False):
        return Plan.objects.none()
    return Plan.objects.filter(memberships__user=user).distinct()


def get_plan_for(user, plan_id: int) -> tuple[Plan, PlanAccess]:
    """The plan with the user's access, or 404 when they are not a member (SPEC §3.1)."""
    access = plan_access(user, int(plan_id))
    if not access.is_member:
        raise Http404("No such plan.")
    try:
        plan = Plan.objects.get(pk=plan_id)
    except Plan.DoesNotExist as exc:
        raise Http404("No such plan.") from exc
    return plan, access


def department_id_of(obj: object) -> int | None:
    """The department an object belongs to, for department-scoped rights; None = company-wide."""
    if isinstance(obj, Department):
        return obj.pk
    if isinstance(obj, Milestone):
        return obj.initiative.department_id
    if isinstance(obj, ResourceRequirement):
        parent = obj.goal if obj.goal_id else obj.initiative
        return parent.department_id if parent else None
    if isinstance(obj, Comment):
        return department_id_of(obj.goal if obj.goal_id else obj.initiative)
    measured = _measured_subject(obj)
    if measured is not None:
        return department_id_of(measured)
    return getattr(obj, "department_id", None)


def _measured_subject(obj: object):
    """A measurement's KPI or goal (tracking models are recognised by shape, not imported)."""
    if type(obj).__name__ == "Measurement":
        return obj.kpi if obj.kpi_id else obj.goal
    return None


def _owner_id(obj: object) -> int | None:
    if isinstance(obj, Goal | Initiative):
        return obj.owner_id
    if isinstance(obj, Milestone):
        return obj.initiative.owner_id
    subject = _measured_subject(obj)
    if subject is not None:
        return _owner_id(subject)
    goal = getattr(obj, "goal", None) if type(obj).__name__ == "Kpi" else None
    return goal.owner_id if goal is not None else None


def _is_budget_object(obj: object) -> bool:
    return isinstance(obj, BudgetLine) or type(obj).__name__ == "Spend"


def _can_view(access: PlanAccess, obj) -> bool:
    return True


def _can_edit(access: PlanAccess, obj) -> bool:
    """Create, change or delete a plan item (SWOT, goal, initiative, milestone, resource, KPI);
    a comment only by its author, while they may still comment (posting is COMMENT)."""
    if _is_budget_object(obj):
        return _can_edit_budget(access, obj)
    if isinstance(obj, Comment):
        is_author = access.user_id is not None and obj.author_id == access.user_id
        return is_author and _can_comment(access, obj)
    if access.is_leadership:
        return True
    department_id = department_id_of(obj) if obj is not None else None
    return department_id is not None and department_id in access.head_of


def _can_update_status(access: PlanAccess, obj) -> bool:
    """Status of goals, initiatives and milestones: editors, D's contributors, and the owner."""
    if _can_edit(access, obj):
        return True
    if access.user_id is not None and _owner_id(obj) == access.user_id:
        return True
    department_id = department_id_of(obj) if obj is not None else None
    return department_id is not None and department_id in access.contributor_of


def _can_measure(access: PlanAccess, obj) -> bool:
    return _can_update_status(access, obj)


def _can_edit_budget(access: PlanAccess, obj) -> bool:
    return access.is_leadership or access.is_finance


def _can_comment(access: PlanAccess, obj) -> bool:
    return access.roles != {Role.VIEWER}


def _can_submit(access: PlanAccess, obj) -> bool:
    if access.is_leadership:
        return True
    return isinstance(obj, Department) and obj.pk in access.head_of


def _leadership_only(access: PlanAccess, obj) -> bool:
    return access.is_leadership


def _can_import(access: PlanAccess, obj) -> bool:
    """Imports of measurements (heads, contributors, leadership) or spend (finance, leadership);
    each row is checked again on its own subject."""
    return access.is_leadership or access.is_finance or bool(access.head_of | access.contributor_of)


def _can_acknowledge(access: PlanAccess, obj) -> bool:
    """An alert (tracking, recognised by its fields): leadership, its owner, and the heads
    of its department."""
    if access.is_leadership:
        return True
    if access.user_id is not None and getattr(obj, "owner_id", None) == access.user_id:
        return True
    department_id = getattr(obj, "department_id", None)
    return department_id is not None and department_id in access.head_of


_CHECKS = {
    Action.VIEW: _can_view,
    Action.EDIT: _can_edit,
    Action.UPDATE_STATUS: _can_update_status,
    Action.MEASURE: _can_measure,
    Action.EDIT_BUDGET: _can_edit_budget,
    Action.COMMENT: _can_comment,
    Action.SUBMIT: _can_submit,
    Action.APPROVE: _leadership_only,
    Action.MANAGE_PLAN: _leadership_only,
    Action.RUN_REVIEW: _leadership_only,
    Action.IMPORT: _can_import,
    Action.ACKNOWLEDGE: _can_acknowledge,
}


def require(access: PlanAccess, action: Action | str, obj: object | None = None) -> None:
    """Raise 403 unless `access.can(action, obj)`; for views that write."""
    if not access.can(action, obj):
        raise PermissionDenied("You may not do this in this plan.")
