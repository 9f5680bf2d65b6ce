"""The API, under /api/ (namespace "api"): each app lists its own endpoints."""

from tracking.api import urls as tracking_api

app_name = "api"

urlpatterns = [
    *tracking_api.urlpatterns,
]
