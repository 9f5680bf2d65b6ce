"""Dashboards (SPEC §5): company, department, finance, dependencies — each "as of" a month.

Every member of the plan may look at every dashboard (SPEC §3.1: everyone reads everything).
Views only read the filters and render; `tracking/dashboards.py` assembles what is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from planning.forms.widgets import option_tags
from planning.views.base import plan_view
from tracking import dashboards, selectors

TABS = ("company", "department", "finance", "dependencies")


@dataclass(frozen=True)
class Filters:
    """What the toolbar of a dashboard asks: the "as of" month, a department, show all rows."""

    month: dt.date
    departments: list[selectors.DepartmentRef]
    department: selectors.DepartmentRef | None
    show_all: bool

    @property
    def department_id(self) -> int | None:
        return self.department.pk if self.department else None

    @property
    def department_options(self) -> str:
        """The <option>s of the department select (plans have up to hundreds of departments)."""
        chosen = {str(self.department_id)} if self.department else set()
        return option_tags(((d.pk, d.name) for d in self.departments), chosen)

    def query(self, **extra) -> str:
        """The query string that keeps these filters when switching tabs."""
        params = {"as_of": self.month.strftime("%Y-%m")}
        if self.department:
            params["department"] = self.department.pk
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


def _filters(request, plan, access=None) -> Filters:
    """Read the toolbar; unknown months or departments fall back to the defaults. With
    `access`, a department is always chosen (the person's own, else the first)."""
    month = dashboards.parse_month(plan, request.GET.get("as_of"), timezone.localdate())
    departments = selectors.departments(plan)
    by_id = {str(d.pk): d for d in departments}
    department = by_id.get(request.GET.get("department", ""))
    if department is None and access is not None and departments:
        own = access.head_of | access.contributor_of
        department = next((d for d in departments if d.pk in own), departments[0])
    return Filters(month, departments, department, request.GET.get("all") == "1")


def _render(request, plan, tab: str, filters: Filters, data: dict):
    context = {
        "plan": plan,
        "section": "dashboards",
        "tab": tab,
        "filters": filters,
        "month_value": filters.month.strftime("%Y-%m"),
        "month_choices": dashboards.month_choices(plan),
        "tab_query": filters.query(),
        **data,
    }
    return render(request, f"tracking/dashboard_{tab}.html", context)


@plan_view
def company(request, plan, access):
    filters = _filters(request, plan)
    data = dashboards.company_dashboard(
        plan, filters.month, filters.department_id, filters.show_all
    )
    return _render(request, plan, "company", filters, data)


@plan_view
def department(request, plan, access):
    filters = _filters(request, plan, access)
    data = (
        dashboards.department_dashboard(plan, filters.month, filters.department, filters.show_all)
        if filters.department
        else {}
    )
    return _render(request, plan, "department", filters, data)


@plan_view
def finance(request, plan, access):
    filters = _filters(request, plan)
    data = dashboards.finance_dashboard(plan, filters.month, filters.show_all)
    return _render(request, plan, "finance", filters, data)


@plan_view
def dependencies(request, plan, access):
    filters = _filters(request, plan)
    data = dashboards.dependencies_dashboard(plan, filters.month, filters.department_id)
    return _render(request, plan, "dependencies", filters, data)


urlpatterns = [
    path("<int:plan_id>/dashboards/company/", company, name="dashboard-company"),
    path("<int:plan_id>/dashboards/department/", department, name="dashboard-department"),
    path("<int:plan_id>/dashboards/finance/", finance, name="dashboard-finance"),
    path("<int:plan_id>/dashboards/dependencies/", dependencies, name="dashboard-dependencies"),
]
