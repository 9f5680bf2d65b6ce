"""Values of the tracking rules (SPEC §4.2–§4.6) that several modules share: the four goal
statuses with the icon and colour that show them everywhere (pages, charts, presentation,
e-mails), and the subject types alerts point at."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GoalStatus(models.TextChoices):
    """Where a goal stands at a month end against its planned path (SPEC §4.2).

    - on track: at or ahead of the planned value;
    - at risk: behind, but by no more than the plan's threshold (10 % by default);
    - behind: more than the threshold behind ("more than 10 % behind");
    - no data: progress was planned but nobody entered a value yet.
    """

    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BEHIND = "behind", _("Behind")
    NO_DATA = "no_data", _("No data")

    @property
    def icon(self) -> str:
        return STATUS_ICONS[self.value]

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.value]


# Status is never colour alone: icon + word + colour (Okabe-Ito, colour-blind safe).
STATUS_ICONS = {"on_track": "✔", "at_risk": "▲", "behind": "✖", "no_data": "–"}
STATUS_COLOURS = {
    "on_track": "#0072B2",
    "at_risk": "#E69F00",  # as a fill only, never as text on white
    "behind": "#D55E00",
    "no_data": "#999999",
}
# Worst first: the order lists and dashboards sort by.
STATUS_ORDER = ["behind", "at_risk", "no_data", "on_track"]


class SubjectType(models.TextChoices):
    """What an alert is about (`Alert.subject_type`)."""

    GOAL = "goal", _("Goal")
    DEPARTMENT = "department", _("Department")
    INITIATIVE = "initiative", _("Initiative")
    MILESTONE = "milestone", _("Milestone")
    KPI = "kpi", _("KPI")
    ACTION_ITEM = "action_item", _("Action item")


class KpiLevel(models.TextChoices):
    """How far a KPI value is from the month's target (SPEC §4.5)."""

    OK = "ok", _("Within threshold")
    WARNING = "warning", _("Outside warning threshold")
    CRITICAL = "critical", _("Outside critical threshold")
    NO_DATA = "no_data", _("No data")
