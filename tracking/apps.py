from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Tracking")

    def ready(self):
        from tracking import signals
        from tracking.history import register_history_sources

        register_history_sources()
        signals.connect()
