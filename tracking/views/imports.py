from django.urls import path
from django.utils.translation import gettext_lazy as _

from planning.views.base import placeholder

urlpatterns = [
    path("<int:plan_id>/imports/", placeholder(_("Imports and exports"), "imports"), name="import-list"),
]
