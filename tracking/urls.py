"""Tracking URLs: each view module lists its own `urlpatterns`."""

from tracking.views import actuals, alerts, dashboards, imports

app_name = "tracking"

urlpatterns = [
    *dashboards.urlpatterns,
    *actuals.urlpatterns,
    *imports.urlpatterns,
    *alerts.urlpatterns,
]
