"""The alert list (SPEC §4.6): what needs attention, filtered; acknowledge (htmx); "Recompute
now" and the plan's webhook for leadership."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from planning.permissions import Action, require
from planning.views.base import plan_view
from tracking.filtersets import AlertFilterSet
from tracking.models import Alert
from tracking.services.alerts import alert_acknowledge, alerts_recompute, plan_webhook_update

PAGE_SIZE = 50


class WebhookForm(forms.Form):
    webhook_url = forms.URLField(
        label=gettext_lazy("Webhook URL"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={
            "invalid": gettext_lazy(
                "Enter a web address such as https://hooks.slack.com/services/…"
            )
        },
        help_text=gettext_lazy(
            "A Slack incoming webhook or any address that accepts JSON. New alerts are "
            "posted there after each check. Leave empty to stop posting."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.slack.com/services/…"}),
    )

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(
                _("Enter a web address such as https://hooks.slack.com/services/…")
            )
        return url


def _ordered(queryset):
    """Open before acknowledged before resolved; critical first; newest month first."""
    return (
        queryset.select_related("department", "owner")
        .annotate(
            state_rank=Case(
                When(state=Alert.State.OPEN, then=Value(0)),
                When(state=Alert.State.ACKNOWLEDGED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            severity_rank=Case(
                When(severity=Alert.Severity.CRITICAL, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("state_rank", "severity_rank", "-period", "rule", "id")
    )


def _totals(plan) -> dict:
    return plan.alerts.aggregate(
        open=Count("id", filter=Q(state=Alert.State.OPEN)),
        acknowledged=Count("id", filter=Q(state=Alert.State.ACKNOWLEDGED)),
        all=Count("id"),
    )


def _list_context(request, plan, access, webhook_form=None) -> dict:
    filterset = AlertFilterSet(request.GET, queryset=_ordered(plan.alerts.all()), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "plan": plan,
        "section": "alerts",
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "totals": _totals(plan),
        "can_manage": access.can(Action.MANAGE_PLAN),
        "webhook_form": webhook_form or WebhookForm(initial={"webhook_url": plan.webhook_url}),
    }


@require_GET
@plan_view
def alert_list(request, plan, access):
    return render(request, "tracking/alert_list.html", _list_context(request, plan, access))


@require_POST
@plan_view
def alert_acknowledge_view(request, plan, access, pk):
    alert = get_object_or_404(plan.alerts.select_related("department", "owner"), pk=pk)
    require(access, Action.ACKNOWLEDGE, alert)
    alert = alert_acknowledge(alert=alert, user=request.user)
    if request.htmx:  # the row, plus the counts on the page and in the navigation
        context = {"alert": alert, "plan": plan, "totals": _totals(plan), "oob": True}
        return render(request, "tracking/_alert_row.html", context)
    messages.success(request, _("Alert acknowledged."))
    return redirect("tracking:alert-list", plan_id=plan.pk)


@require_POST
@plan_view
def alert_recompute_view(request, plan, access):
    require(access, Action.MANAGE_PLAN)
    counts = alerts_recompute(plan_id=plan.pk)
    messages.success(
        request,
        _("Alerts checked: %(new)s new, %(resolved)s resolved, %(open)s open.") % counts._asdict(),
    )
    return redirect("tracking:alert-list", plan_id=plan.pk)


@require_POST
@plan_view
def alert_webhook_view(request, plan, access):
    require(access, Action.MANAGE_PLAN)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        context = _list_context(request, plan, access, webhook_form=form)
        return render(request, "tracking/alert_list.html", context, status=400)
    plan_webhook_update(plan=plan, url=form.cleaned_data["webhook_url"])
    messages.success(request, _("Webhook saved.") if plan.webhook_url else _("Webhook removed."))
    return redirect("tracking:alert-list", plan_id=plan.pk)


urlpatterns = [
    path("<int:plan_id>/alerts/", alert_list, name="alert-list"),
    path(
        "<int:plan_id>/alerts/<int:pk>/acknowledge/",
        alert_acknowledge_view,
        name="alert-acknowledge",
    ),
    path("<int:plan_id>/alerts/recompute/", alert_recompute_view, name="alert-recompute"),
    path("<int:plan_id>/alerts/webhook/", alert_webhook_view, name="alert-webhook"),
]
