"""The API, under /api/ (namespace "api"): each app lists its own endpoints."""

from tracking import api as tracking_api

app_name = "api"

urlpatterns = [
    *tracking_api.urlpatterns,
]
