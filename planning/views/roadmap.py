"""Department roadmaps (SPEC §2 step 4, §5): the quarterly timeline with dependency lines, and
initiatives with their milestones and dependencies."""

from copy import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from planning.concurrency import CONFLICT_MESSAGE, EditConflict, conflict_rows
from planning.forms.roadmap import (
    DependencyForm,
    InitiativeForm,
    InitiativeStatusForm,
    MilestoneDoneForm,
    MilestoneForm,
    PlannedEndForm,
)
from planning.models import Initiative, Milestone
from planning.permissions import Action, require
from planning.services import roadmap as service
from planning.views.base import plan_view


def _initiative(plan, pk) -> Initiative:
    related = ("department", "owner", "goal", "plan")
    return get_object_or_404(Initiative.objects.select_related(*related), plan=plan, pk=pk)


def _milestone(plan, pk) -> Milestone:
    queryset = Milestone.objects.select_related("initiative__plan")
    return get_object_or_404(queryset, initiative__plan=plan, pk=pk)


def _department(plan, value):
    """The department named by `?department=<id>`, None for all; 404 for another plan's."""
    if not value or not str(value).isdigit():
        return None
    department = plan.departments.filter(pk=value).first()
    if department is None:
        raise Http404("No such department in this plan.")
    return department


def _can_create(access, department) -> bool:
    if department is not None:
        return access.can(Action.EDIT, department)
    return access.writable_department_ids() != frozenset()


@plan_view
def roadmap(request, plan, access):
    department = _department(plan, request.GET.get("department"))
    data = service.roadmap_for(plan, department=department, today=timezone.localdate())
    editable = {b.initiative.pk for b in data.bars if access.can(Action.EDIT, b.initiative)}
    context = {
        "plan": plan,
        "roadmap": data,
        "editable": editable,
        "section": "roadmap",
        "can_create": _can_create(access, department),
    }
    return render(request, "planning/roadmap.html", context)


def _detail(request, plan, access, initiative, status=400, **forms):
    """The initiative page; `forms` carry bound forms with errors or a conflict to show."""
    detail = service.initiative_detail(initiative, today=timezone.localdate())
    context = {
        "plan": plan,
        "section": "roadmap",
        "detail": detail,
        "initiative": initiative,
        "can_edit": access.can(Action.EDIT, initiative),
        "can_update_status": access.can(Action.UPDATE_STATUS, initiative),
        "buffer_advice": service.buffer_advice(initiative.buffer_pct),
        "status_form": forms.get("status_form") or InitiativeStatusForm(instance=initiative),
        "dependency_form": forms.get("dependency_form") or DependencyForm(plan=plan),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(plan=plan),
        "conflict_rows": forms.get("conflict_rows"),
        "conflict_message": CONFLICT_MESSAGE,
        "has_comments": _comments_available(),
    }
    return render(request, "planning/initiative_detail.html", context, status=status)


def _comments_available() -> bool:
    from importlib.util import find_spec

    return find_spec("planning.templatetags.comments") is not None


@plan_view
def initiative_detail(request, plan, access, pk):
    return _detail(request, plan, access, _initiative(plan, pk), status=200)


def _form_page(request, plan, form, initiative=None, conflict=None, status=200):
    context = {
        "plan": plan,
        "form": form,
        "initiative": initiative,
        "section": "roadmap",
        "conflict_rows": conflict,
        "conflict_message": CONFLICT_MESSAGE,
    }
    return render(request, "planning/initiative_form.html", context, status=status)


def _changes(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != "version"}


@plan_view
def initiative_create(request, plan, access):
    department = _department(plan, request.GET.get("department"))
    if not _can_create(access, department):
        raise PermissionDenied("You may not add initiatives here.")
    initial = {"department": department, "owner": request.user}
    form = InitiativeForm(request.POST or None, initial=initial, plan=plan, access=access)
    if request.method == "POST" and form.is_valid():
        require(access, Action.EDIT, form.instance)
        initiative = service.initiative_create(plan=plan, data=_changes(form))
        messages.success(request, _("Initiative “%s” added to the roadmap.") % initiative.title)
        return redirect(initiative)
    return _form_page(request, plan, form, status=400 if form.errors else 200)


@plan_view
def initiative_edit(request, plan, access, pk):
    initiative = _initiative(plan, pk)
    require(access, Action.EDIT, initiative)
    stored = copy(initiative)  # the form writes what was typed into `initiative`
    form = InitiativeForm(request.POST or None, instance=initiative, plan=plan, access=access)
    if request.method != "POST" or not form.is_valid():
        return _form_page(request, plan, form, stored, status=400 if form.errors else 200)
    try:
        service.initiative_update(
            initiative=initiative,
            expected_version=form.cleaned_data["version"],
            changes=_changes(form),
        )
    except EditConflict as conflict:
        rows = conflict_rows(form, conflict.current)
        form = InitiativeForm(
            _with_version(request.POST, conflict.current),
            plan=plan,
            access=access,
            instance=conflict.current,
        )
        return _form_page(request, plan, form, conflict.current, conflict=rows, status=409)
    except service.DependencyCycleError as cycle:
        form.add_error("depends_on", cycle)
        return _form_page(request, plan, form, stored, status=400)
    messages.success(request, _("Initiative saved."))
    return redirect(initiative)


def _with_version(data, current):
    data = data.copy()
    data["version"] = str(current.version)
    return data


@require_POST
@plan_view
def initiative_delete(request, plan, access, pk):
    initiative = _initiative(plan, pk)
    require(access, Action.EDIT, initiative)
    service.initiative_delete(initiative=initiative)
    messages.success(request, _("Initiative “%s” deleted.") % initiative.title)
    url = reverse("planning:roadmap", args=[plan.pk])
    return redirect(f"{url}?department={initiative.department_id}")


@require_POST
@plan_view
def initiative_status(request, plan, access, pk):
    initiative = _initiative(plan, pk)
    require(access, Action.UPDATE_STATUS, initiative)
    form = InitiativeStatusForm(request.POST, instance=initiative)
    if not form.is_valid():
        return _detail(request, plan, access, initiative, status_form=form)
    try:
        service.initiative_status_update(
            initiative=initiative,
            status=form.cleaned_data["status"],
            expected_version=form.cleaned_data["version"],
        )
    except EditConflict as conflict:
        rows = conflict_rows(form, conflict.current)
        form = InitiativeStatusForm(
            _with_version(request.POST, conflict.current), instance=conflict.current
        )
        return _detail(
            request,
            plan,
            access,
            conflict.current,
            status=409,
            status_form=form,
            conflict_rows=rows,
        )
    messages.success(request, _("Status saved."))
    return redirect(initiative)


@require_POST
@plan_view
def dependency_add(request, plan, access, pk):
    initiative = _initiative(plan, pk)
    require(access, Action.EDIT, initiative)
    form = DependencyForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            service.initiative_dependency_add(
                initiative=initiative, depends_on=form.cleaned_data["depends_on"]
            )
        except service.DependencyCycleError as cycle:
            form.add_error("depends_on", cycle)
    if form.errors:
        return _detail(request, plan, access, initiative, dependency_form=form)
    messages.success(request, _("Dependency added."))
    return redirect(f"{initiative.get_absolute_url()}#dependencies")


@require_POST
@plan_view
def dependency_remove(request, plan, access, pk, depends_on_pk):
    initiative = _initiative(plan, pk)
    require(access, Action.EDIT, initiative)
    dependency = get_object_or_404(initiative.depends_on, pk=depends_on_pk)
    service.initiative_dependency_remove(initiative=initiative, depends_on=dependency)
    messages.success(request, _("Dependency on “%s” removed.") % dependency.title)
    return redirect(f"{initiative.get_absolute_url()}#dependencies")


@require_POST
@plan_view
def milestone_create(request, plan, access, pk):
    initiative = _initiative(plan, pk)
    require(access, Action.EDIT, initiative)
    form = MilestoneForm(request.POST, plan=plan)
    if not form.is_valid():
        return _detail(request, plan, access, initiative, milestone_form=form)
    service.milestone_create(initiative=initiative, **form.cleaned_data)
    messages.success(request, _("Milestone added."))
    return redirect(f"{initiative.get_absolute_url()}#milestones")


@require_POST
@plan_view
def milestone_done(request, plan, access, pk):
    milestone = _milestone(plan, pk)
    require(access, Action.UPDATE_STATUS, milestone)
    form = MilestoneDoneForm(request.POST)
    form.is_valid()  # a boolean: missing means "not done"
    service.milestone_set_done(
        milestone=milestone, done=form.cleaned_data["done"], today=timezone.localdate()
    )
    return redirect(f"{milestone.initiative.get_absolute_url()}#milestones")


@require_POST
@plan_view
def milestone_delete(request, plan, access, pk):
    milestone = _milestone(plan, pk)
    require(access, Action.EDIT, milestone)
    service.milestone_delete(milestone=milestone)
    messages.success(request, _("Milestone “%s” deleted.") % milestone.title)
    return redirect(f"{milestone.initiative.get_absolute_url()}#milestones")


@require_GET
@plan_view
def initiative_search(request, plan, access):
    """htmx: initiatives of any department matching `q` (title or department)."""
    query, exclude = request.GET.get("q", ""), request.GET.get("exclude", "")
    exclude_id = int(exclude) if exclude.isdigit() else None
    results = service.initiative_search(plan, query=query, exclude=exclude_id)
    context = {"results": results, "query": query.strip()}
    return render(request, "planning/initiative_search_results.html", context)


@require_GET
@plan_view
def planned_end_preview(request, plan, access):
    """htmx: the planned end and the buffer advice for what is typed in the form."""
    form = PlannedEndForm(request.GET)
    context = {"plan": plan, "planned_end": None, "buffer_advice": ""}
    if form.is_valid():
        data = form.cleaned_data
        context["planned_end"] = Initiative.compute_planned_end(
            data["start"], data["estimate_days"], data["buffer_pct"]
        )
        context["buffer_advice"] = service.buffer_advice(data["buffer_pct"])
        context["ends_after_year"] = context["planned_end"] > plan.end
    return render(request, "planning/initiative_planned_end.html", context)


urlpatterns = [
    path("<int:plan_id>/roadmap/", roadmap, name="roadmap"),
    path("<int:plan_id>/initiatives/new/", initiative_create, name="initiative-create"),
    path("<int:plan_id>/initiatives/search/", initiative_search, name="initiative-search"),
    path(
        "<int:plan_id>/initiatives/planned-end/", planned_end_preview, name="initiative-planned-end"
    ),
    path("<int:plan_id>/initiatives/<int:pk>/", initiative_detail, name="initiative-detail"),
    path("<int:plan_id>/initiatives/<int:pk>/edit/", initiative_edit, name="initiative-edit"),
    path("<int:plan_id>/initiatives/<int:pk>/delete/", initiative_delete, name="initiative-delete"),
    path("<int:plan_id>/initiatives/<int:pk>/status/", initiative_status, name="initiative-status"),
    path(
        "<int:plan_id>/initiatives/<int:pk>/dependencies/",
        dependency_add,
        name="initiative-dependency-add",
    ),
    path(
        "<int:plan_id>/initiatives/<int:pk>/dependencies/<int:depends_on_pk>/remove/",
        dependency_remove,
        name="initiative-dependency-remove",
    ),
    path(
        "<int:plan_id>/initiatives/<int:pk>/milestones/", milestone_create, name="milestone-create"
    ),
    path("<int:plan_id>/milestones/<int:pk>/done/", milestone_done, name="milestone-done"),
    path("<int:plan_id>/milestones/<int:pk>/delete/", milestone_delete, name="milestone-delete"),
]
