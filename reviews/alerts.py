"""Action items decided in a review that are overdue (SPEC §4.5) become alerts: the reviews
app adds this source to every alert recompute (tracking must not import reviews)."""

import pandas as pd
from django.db.models import F

from reviews.models import ActionItem
from tracking.alert_candidates import action_item_alerts
from tracking.thresholds import overdue

COLUMNS = ["id", "title", "due_date", "done", "owner_id", "department_id", "department_head_id"]


def overdue_action_items(plan, when):
    """Alert candidates for the plan's open action items past their due date (one query)."""
    rows = (
        ActionItem.objects.filter(review__plan=plan)
        .exclude(status=ActionItem.Status.CANCELLED)
        .annotate(
            department_id=F("goal__department_id"),
            department_head_id=F("goal__department__head_id"),
        )
        .values(
            "id", "title", "due_date", "status", "owner_id", "department_id", "department_head_id"
        )
    )
    items = pd.DataFrame.from_records(list(rows), columns=[*COLUMNS[:3], "status", *COLUMNS[4:]])
    items["done"] = items["status"] == ActionItem.Status.DONE
    return action_item_alerts(overdue(items[COLUMNS], when.at))
