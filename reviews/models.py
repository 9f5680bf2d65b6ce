"""The monthly review meeting (SPEC §2 step 6): the pack for a month, action items."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from planning.models import Goal, Initiative, Plan


class MonthlyReview(models.Model):
    """The review of one plan month: who attended, notes, and a frozen snapshot of the figures
    shown in the meeting."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        IN_MEETING = "in_meeting", _("In the meeting")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    month = models.DateField(_("month"), help_text=_("First day of the month reviewed."))
    date = models.DateField(_("meeting date"))
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREPARING)
    notes = models.TextField(_("notes"), blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="review_one_per_month"),
        ]

    def __str__(self):
        return f"{self.plan} — {self.month:%B %Y}"


class ActionItem(models.Model):
    """A task decided in a review: one owner, a due date, optionally linked to a goal or an
    initiative."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    review = models.ForeignKey(MonthlyReview, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="action_items"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.title
