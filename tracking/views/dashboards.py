from django.urls import path
from django.utils.translation import gettext_lazy as _

from planning.views.base import placeholder

urlpatterns = [
    path("<int:plan_id>/dashboards/company/", placeholder(_("Company dashboard"), "dashboards"), name="dashboard-company"),
    path("<int:plan_id>/dashboards/department/", placeholder(_("Department dashboard"), "dashboards"), name="dashboard-department"),
    path("<int:plan_id>/dashboards/finance/", placeholder(_("Finance dashboard"), "dashboards"), name="dashboard-finance"),
    path("<int:plan_id>/dashboards/dependencies/", placeholder(_("Dependencies"), "dashboards"), name="dashboard-dependencies"),
]
