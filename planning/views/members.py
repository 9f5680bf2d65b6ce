"""The people of a plan and their roles; the plan's settings. Everyone reads, leadership writes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning.forms.members import MembershipForm, PlanSettingsForm
from planning.permissions import Action, require
from planning.services import members as services
from planning.views.base import plan_view


@plan_view
def member_list(request, plan, access):
    can_manage = access.can(Action.MANAGE_PLAN)
    form = MembershipForm(request.POST or None, plan=plan)
    settings_form = PlanSettingsForm(instance=plan)
    if request.method == "POST":
        require(access, Action.MANAGE_PLAN)
        if form.is_valid():
            services.membership_add(plan=plan, added_by=request.user, **form.cleaned_data)
            messages.success(request, _("Member added."))
            return redirect("planning:members", plan_id=plan.pk)
    memberships = plan.memberships.select_related("user", "department").order_by(
        "user__last_name", "user__username", "role"
    )
    return render(
        request,
        "planning/members.html",
        {
            "plan": plan,
            "memberships": memberships,
            "form": form,
            "settings_form": settings_form,
            "can_manage": can_manage,
            "section": "members",
        },
    )


@require_POST
@plan_view
def member_remove(request, plan, access, pk):
    require(access, Action.MANAGE_PLAN)
    membership = get_object_or_404(plan.memberships, pk=pk)
    try:
        services.membership_remove(membership=membership)
        messages.success(request, _("Member removed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("planning:members", plan_id=plan.pk)


@plan_view
def plan_settings(request, plan, access):
    require(access, Action.MANAGE_PLAN)
    form = PlanSettingsForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Plan settings saved."))
        return redirect("planning:members", plan_id=plan.pk)
    return render(
        request,
        "planning/plan_settings.html",
        {
            "plan": plan,
            "form": form,
            "section": "members",
        },
    )


urlpatterns = [
    path("<int:plan_id>/members/", member_list, name="members"),
    path("<int:plan_id>/members/<int:pk>/remove/", member_remove, name="member-remove"),
    path("<int:plan_id>/settings/", plan_settings, name="plan-settings"),
]
