"""Planning URLs: each view module lists its own `urlpatterns`, so features stay apart."""

from planning.views import (
    activity,
    approval,
    budgets,
    goals,
    members,
    plans,
    resources,
    roadmap,
    swot,
)

app_name = "planning"

urlpatterns = [
    *plans.urlpatterns,
    *swot.urlpatterns,
    *goals.urlpatterns,
    *roadmap.urlpatterns,
    *resources.urlpatterns,
    *budgets.urlpatterns,
    *approval.urlpatterns,
    *activity.urlpatterns,
    *members.urlpatterns,
]
