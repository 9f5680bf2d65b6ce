"""URLs of tracking's API, under /api/ (namespace "api", see aop_site/api_urls.py)."""

from django.urls import path

from tracking.api.views import MeasurementListView

urlpatterns = [
    path("plans/<int:plan_id>/measurements/", MeasurementListView.as_view(), name="measurements"),
]
