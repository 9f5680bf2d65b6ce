from django.urls import path
from django.utils.translation import gettext_lazy as _

from planning.views.base import placeholder

urlpatterns = [
    path("<int:plan_id>/roadmap/", placeholder(_("Roadmaps"), "roadmap"), name="roadmap"),
    path("<int:plan_id>/initiatives/<int:pk>/", placeholder(_("Initiative"), "roadmap"), name="initiative-detail"),
]
