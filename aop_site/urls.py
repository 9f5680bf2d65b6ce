from django.contrib import admin
from django.urls import include, path

from aop_site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("aop_site.account_urls")),
    path("admin/", admin.site.urls),
    path("api/", include("aop_site.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("plans/<int:plan_id>/", views.plan_home, name="plan-home"),
    path("plans/", include("planning.urls")),
    path("plans/", include("tracking.urls")),
    path("plans/", include("reviews.urls")),
]
