"""The SWOT board (SPEC §2 step 1, §5): a 2x2 board per plan, edited inline with htmx.

Every change answers with the part of the board it touched (a quadrant, or the whole board
when an entry changed kind); without JavaScript the same URLs work as plain pages."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from planning.concurrency import CONFLICT_MESSAGE, EditConflict
from planning.forms.swot import SwotEntryEditForm, SwotEntryForm, SwotFilterForm, swot_conflict_rows
from planning.models import SwotEntry
from planning.permissions import Action, require
from planning.services import swot as swot_services
from planning.views.base import plan_view


def _scope(request, plan):
    return SwotFilterForm(request.GET, plan=plan).scope()


def _can_add(access) -> bool:
    """Leadership (company-wide or any department) or the head of at least one department."""
    return access.writable_department_ids() != frozenset()


def _board_url(plan, scope) -> str:
    url = reverse("planning:swot-board", args=[plan.pk])
    return f"{url}?department={scope.query_value}" if scope.query_value else url


def _quadrants(plan, access, scope, kinds=None):
    quadrants = swot_services.swot_board(plan=plan, scope=scope)
    for quadrant in quadrants:
        for entry in quadrant.entries:
            entry.editable = access.can(Action.EDIT, entry)
    return [q for q in quadrants if kinds is None or q.kind in kinds]


def _changed(request, plan, access, scope, kinds, focus=None):
    """After a change: the touched quadrants (htmx) or the board (plain request). `focus`
    (entry id, what to focus) puts the keyboard back where the person was."""
    if not request.htmx:
        return redirect(_board_url(plan, scope))
    context = {"plan": plan, "scope": scope, "can_add": _can_add(access), "focus": focus}
    if len(kinds) == 1:
        context["quadrant"] = _quadrants(plan, access, scope, kinds)[0]
        response = render(request, "planning/swot_quadrant.html", context)
        target = f"#swot-q-{context['quadrant'].kind}"
    else:
        context["quadrants"] = _quadrants(plan, access, scope)
        response = render(request, "planning/swot_board_body.html", context)
        target = "#swot-board"
    response["HX-Retarget"], response["HX-Reswap"] = target, "outerHTML"
    return response


def _form(request, plan, context):
    """The entry form: a fragment for htmx, a page otherwise."""
    context = {"plan": plan, "section": "swot", **context}
    template = "planning/swot_entry_form.html"
    return render(request, template if request.htmx else "planning/swot_entry_page.html", context)


@plan_view
def swot_board(request, plan, access):
    filter_form = SwotFilterForm(request.GET, plan=plan)
    scope = filter_form.scope()
    context = {
        "plan": plan,
        "section": "swot",
        "filter_form": filter_form,
        "scope": scope,
        "quadrants": _quadrants(plan, access, scope),
        "can_add": _can_add(access),
    }
    return render(request, "planning/swot_board.html", context)


@plan_view
def swot_entry_create(request, plan, access):
    scope = _scope(request, plan)
    kind = request.GET.get("kind") if request.GET.get("kind") in SwotEntry.Kind else None
    if not _can_add(access):
        raise PermissionDenied
    if request.GET.get("cancel") and request.htmx:
        context = {"plan": plan, "scope": scope, "kind": kind, "can_add": True}
        return render(request, "planning/swot_add_slot.html", context)
    initial = {"kind": kind, "department": scope.department}
    form = SwotEntryForm(request.POST or None, plan=plan, access=access, initial=initial)
    if request.method == "POST" and form.is_valid():
        require(
            access, Action.EDIT, SwotEntry(plan=plan, department=form.cleaned_data["department"])
        )
        entry = swot_services.swot_entry_create(plan=plan, **form.changes())
        return _changed(request, plan, access, scope, {entry.kind}, (entry.pk, "edit"))
    return _form(request, plan, {"form": form, "scope": scope, "kind": kind})


@plan_view
def swot_entry_card(request, plan, access, pk):
    entry = get_object_or_404(plan.swot_entries.select_related("department"), pk=pk)
    entry.editable = access.can(Action.EDIT, entry)
    context = {"plan": plan, "entry": entry, "scope": _scope(request, plan)}
    return render(request, "planning/swot_card.html", context)


@plan_view
def swot_entry_edit(request, plan, access, pk):
    entry = get_object_or_404(plan.swot_entries.select_related("department"), pk=pk)
    require(access, Action.EDIT, entry)
    scope, old_kind = _scope(request, plan), entry.kind
    form = SwotEntryEditForm(request.POST or None, instance=entry, plan=plan, access=access)
    context = {"form": form, "entry": entry, "scope": scope}
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            saved = swot_services.swot_entry_update(
                entry=SwotEntry.objects.get(pk=pk), expected_version=version, changes=form.changes()
            )
        except EditConflict as conflict:
            context.update(conflict_rows=swot_conflict_rows(form, conflict.current))
            context["conflict_message"] = CONFLICT_MESSAGE
            form.data = form.data.copy()
            form.data["version"] = conflict.current.version
        else:
            focus = (saved.pk, "edit")
            return _changed(request, plan, access, scope, {old_kind, saved.kind}, focus)
    return _form(request, plan, context)


@require_POST
@plan_view
def swot_entry_move(request, plan, access, pk):
    entry = get_object_or_404(plan.swot_entries, pk=pk)
    require(access, Action.EDIT, entry)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    swot_services.swot_entry_move(entry=entry, offset=-1 if direction == "up" else 1)
    return _changed(request, plan, access, _scope(request, plan), {entry.kind}, (pk, direction))


@plan_view
def swot_entry_delete(request, plan, access, pk):
    entry = get_object_or_404(plan.swot_entries.select_related("department"), pk=pk)
    require(access, Action.EDIT, entry)
    scope = _scope(request, plan)
    if request.method != "POST":
        context = {"plan": plan, "entry": entry, "scope": scope, "section": "swot"}
        return render(request, "planning/swot_confirm_delete.html", context)
    swot_services.swot_entry_delete(entry=entry)
    return _changed(request, plan, access, scope, {entry.kind})


urlpatterns = [
    path("<int:plan_id>/swot/", swot_board, name="swot-board"),
    path("<int:plan_id>/swot/new/", swot_entry_create, name="swot-entry-create"),
    path("<int:plan_id>/swot/<int:pk>/", swot_entry_card, name="swot-entry"),
    path("<int:plan_id>/swot/<int:pk>/edit/", swot_entry_edit, name="swot-entry-edit"),
    path("<int:plan_id>/swot/<int:pk>/move/", swot_entry_move, name="swot-entry-move"),
    path("<int:plan_id>/swot/<int:pk>/delete/", swot_entry_delete, name="swot-entry-delete"),
]
