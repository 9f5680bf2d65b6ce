"""Filters of tracking lists: one filterset per model serves the HTML list and the API alike.

Filter choices are limited to the plan of the request (`request.plan`, set by `plan_view`)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planning.forms.widgets import LeanSelect
from planning.models import Department
from tracking.models import Alert, Kpi, Measurement, Source


def _plan_departments(request):
    plan = getattr(request, "plan", None)
    if plan is None:
        return Department.objects.none()
    return plan.departments.order_by("name")


class KpiFilterSet(django_filters.FilterSet):
    """KPIs by department, source and a free-text search over code, name and unit."""

    department = django_filters.ModelChoiceFilter(
        queryset=_plan_departments,
        label=_("Department"),
        empty_label=_("All departments"),
        widget=LeanSelect,
    )
    source = django_filters.ChoiceFilter(
        choices=Source.choices, label=_("Source"), empty_label=_("Any source")
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Kpi
        fields = ["department", "source"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(unit__icontains=value)
        )


class AlertFilterSet(django_filters.FilterSet):
    """Alerts by state (open or acknowledged unless asked otherwise), rule, severity,
    department, and "only mine" (the person's own alerts)."""

    ACTIVE, ALL = "active", "all"
    STATE_CHOICES = [
        (ACTIVE, _("Open or acknowledged")),
        *Alert.State.choices,
        (ALL, _("All, including resolved")),
    ]

    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label=_("State"), empty_label=None
    )
    rule = django_filters.ChoiceFilter(
        choices=Alert.Rule.choices, label=_("Rule"), empty_label=_("Any rule")
    )
    severity = django_filters.ChoiceFilter(
        choices=Alert.Severity.choices, label=_("Severity"), empty_label=_("Any severity")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=_plan_departments,
        label=_("Department"),
        empty_label=_("All departments"),
        widget=LeanSelect,
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only mine"), widget=forms.CheckboxInput
    )

    class Meta:
        model = Alert
        fields = ["state", "rule", "severity", "department"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("state"):
            data = data.copy()
            data["state"] = self.ACTIVE
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        if value == self.ACTIVE:
            return queryset.exclude(state=Alert.State.RESOLVED)
        if value == self.ALL:
            return queryset
        return queryset.filter(state=value)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(owner_id=user.pk)


class MeasurementFilterSet(django_filters.FilterSet):
    """Measurements by KPI (its code, any case), goal (its id), source and a range of months
    (2026-01 to 2026-06, both included)."""

    kpi = django_filters.CharFilter(field_name="kpi__code", lookup_expr="iexact", label=_("KPI"))
    goal = django_filters.NumberFilter(field_name="goal_id", label=_("Goal"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    month_from = django_filters.DateFilter(
        field_name="period", lookup_expr="gte", input_formats=["%Y-%m"], label=_("From month")
    )
    month_to = django_filters.DateFilter(
        field_name="period", lookup_expr="lte", input_formats=["%Y-%m"], label=_("To month")
    )

    class Meta:
        model = Measurement
        fields = ["kpi", "goal", "source"]
