from django.urls import path
from django.utils.translation import gettext_lazy as _

from planning.views.base import placeholder

urlpatterns = [
    path("<int:plan_id>/approval/", placeholder(_("Approval"), "approval"), name="approval"),
]
