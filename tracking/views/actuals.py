"""KPIs and actuals (SPEC §2 step 5): the KPI list and editor, the month grid of a department's
KPI and goal values, the spend grid, and the history of one cell."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.concurrency import CONFLICT_MESSAGE, EditConflict
from planning.models import BudgetLine, Goal
from planning.permissions import Action, PlanAccess, require
from planning.views.base import plan_view
from tracking.cells import CellError, CellsRejected, parse_month_key
from tracking.filtersets import KpiFilterSet
from tracking.forms import KpiForm, MonthGridForm, decimal_separator
from tracking.grids import GridOverlay, measurement_grid, spend_grid
from tracking.models import Kpi, Measurement, Spend
from tracking.services.cells import SaveSummary
from tracking.services.kpis import kpi_create, kpi_update
from tracking.services.measurements import GOAL, KPI, MeasurementCell, measurements_save
from tracking.services.spend import SpendCell, spend_save

# ---------------------------------------------------------------------------------------------
# KPIs


@plan_view
def kpi_list(request, plan, access):
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-period")
    kpis = (
        Kpi.objects.filter(plan=plan)
        .select_related("department", "goal")
        .annotate(latest_value=Subquery(latest.values("value")[:1]))
        .annotate(latest_period=Subquery(latest.values("period")[:1]))
        .order_by("department__name", "name")
    )
    filterset = KpiFilterSet(request.GET, queryset=kpis, request=request)
    context = {
        "plan": plan,
        "filterset": filterset,
        "kpis": filterset.qs,
        "editable_ids": {k.pk for k in filterset.qs if access.can(Action.EDIT, k)},
        "department": filterset.form.cleaned_data.get("department"),
        "plan_has_kpis": plan.kpis.exists(),
        "can_create": _can_add_kpis(access),
        "section": "actuals",
    }
    return render(request, "tracking/kpi_list.html", context)


@plan_view
def kpi_create_view(request, plan, access):
    if not _can_add_kpis(access):
        raise PermissionDenied
    initial = {"department": request.GET.get("department")}
    form = KpiForm(request.POST or None, plan=plan, access=access, initial=initial)
    if form.is_valid():
        kpi = kpi_create(
            plan=plan, user=request.user, fields=form.kpi_fields(), targets=form.targets()
        )
        messages.success(request, _("KPI “%(name)s” added.") % {"name": kpi.name})
        return redirect(_kpi_list_url(kpi))
    return render(request, "tracking/kpi_form.html", {"form": form, "section": "actuals"})


@plan_view
def kpi_edit_view(request, plan, access, pk):
    kpi = get_object_or_404(Kpi.objects.filter(plan=plan).prefetch_related("targets"), pk=pk)
    require(access, Action.EDIT, kpi)
    form = KpiForm(request.POST or None, plan=plan, access=access, instance=kpi)
    context = {"form": form, "kpi": kpi, "section": "actuals"}
    if form.is_valid():
        try:
            kpi = kpi_update(
                kpi=kpi,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                fields=form.kpi_fields(),
                targets=form.targets(),
            )
        except EditConflict as conflict:
            context |= {
                "conflict_rows": form.conflict_with(conflict.current),
                "conflict_message": CONFLICT_MESSAGE,
            }
        else:
            messages.success(request, _("KPI “%(name)s” saved.") % {"name": kpi.name})
            return redirect(_kpi_list_url(kpi))
    return render(request, "tracking/kpi_form.html", context)


def _can_add_kpis(access: PlanAccess) -> bool:
    writable = access.writable_department_ids()
    return writable is None or bool(writable)


def _kpi_list_url(kpi: Kpi) -> str:
    url = reverse("tracking:kpi-list", kwargs={"plan_id": kpi.plan_id})
    return f"{url}?department={kpi.department_id}"


# ---------------------------------------------------------------------------------------------
# Month grid of measurements


@plan_view
def measurement_grid_view(request, plan, access):
    department = _grid_department(request, plan, access)
    overlay = None
    if department and request.method == "POST":
        typed = MonthGridForm(request.POST).typed_cells()
        try:
            summary = measurements_save(
                plan=plan,
                user=request.user,
                cells=_measurement_cells(typed.values()),
                decimal_separator=decimal_separator(),
            )
        except CellsRejected as rejected:
            overlay = GridOverlay(typed, rejected.problems)
        else:
            messages.success(request, _saved_message(summary))
            return redirect(f"{request.path}?department={department.pk}")
    context = {
        "history_url": reverse("tracking:measurement-history", args=[plan.pk]),
        "departments": plan.departments.order_by("name"),
        "department": department,
        "grid": department
        and measurement_grid(plan=plan, department=department, access=access, overlay=overlay),
        "section": "actuals",
    }
    return render(request, "tracking/measurement_grid.html", context)


@plan_view
def measurement_history(request, plan, access):
    kind, subject_id, period = _split_key(request.GET.get("key", ""))
    model = {KPI: Kpi, GOAL: Goal}.get(kind)
    if model is None:
        raise Http404
    subject = get_object_or_404(model, plan=plan, pk=subject_id)
    records = (
        Measurement.history.filter(**{f"{kind}_id": subject.pk}, period=period)
        .select_related("entered_by", "history_user")
        .order_by("-history_date")[:50]
    )
    context = {"subject": subject, "period": period, "records": records, "field": "value"}
    return render(request, "tracking/partials/cell_history.html", context)


def _grid_department(request, plan, access):
    """The department asked for, else the first one the person enters values for, else the
    first one of the plan; 404 for a department of another plan."""
    departments = plan.departments.order_by("name")
    wanted = request.GET.get("department") or request.POST.get("department")
    if wanted:
        try:
            return departments.get(pk=int(wanted))
        except (ValueError, departments.model.DoesNotExist) as exc:
            raise Http404 from exc
    own = access.head_of | access.contributor_of
    return departments.filter(pk__in=own).first() or departments.first()


def _measurement_cells(typed) -> list[MeasurementCell]:
    cells = []
    for cell in typed:
        try:
            kind, subject_id, period = _split_key(cell.key)
        except Http404:
            continue  # not a cell of this grid (a tampered form): nothing to save
        cells.append(MeasurementCell(kind, subject_id, period, cell.raw, cell.version))
    return cells


def _split_key(key: str):
    """'kpi-12:2026-03' → ('kpi', 12, date(2026, 3, 1)); 404 for anything else."""
    try:
        subject, month = key.split(":", 1)
        kind, subject_id = subject.rsplit("-", 1)
        return kind, int(subject_id), parse_month_key(month)
    except (ValueError, CellError) as exc:
        raise Http404 from exc


def _saved_message(summary: SaveSummary) -> str:
    if not summary.changed:
        return _("Nothing changed.")
    return ngettext("Saved %(count)d value.", "Saved %(count)d values.", summary.changed) % {
        "count": summary.changed
    }


# ---------------------------------------------------------------------------------------------
# Spend grid


@plan_view
def spend_grid_view(request, plan, access):
    category = request.GET.get("category") or request.POST.get("category") or "opex"
    if category not in BudgetLine.Category.values:
        raise Http404
    overlay = None
    if request.method == "POST":
        typed = MonthGridForm(request.POST).typed_cells()
        try:
            summary = spend_save(
                plan=plan,
                user=request.user,
                cells=_spend_cells(typed.values()),
                decimal_separator=decimal_separator(),
            )
        except CellsRejected as rejected:
            overlay = GridOverlay(typed, rejected.problems)
        else:
            messages.success(request, _saved_message(summary))
            return redirect(f"{request.path}?category={category}")
    context = {
        "history_url": reverse("tracking:spend-history", args=[plan.pk]),
        "categories": BudgetLine.Category.choices,
        "category": category,
        "grid": spend_grid(plan=plan, category=category, access=access, overlay=overlay),
        "has_departments": plan.departments.exists(),
        "section": "spend",
    }
    return render(request, "tracking/spend_grid.html", context)


@plan_view
def spend_history(request, plan, access):
    category, department_id, month = _split_key(request.GET.get("key", ""))
    department = get_object_or_404(plan.departments, pk=department_id)
    records = (
        Spend.history.filter(plan=plan, department=department, category=category, month=month)
        .select_related("entered_by", "history_user")
        .order_by("-history_date")[:50]
    )
    context = {"subject": department, "period": month, "records": records, "field": "amount"}
    return render(request, "tracking/partials/cell_history.html", context)


def _spend_cells(typed) -> list[SpendCell]:
    cells = []
    for cell in typed:
        try:
            category, department_id, month = _split_key(cell.key)
        except Http404:
            continue  # not a cell of this grid (a tampered form): nothing to save
        cells.append(SpendCell(department_id, category, month, cell.raw, cell.version))
    return cells


urlpatterns = [
    path("<int:plan_id>/kpis/", kpi_list, name="kpi-list"),
    path("<int:plan_id>/kpis/new/", kpi_create_view, name="kpi-create"),
    path("<int:plan_id>/kpis/<int:pk>/edit/", kpi_edit_view, name="kpi-edit"),
    path("<int:plan_id>/kpis/values/", measurement_grid_view, name="measurement-grid"),
    path("<int:plan_id>/kpis/values/history/", measurement_history, name="measurement-history"),
    path("<int:plan_id>/spend/", spend_grid_view, name="spend-grid"),
    path("<int:plan_id>/spend/history/", spend_history, name="spend-history"),
]
