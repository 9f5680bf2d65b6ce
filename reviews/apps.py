from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Monthly reviews")

    def ready(self):
        from reviews.alerts import overdue_action_items
        from tracking.models import Alert
        from tracking.services.alerts import register_alert_source

        register_alert_source(Alert.Rule.ACTION_ITEM_OVERDUE, overdue_action_items)
