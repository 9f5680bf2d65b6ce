from django.urls import path
from django.utils.translation import gettext_lazy as _

from planning.views.base import placeholder

urlpatterns = [
    path("<int:plan_id>/goals/", placeholder(_("Goals"), "goals"), name="goal-tree"),
    path("<int:plan_id>/goals/new/", placeholder(_("New goal"), "goals"), name="goal-create"),
    path("<int:plan_id>/goals/<int:pk>/", placeholder(_("Goal"), "goals"), name="goal-detail"),
]
