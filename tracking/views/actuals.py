from django.urls import path
from django.utils.translation import gettext_lazy as _

from planning.views.base import placeholder

urlpatterns = [
    path("<int:plan_id>/kpis/", placeholder(_("KPIs and actuals"), "actuals"), name="kpi-list"),
    path("<int:plan_id>/spend/", placeholder(_("Spend"), "spend"), name="spend-grid"),
]
