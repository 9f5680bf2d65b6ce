"""Plan approval (SPEC §2 step 4): departments submit their part, leadership approves or returns
it, then approves the plan, which freezes a baseline. After approval, changes to a goal's
target, due date, budget or owner need a reason and are recorded as PlanChanges (§2 step 6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from planning.goal_selectors import goal_facts, goals_with_smart_inputs, plan_snapshot, plan_year
from planning.models import (
    ApprovalState,
    Department,
    DepartmentSubmission,
    Goal,
    Plan,
    PlanBaseline,
    PlanChange,
)
from planning.services.notifications import notifications_write
from planning.smart import smart_check

# What the approved baseline holds of a goal: changing one of these needs a reason.
BASELINE_FIELDS = ("target", "due_date", "budget", "owner")


def changes_need_reason(plan: Plan) -> bool:
    """Once approved, the plan is the baseline: changes to it are explained."""
    return plan.status in (Plan.Status.APPROVED, Plan.Status.CLOSED)


@transaction.atomic
def department_submit(*, plan: Plan, department: Department, user) -> DepartmentSubmission:
    """The head hands in the department's part; refused while any of its goals fails SMART."""
    plan = _locked(plan)
    _refuse_when_approved(plan)
    submission = _submission(plan, department)
    if submission.state in (ApprovalState.SUBMITTED, ApprovalState.APPROVED):
        raise ValidationError(
            _("%(department)s is already %(state)s.")
            % {"department": department.name, "state": submission.get_state_display().lower()}
        )
    goals = list(goals_with_smart_inputs(plan).filter(department=department).order_by("title"))
    year = plan_year(plan)
    failing = [g.title for g in goals if not smart_check(goal_facts(g, year)).passed]
    if failing:
        raise ValidationError(
            _("%(department)s cannot be submitted: these goals fail the SMART check: %(goals)s.")
            % {"department": department.name, "goals": "; ".join(failing)}
        )
    submission.state = ApprovalState.SUBMITTED
    submission.submitted_by, submission.submitted_at = user, timezone.now()
    submission.comment = ""
    submission.save()
    _set_goal_approval(goals, ApprovalState.SUBMITTED, user)
    if plan.status == Plan.Status.DRAFT:
        plan.status = Plan.Status.IN_REVIEW
        plan.save(update_fields=["status"])
    return submission


@transaction.atomic
def submission_approve(*, plan: Plan, department: Department, user) -> DepartmentSubmission:
    """Leadership accepts a submitted department part."""
    plan = _locked(plan)
    _refuse_when_approved(plan)
    submission = _submission(plan, department)
    if submission.state != ApprovalState.SUBMITTED:
        raise ValidationError(_("Only a submitted part can be approved."))
    submission.state = ApprovalState.APPROVED
    submission.decided_by, submission.decided_at = user, timezone.now()
    submission.save()
    return submission


@transaction.atomic
def submission_return(
    *, plan: Plan, department: Department, user, comment: str
) -> DepartmentSubmission:
    """Leadership sends a department part back with a comment; the head is notified."""
    plan = _locked(plan)
    _refuse_when_approved(plan)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    submission = _submission(plan, department)
    if submission.state not in (ApprovalState.SUBMITTED, ApprovalState.APPROVED):
        raise ValidationError(_("Only a submitted or approved part can be returned."))
    submission.state = ApprovalState.RETURNED
    submission.comment = comment.strip()
    submission.decided_by, submission.decided_at = user, timezone.now()
    submission.save()
    goals = list(plan.goals.filter(department=department))
    _set_goal_approval(goals, ApprovalState.RETURNED, user)

    def words():
        return _("%(who)s returned the %(department)s part of %(plan)s: %(comment)s") % {
            "who": _person(user),
            "department": department.name,
            "plan": plan.name,
            "comment": submission.comment,
        }

    recipients = {u for u in (department.head, submission.submitted_by) if u is not None}
    _notify(plan, recipients, words, reverse("planning:approval", args=[plan.pk]))
    return submission


@transaction.atomic
def plan_approve(*, plan: Plan, user) -> PlanBaseline:
    """Approve the whole plan once every department part is approved and every goal passes
    SMART: the plan and its goals become approved and a baseline snapshot is frozen."""
    plan = _locked(plan)
    _refuse_when_approved(plan)
    departments = list(plan.departments.order_by("name"))
    approved = set(
        plan.submissions.filter(state=ApprovalState.APPROVED).values_list(
            "department_id", flat=True
        )
    )
    pending = [d.name for d in departments if d.pk not in approved]
    if pending:
        raise ValidationError(
            _("Not all departments are approved yet: %(names)s.") % {"names": ", ".join(pending)}
        )
    goals = list(goals_with_smart_inputs(plan))
    year = plan_year(plan)
    failing = [g.title for g in goals if not smart_check(goal_facts(g, year)).passed]
    if failing:
        raise ValidationError(
            _("These goals fail the SMART check: %(goals)s.") % {"goals": "; ".join(failing)}
        )
    plan.status, plan.approved_at = Plan.Status.APPROVED, timezone.now()
    plan.save(update_fields=["status", "approved_at"])
    _set_goal_approval(goals, ApprovalState.APPROVED, user)
    baseline = plan_baseline_freeze(plan=plan, user=user)
    heads = {d.head for d in plan.departments.select_related("head") if d.head_id}
    _notify(
        plan,
        heads - {user},
        lambda: _("%(plan)s is approved; it is now the baseline.") % {"plan": plan.name},
        reverse("planning:plan-baseline", args=[plan.pk]),
    )
    return baseline


def plan_baseline_freeze(*, plan: Plan, user) -> PlanBaseline:
    """Store the plan as it is now; the baseline page compares the current plan with it."""
    return PlanBaseline.objects.create(plan=plan, created_by=user, snapshot=plan_snapshot(plan))


def plan_changes_record(
    *,
    goal: Goal,
    user,
    changes: list[tuple[str, Any, Any]],
    reason: str,
    previous_owner=None,
) -> list[PlanChange]:
    """Write each (field, old, new) of an approved goal as a PlanChange with its reason, and
    tell the goal's owner (old and new) and the department head."""
    recipients = {goal.owner, previous_owner}
    if goal.department_id:
        recipients.add(goal.department.head)
    recipients = {u for u in recipients if u is not None and u.pk != getattr(user, "pk", None)}
    records = [
        PlanChange.objects.create(
            plan_id=goal.plan_id,
            subject_type="goal",
            subject_id=goal.pk,
            subject_label=goal.title[:200],
            field=name,
            old_value=_value(old),
            new_value=_value(new),
            reason=reason.strip(),
            changed_by=user,
        )
        for name, old, new in changes
    ]
    for record in records:
        record.notified.set(recipients)

    def words():  # field names in the reader's language
        what = "; ".join(
            f"{_field_label(r.field)}: {r.old_value or '—'} → {r.new_value or '—'}" for r in records
        )
        return _("%(who)s changed “%(goal)s” (%(what)s). Why: %(reason)s") % {
            "who": _person(user),
            "goal": goal.title,
            "what": what,
            "reason": reason.strip(),
        }

    _notify(goal.plan, recipients, words, goal.get_absolute_url())
    return records


def _locked(plan: Plan) -> Plan:
    """The plan row, locked for the transaction so two approvals cannot interleave."""
    return Plan.objects.select_for_update().get(pk=plan.pk)


def _refuse_when_approved(plan: Plan) -> None:
    if plan.status in (Plan.Status.APPROVED, Plan.Status.CLOSED):
        raise ValidationError(
            _("The plan is already %(status)s.") % {"status": plan.get_status_display().lower()}
        )


def _submission(plan: Plan, department: Department) -> DepartmentSubmission:
    if department.plan_id != plan.pk:
        raise ValidationError(_("This department belongs to another plan."))
    submission, _created = DepartmentSubmission.objects.select_for_update().get_or_create(
        plan=plan, department=department
    )
    return submission


def _set_goal_approval(goals: list[Goal], state: str, user) -> None:
    """One save per goal, on the fresh locked row, so that history records the links too and
    no concurrent edit of another field is overwritten."""
    fresh = Goal.objects.select_for_update(of=("self",)).filter(pk__in=[g.pk for g in goals])
    for goal in fresh:
        if goal.approval_state != state:
            goal.approval_state = state
            goal._history_user = user
            goal.save(update_fields=["approval_state", "updated_at"])


def _notify(plan: Plan, users, words, url: str) -> None:
    """`words()` is called in each recipient's language."""
    notifications_write(plan_id=plan.pk, users=users, words=words, url=url)


def _person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def _value(value: Any) -> str:
    """A field value as people read it in the change log."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "get_full_name"):
        return _person(value)
    return str(value)


def _field_label(name: str) -> str:
    return str(Goal._meta.get_field(name).verbose_name)
