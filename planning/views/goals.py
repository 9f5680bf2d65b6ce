"""Goals: the cascade (tree), the editor with its live SMART check, the goal page (SPEC §2
step 2, §4.1, §5)."""

import importlib.util

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning import goal_selectors
from planning.concurrency import CONFLICT_MESSAGE, EditConflict
from planning.forms.goals import GoalForm, GoalStatusForm, goal_conflict_rows
from planning.models import Goal
from planning.permissions import Action, require
from planning.services.goals import goal_approve, goal_create, goal_status_set, goal_update
from planning.smart import smart_check
from planning.views.base import plan_view


@plan_view
def goal_tree(request, plan, access):
    department_id = _int(request.GET.get("department"))
    rows = goal_selectors.goal_tree(plan, department_id)
    for row in rows:
        row.can_edit = access.can(Action.EDIT, row.goal)
    return render(
        request,
        "planning/goal_tree.html",
        {
            "plan": plan,
            "rows": rows,
            "departments": plan.departments.order_by("name"),
            "department_id": department_id,
            "can_create": _can_create(access),
            "section": "goals",
        },
    )


@plan_view
def goal_create_view(request, plan, access):
    if not _can_create(access):
        raise PermissionDenied
    initial = _new_goal_initial(request, plan, access)
    form = GoalForm(request.POST or None, plan=plan, access=access, initial=initial)
    if request.method == "POST" and form.is_valid():
        require(access, Action.EDIT, form.instance)  # the department chosen, forged or not
        try:
            goal = goal_create(
                plan=plan,
                user=request.user,
                values=form.goal_values(),
                checkpoints=form.checkpoint_values(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The goal “%(title)s” was created.") % {"title": goal})
            return redirect(goal)
    return _render_form(request, plan, form, goal=None)


@plan_view
def goal_edit(request, plan, access, pk):
    goal = get_object_or_404(plan.goals, pk=pk)
    require(access, Action.EDIT, goal)
    form = GoalForm(request.POST or None, plan=plan, access=access, instance=goal)
    conflict = None
    if request.method == "POST" and form.is_valid():
        require(access, Action.EDIT, form.instance)  # also in the department it moves to
        try:
            goal = goal_update(
                goal=goal,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                changes=form.goal_values(),
                checkpoints=form.checkpoint_values(),
                reason=form.cleaned_data.get("change_reason") or "",
            )
        except EditConflict as error:
            conflict = goal_conflict_rows(form, error.current)
            form.data = form.data.copy()
            form.data["version"] = error.current.version  # saving again keeps mine
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(goal)
    return _render_form(request, plan, form, goal=goal, conflict=conflict)


@plan_view
def goal_detail(request, plan, access, pk):
    return _render_detail(request, plan, access, pk)


def _render_detail(request, plan, access, pk, status_form=None, conflict=None):
    goal, smart = _goal_or_404(plan, pk)
    can_edit = access.can(Action.EDIT, goal)
    can_status = access.can(Action.UPDATE_STATUS, goal)
    context = {
        "plan": plan,
        "goal": goal,
        "smart": smart,
        "section": "goals",
        "can_edit": can_edit,
        "can_create": can_edit and _can_create(access),
        "can_approve": access.can(Action.APPROVE, goal),
        "status_form": status_form or (GoalStatusForm(instance=goal) if can_status else None),
        "conflict_rows": conflict,
        "conflict_message": CONFLICT_MESSAGE,
        "comments_template": _comments_template(),
        **goal_selectors.goal_detail_parts(goal),
    }
    return render(request, "planning/goal_detail.html", context)


@require_POST
@plan_view
def goal_status(request, plan, access, pk):
    goal = get_object_or_404(plan.goals, pk=pk)
    require(access, Action.UPDATE_STATUS, goal)
    form = GoalStatusForm(request.POST, instance=goal)
    if form.is_valid():
        try:
            goal_status_set(
                goal=goal,
                user=request.user,
                status=form.cleaned_data["status"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as error:
            rows = goal_conflict_rows(form, error.current)
            form.data = form.data.copy()
            form.data["version"] = error.current.version
            return _render_detail(request, plan, access, pk, form, rows)
        messages.success(request, _("Status saved."))
        return redirect(goal)
    return _render_detail(request, plan, access, pk, form)


@require_POST
@plan_view
def goal_approve_view(request, plan, access, pk):
    goal = get_object_or_404(plan.goals, pk=pk)
    require(access, Action.APPROVE, goal)
    try:
        goal_approve(goal=goal, user=request.user)
    except (ValidationError, EditConflict) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The goal is approved."))
    return redirect(goal)


@require_POST
@plan_view
def goal_smart_check(request, plan, access, pk=None):
    """The SMART panel for what is typed now, unsaved (htmx, while the person types)."""
    goal = get_object_or_404(plan.goals, pk=pk) if pk else None
    form = GoalForm(request.POST, plan=plan, access=access, instance=goal)
    form.is_valid()  # invalid fields count as missing
    smart = smart_check(form.smart_facts(**goal_selectors.goal_link_counts(goal)))
    return render(request, "planning/goal_smart_panel.html", {"smart": smart, "live": True})


def _render_form(request, plan, form, *, goal, conflict=None):
    facts = form.smart_facts(**goal_selectors.goal_link_counts(goal))
    return render(
        request,
        "planning/goal_form.html",
        {
            "plan": plan,
            "form": form,
            "goal": goal,
            "section": "goals",
            "smart": smart_check(facts),
            "conflict_rows": conflict,
            "conflict_message": CONFLICT_MESSAGE,
        },
    )


def _goal_or_404(plan, pk):
    try:
        return goal_selectors.goal_with_smart(plan, pk)
    except Goal.DoesNotExist as exc:
        raise Http404("No such goal.") from exc


def _comments_template() -> str | None:
    """The discussion thread, once the comments feature (another team's) is installed."""
    if importlib.util.find_spec("planning.templatetags.comments") is None:
        return None
    return "planning/goal_comments.html"


def _can_create(access) -> bool:
    """Leadership anywhere; a department head in their own departments."""
    writable = access.writable_department_ids()
    return writable is None or bool(writable)


def _new_goal_initial(request, plan, access) -> dict:
    initial = {}
    writable = access.writable_department_ids()
    parent = plan.goals.filter(pk=_int(request.GET.get("parent"))).first()
    if parent is not None:
        initial["parent"] = parent.pk
    if parent is not None and (writable is None or parent.department_id in writable):
        initial["department"] = parent.department_id
    elif writable:
        initial["department"] = min(writable)
    if goal_selectors.plan_members(plan).filter(pk=request.user.pk).exists():
        initial["owner"] = request.user.pk
    return initial


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


urlpatterns = [
    path("<int:plan_id>/goals/", goal_tree, name="goal-tree"),
    path("<int:plan_id>/goals/new/", goal_create_view, name="goal-create"),
    path("<int:plan_id>/goals/smart-check/", goal_smart_check, name="goal-smart-check"),
    path("<int:plan_id>/goals/<int:pk>/", goal_detail, name="goal-detail"),
    path("<int:plan_id>/goals/<int:pk>/edit/", goal_edit, name="goal-edit"),
    path("<int:plan_id>/goals/<int:pk>/status/", goal_status, name="goal-status"),
    path("<int:plan_id>/goals/<int:pk>/approve/", goal_approve_view, name="goal-approve"),
    path("<int:plan_id>/goals/<int:pk>/smart-check/", goal_smart_check, name="goal-smart-check"),
]
