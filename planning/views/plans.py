"""The list of a person's plans and a department's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path

from planning import selectors
from planning.permissions import plans_visible_to
from planning.views.base import plan_view


@login_required
def plan_list(request):
    plans = selectors.plans_with_counts(plans_visible_to(request.user))
    return render(request, "planning/plan_list.html", {"plans": plans})


@plan_view
def department_detail(request, plan, access, pk):
    department = get_object_or_404(plan.departments.select_related("head"), pk=pk)
    goals = department.goals.select_related("owner", "parent").order_by("title")
    initiatives = department.initiatives.select_related("owner").order_by("start")
    return render(
        request,
        "planning/department_detail.html",
        {
            "plan": plan,
            "department": department,
            "goals": goals,
            "initiatives": initiatives,
            "can_edit": access.can("edit", department),
            "section": "home",
        },
    )


urlpatterns = [
    path("", plan_list, name="plan-list"),
    path("<int:plan_id>/departments/<int:pk>/", department_detail, name="department-detail"),
]
