"""Writes of goals and their quarterly checkpoints (SPEC §2 step 2, §3).

Edits carry the version they started from (no lost updates); after plan approval a change to a
goal's target, due date, budget or owner needs a reason and is recorded as a PlanChange."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planning.concurrency import EditConflict, save_versioned
from planning.constants import QUARTERS
from planning.goal_selectors import goal_with_smart, plan_members
from planning.models import ApprovalState, Goal, GoalCheckpoint, Plan
from planning.services.approval import (
    BASELINE_FIELDS,
    changes_need_reason,
    plan_changes_record,
)
from planning.signals import plan_data_changed_send

# Fields a goal editor changes; `status` and `approval_state` have their own services.
EDIT_FIELDS = (
    "department",
    "parent",
    "owner",
    "title",
    "description",
    "metric_name",
    "unit",
    "direction",
    "baseline",
    "target",
    "due_date",
    "rationale",
    "budget",
    "swot_entries",
    "priorities",
)
_MANY = ("swot_entries", "priorities")


class SmartCheckFailed(ValidationError):
    """A goal with a failing SMART criterion cannot be approved (SPEC §4.1)."""


@transaction.atomic
def goal_create(
    *, plan: Plan, user, values: dict[str, Any], checkpoints: dict[int, Decimal | None]
) -> Goal:
    """A new goal of `plan` from editor values (EDIT_FIELDS) and quarterly checkpoints."""
    _check_values(plan, values, goal=None)
    goal = Goal(plan=plan, **{k: v for k, v in values.items() if k not in _MANY})
    goal._history_user = user
    goal.save()
    for name in _MANY:
        if name in values:
            getattr(goal, name).set(values[name])
    checkpoints_set(goal=goal, values=checkpoints)
    plan_data_changed_send(Goal, plan_id=plan.pk)
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    user,
    expected_version: int,
    changes: dict[str, Any],
    checkpoints: dict[int, Decimal | None] | None = None,
    reason: str = "",
) -> Goal:
    """Apply `changes` if nobody saved since `expected_version` (else EditConflict).

    After approval, changed BASELINE_FIELDS need a `reason` (ValidationError on
    `change_reason` otherwise) and each is written as a PlanChange, its people notified."""
    current = (
        Goal.objects.select_for_update(of=("self",)).select_related("plan", "owner").get(pk=goal.pk)
    )
    if current.version != expected_version:
        raise EditConflict(current)
    plan = current.plan
    _check_values(plan, changes, goal=current)
    baseline_changes = []
    if changes_need_reason(plan):
        baseline_changes = _baseline_changes(current, changes)
        if baseline_changes and not reason.strip():
            raise ValidationError(
                {"change_reason": _("The plan is approved: say why you change this.")}
            )
    before_owner = current.owner
    fresh = save_versioned(current, expected_version=expected_version, changes=changes)
    if checkpoints is not None:
        checkpoints_set(goal=fresh, values=checkpoints)
    if baseline_changes:
        plan_changes_record(
            goal=fresh,
            user=user,
            changes=baseline_changes,
            reason=reason,
            previous_owner=before_owner,
        )
    plan_data_changed_send(Goal, plan_id=plan.pk)
    return fresh


@transaction.atomic
def checkpoints_set(*, goal: Goal, values: dict[int, Decimal | None]) -> None:
    """Planned values at the end of quarters 1..4; None removes a quarter's checkpoint."""
    existing = {c.quarter: c for c in goal.checkpoints.all()}
    changed = False
    for quarter in QUARTERS:
        value = values.get(quarter)
        current = existing.get(quarter)
        if value is None:
            if current is not None:
                current.delete()
                changed = True
        elif current is None:
            GoalCheckpoint.objects.create(goal=goal, quarter=quarter, planned_value=value)
            changed = True
        elif current.planned_value != value:
            current.planned_value = value
            current.save()
            changed = True
    if changed:
        plan_data_changed_send(GoalCheckpoint, plan_id=goal.plan_id)


@transaction.atomic
def goal_status_set(*, goal: Goal, user, expected_version: int, status: str) -> Goal:
    """Active, achieved or dropped: what contributors and owners may change."""
    if status not in Goal.Status.values:
        raise ValidationError({"status": _("Choose one of the listed states.")})
    fresh = save_versioned(goal, expected_version=expected_version, changes={"status": status})
    plan_data_changed_send(Goal, plan_id=fresh.plan_id)
    return fresh


@transaction.atomic
def goal_approve(*, goal: Goal, user) -> Goal:
    """Approve one goal; refused while any SMART criterion fails."""
    goal, smart = goal_with_smart(goal.plan, goal.pk)
    if not smart.passed:
        failing = ", ".join(str(c.label) for c in smart.failing)
        raise SmartCheckFailed(
            _("“%(goal)s” cannot be approved: %(criteria)s not met yet.")
            % {"goal": goal.title, "criteria": failing}
        )
    return save_versioned(
        goal, expected_version=goal.version, changes={"approval_state": ApprovalState.APPROVED}
    )


def _check_values(plan: Plan, values: dict[str, Any], *, goal: Goal | None) -> None:
    """Department, parent, owner, SWOT entries and priorities must belong to this plan; the due
    date lies in the plan year; the budget is not negative. Forms say this next to the field
    first; this guards every other caller."""
    errors = {}
    due_date = values.get("due_date")
    if due_date is not None and not plan.contains(due_date):
        errors["due_date"] = _("The due date must lie inside the plan year.")
    budget = values.get("budget")
    if budget is not None and budget < 0:
        errors["budget"] = _("The budget cannot be negative.")
    department = values.get("department")
    if department is not None and department.plan_id != plan.pk:
        errors["department"] = _("This department belongs to another plan.")
    parent = values.get("parent")
    if parent is not None and parent.plan_id != plan.pk:
        errors["parent"] = _("The parent goal belongs to another plan.")
    elif parent is not None and goal is not None and _is_below(parent, goal):
        errors["parent"] = _("A goal cannot sit below itself or one of its own sub-goals.")
    owner = values.get("owner")
    if owner is not None and not plan_members(plan).filter(pk=owner.pk).exists():
        errors["owner"] = _("The owner must be a member of this plan.")
    for name in _MANY:
        if any(item.plan_id != plan.pk for item in values.get(name, [])):
            errors[name] = _("Choose entries of this plan.")
    if errors:
        raise ValidationError(errors)


def _is_below(candidate: Goal, goal: Goal) -> bool:
    from planning.goal_selectors import descendant_ids

    return candidate.pk == goal.pk or candidate.pk in descendant_ids(goal.plan, goal.pk)


def _baseline_changes(goal: Goal, changes: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each changed field that the approved baseline holds."""
    found = []
    for name in BASELINE_FIELDS:
        if name not in changes:
            continue
        old = getattr(goal, name)
        new = changes[name]
        if _normalised(old) != _normalised(new):
            found.append((name, old, new))
    return found


def _normalised(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    return getattr(value, "pk", value)
