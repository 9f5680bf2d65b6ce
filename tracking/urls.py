"""Tracking URLs: each view module lists its own `urlpatterns`."""

from tracking.views import alerts, dashboards, imports, actuals

app_name = "tracking"

urlpatterns = [
    *dashboards.urlpatterns,
    *actuals.urlpatterns,
    *imports.urlpatterns,
    *alerts.urlpatterns,
]
