"""Plan approval: departments submit their part, leadership approves or returns it, then
approves the plan; the baseline page compares the current plan with the approved one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning import baseline, goal_selectors
from planning.forms.goals import DecisionForm
from planning.models import ApprovalState, Plan
from planning.permissions import Action, require
from planning.services.approval import (
    department_submit,
    plan_approve,
    plan_baseline_freeze,
    submission_approve,
    submission_return,
)
from planning.views.base import plan_view


@plan_view
def approval(request, plan, access):
    parts, unassigned = goal_selectors.approval_overview(plan)
    for part in parts:
        part.can_submit = access.can(Action.SUBMIT, part.department)
    approved = sum(p.state == ApprovalState.APPROVED for p in parts)
    return render(
        request,
        "planning/approval.html",
        {
            "plan": plan,
            "parts": parts,
            "unassigned": unassigned,
            "section": "approval",
            "can_decide": access.can(Action.APPROVE),
            "approved_count": approved,
            "all_approved": bool(parts) and approved == len(parts),
            "open": plan.status in (Plan.Status.DRAFT, Plan.Status.IN_REVIEW),
            "decision_form": DecisionForm(),
        },
    )


@require_POST
@plan_view
def approval_submit(request, plan, access, department_id):
    department = get_object_or_404(plan.departments, pk=department_id)
    require(access, Action.SUBMIT, department)
    try:
        department_submit(plan=plan, department=department, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s was submitted for approval.") % {"name": department.name}
        )
    return redirect("planning:approval", plan.pk)


@require_POST
@plan_view
def approval_decide(request, plan, access, department_id):
    department = get_object_or_404(plan.departments, pk=department_id)
    require(access, Action.APPROVE, department)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        if form.cleaned_data["decision"] == "approve":
            submission_approve(plan=plan, department=department, user=request.user)
            messages.success(request, _("%(name)s is approved.") % {"name": department.name})
        else:
            submission_return(
                plan=plan,
                department=department,
                user=request.user,
                comment=form.cleaned_data["comment"],
            )
            messages.success(
                request, _("%(name)s was returned to its head.") % {"name": department.name}
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("planning:approval", plan.pk)


@require_POST
@plan_view
def approval_plan(request, plan, access):
    require(access, Action.APPROVE)
    try:
        plan_approve(plan=plan, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("planning:approval", plan.pk)
    messages.success(request, _("The plan is approved and frozen as the baseline."))
    return redirect("planning:plan-baseline", plan.pk)


@require_POST
@plan_view
def plan_baseline_freeze_view(request, plan, access):
    """For a plan approved before baselines were kept (or loaded as such): freeze it now."""
    require(access, Action.APPROVE)
    if plan.status == Plan.Status.APPROVED and not plan.baselines.exists():
        plan_baseline_freeze(plan=plan, user=request.user)
        messages.success(request, _("The approved plan is frozen as the baseline."))
    return redirect("planning:plan-baseline", plan.pk)


@plan_view
def plan_baseline(request, plan, access):
    frozen = plan.baselines.select_related("created_by").first()
    comparison = None
    if frozen is not None:
        comparison = baseline.compare(frozen.snapshot, goal_selectors.plan_snapshot(plan))
    return render(
        request,
        "planning/plan_baseline.html",
        {
            "plan": plan,
            "baseline": frozen,
            "comparison": comparison,
            "section": "approval",
            "goal_labels": baseline.field_labels(baseline.GOAL_FIELDS),
            "initiative_labels": baseline.field_labels(baseline.INITIATIVE_FIELDS),
            "plan_changes": plan.plan_changes.select_related("changed_by")[:200],
            "can_freeze": plan.status == Plan.Status.APPROVED and access.can(Action.APPROVE),
        },
    )


urlpatterns = [
    path("<int:plan_id>/approval/", approval, name="approval"),
    path("<int:plan_id>/approval/approve-plan/", approval_plan, name="approval-plan"),
    path("<int:plan_id>/approval/baseline/", plan_baseline, name="plan-baseline"),
    path(
        "<int:plan_id>/approval/baseline/freeze/",
        plan_baseline_freeze_view,
        name="plan-baseline-freeze",
    ),
    path(
        "<int:plan_id>/approval/departments/<int:department_id>/submit/",
        approval_submit,
        name="approval-submit",
    ),
    path(
        "<int:plan_id>/approval/departments/<int:department_id>/decide/",
        approval_decide,
        name="approval-decide",
    ),
]
