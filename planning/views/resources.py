"""Resource inventory with Eisenhower matrix (SPEC §2 step 3, §5): per goal, initiative,
department or the whole plan; needs against what exists, and the open gaps by quadrant."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from planning.forms.resources import FlagsForm, ResourceFilterForm, ResourceRequirementForm
from planning.models import ResourceRequirement
from planning.permissions import Action, require
from planning.services import resources as services
from planning.views.base import plan_view


def _inventory_context(request, plan, access, filter_form):
    filters = filter_form.filters()
    inventory = services.resource_inventory(plan=plan, **filters)
    for row in inventory.requirements:
        row.editable = access.can(Action.EDIT, row)
    subject = filters.get("goal") or filters.get("initiative")
    # The same filter travels in every link, so edits return to the view they started from.
    query = urlencode({k: v.pk for k, v in filters.items()})
    return {
        "plan": plan,
        "section": "resources",
        "filter_form": filter_form,
        "filters": filters,
        "scope": subject or filters.get("department"),
        "query": query,
        "inventory": inventory,
        "can_add": access.writable_department_ids() != frozenset(),
        "add_query": query if subject else "",
    }


def _back(plan, request):
    url = reverse("planning:resource-inventory", args=[plan.pk])
    query = request.GET.get("next_query", "")
    return f"{url}?{query}" if query else url


@plan_view
def resource_inventory(request, plan, access):
    filter_form = ResourceFilterForm(request.GET, plan=plan)
    context = _inventory_context(request, plan, access, filter_form)
    return render(request, "planning/resource_inventory.html", context)


def _subject_from_query(request):
    """`?goal=<id>` or `?initiative=<id>` preselects what the new requirement is for."""
    for name in ("goal", "initiative"):
        if request.GET.get(name, "").isdigit():
            return f"{name}:{request.GET[name]}"
    return ""


@plan_view
def resource_create(request, plan, access):
    if access.writable_department_ids() == frozenset():
        raise PermissionDenied
    form = ResourceRequirementForm(request.POST or None, plan=plan, access=access)
    if not form.is_bound:
        form.initial["subject"] = _subject_from_query(request)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        require(access, Action.EDIT, ResourceRequirement(plan=plan, **changes))
        services.resource_requirement_create(plan=plan, **changes)
        return redirect(_back(plan, request))
    context = {"plan": plan, "section": "resources", "form": form, "back": _back(plan, request)}
    return render(request, "planning/resource_form.html", context)


def _requirement(plan, pk):
    queryset = plan.resource_requirements.select_related("goal", "initiative")
    return get_object_or_404(queryset, pk=pk)


@plan_view
def resource_edit(request, plan, access, pk):
    requirement = _requirement(plan, pk)
    require(access, Action.EDIT, requirement)
    form = ResourceRequirementForm(
        request.POST or None, instance=requirement, plan=plan, access=access
    )
    if request.method == "POST" and form.is_valid():
        services.resource_requirement_update(requirement=requirement, **form.changes())
        return redirect(_back(plan, request))
    context = {
        "plan": plan,
        "section": "resources",
        "form": form,
        "requirement": requirement,
        "back": _back(plan, request),
    }
    return render(request, "planning/resource_form.html", context)


@plan_view
def resource_delete(request, plan, access, pk):
    requirement = _requirement(plan, pk)
    require(access, Action.EDIT, requirement)
    if request.method == "POST":
        services.resource_requirement_delete(requirement=requirement)
        return redirect(_back(plan, request))
    context = {
        "plan": plan,
        "section": "resources",
        "requirement": requirement,
        "back": _back(plan, request),
    }
    return render(request, "planning/resource_confirm_delete.html", context)


@require_POST
@plan_view
def resource_flags(request, plan, access, pk):
    """Mark a gap (not) urgent or (not) important; htmx gets the redrawn inventory body."""
    requirement = _requirement(plan, pk)
    require(access, Action.EDIT, requirement)
    flags = FlagsForm(request.POST)
    flags.is_valid()
    services.resource_requirement_set_flags(requirement=requirement, **flags.cleaned_data)
    if not request.htmx:
        return redirect(_back(plan, request))
    filter_form = ResourceFilterForm(request.GET, plan=plan)
    context = _inventory_context(request, plan, access, filter_form)
    return render(request, "planning/resource_body.html", context)


urlpatterns = [
    path("<int:plan_id>/resources/", resource_inventory, name="resource-inventory"),
    path("<int:plan_id>/resources/new/", resource_create, name="resource-create"),
    path("<int:plan_id>/resources/<int:pk>/edit/", resource_edit, name="resource-edit"),
    path("<int:plan_id>/resources/<int:pk>/delete/", resource_delete, name="resource-delete"),
    path("<int:plan_id>/resources/<int:pk>/flags/", resource_flags, name="resource-flags"),
]
