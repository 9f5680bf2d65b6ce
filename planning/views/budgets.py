"""Budgets (SPEC §5): the department × month grid of one category, edited like a spreadsheet by
finance and leadership, read-only for everybody else."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.forms.budgets import BudgetGridForm
from planning.models import BudgetLine
from planning.permissions import Action, require
from planning.services import budgets as service
from planning.views.base import plan_view


def _category(request) -> str:
    value = request.POST.get("category") or request.GET.get("category")
    return value if value in BudgetLine.Category.values else BudgetLine.Category.OPEX


@plan_view
def budget_grid(request, plan, access):
    if request.method == "POST":
        require(access, Action.EDIT_BUDGET)
    category = _category(request)
    grid = service.budget_grid(plan, category=category)
    form = BudgetGridForm(grid, decimal_sep=get_format("DECIMAL_SEPARATOR"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.bind(request.POST):
            try:
                saved = service.budget_lines_save(
                    plan=plan, category=category, changes=form.changes, by=request.user
                )
            except service.BudgetConflict as conflict:
                form.show_conflicts(conflict.conflicts)
                status = 409
            else:
                messages.success(
                    request,
                    ngettext("Saved %d cell.", "Saved %d cells.", saved) % saved
                    if saved
                    else _("Nothing had changed."),
                )
                return redirect(
                    f"{reverse('planning:budget-grid', args=[plan.pk])}?category={category}"
                )
    context = {
        "plan": plan,
        "form": form,
        "category": category,
        "section": "budgets",
        "category_label": BudgetLine.Category(category).label,
        "categories": BudgetLine.Category.choices,
        "can_edit": access.can(Action.EDIT_BUDGET),
        "decimal_sep": get_format("DECIMAL_SEPARATOR"),
    }
    return render(request, "planning/budget_grid.html", context, status=status)


urlpatterns = [
    path("<int:plan_id>/budgets/", budget_grid, name="budget-grid"),
]
