"""Filters of tracking lists: one filterset per model serves the HTML list and the API alike.

Filter choices are limited to the plan of the request (`request.plan`, set by `plan_view`)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planning.models import Department
from tracking.models import Kpi, Source


def _plan_departments(request):
    plan = getattr(request, "plan", None)
    if plan is None:
        return Department.objects.none()
    return plan.departments.order_by("name")


class KpiFilterSet(django_filters.FilterSet):
    """KPIs by department, source and a free-text search over code, name and unit."""

    department = django_filters.ModelChoiceFilter(
        queryset=_plan_departments, label=_("Department"), empty_label=_("All departments")
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
