"""Site administrators manage users, plans, departments and memberships here (SPEC §3.1).

Edits here bypass the app's services; those of data the alert rules read still schedule the
plan's alert recompute (`RecomputesAlerts`)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from planning import models
from planning.signals import plan_data_changed_send


def plan_id_of(obj) -> int | None:
    """The plan a row belongs to: itself, its own plan, or its goal's, initiative's or KPI's."""
    if isinstance(obj, models.Plan):
        return obj.pk
    if getattr(obj, "plan_id", None) is not None:
        return obj.plan_id
    for parent in ("goal", "initiative", "kpi"):
        if getattr(obj, f"{parent}_id", None) is not None:
            return getattr(obj, parent).plan_id
    return None


class RecomputesAlerts:
    """For admins of data the alert rules read: an edit or deletion here schedules the plan's
    alert recompute, as the app's own services do (`plan_data_changed`, sent in the admin's
    transaction, so one recompute runs after the commit and none if it rolls back)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # inlines and many-to-many
        self._changed(type(form.instance), [plan_id_of(form.instance)])

    def delete_model(self, request, obj):
        plan_id = plan_id_of(obj)
        super().delete_model(request, obj)
        self._changed(type(obj), [plan_id])

    def delete_queryset(self, request, queryset):
        plan_ids = {plan_id_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        self._changed(queryset.model, plan_ids)

    @staticmethod
    def _changed(model, plan_ids) -> None:
        for plan_id in set(plan_ids) - {None}:
            plan_data_changed_send(model, plan_id=plan_id)


class HistoryAdminRecomputingAlerts(RecomputesAlerts, SimpleHistoryAdmin):
    pass


class DepartmentInline(admin.TabularInline):
    model = models.Department
    extra = 0
    fields = ["name", "code", "parent", "head"]


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Plan)
class PlanAdmin(HistoryAdminRecomputingAlerts):  # thresholds, departments' heads
    list_display = ["name", "start", "currency", "status"]
    list_filter = ["status"]
    search_fields = ["name"]
    inlines = [DepartmentInline, MembershipInline]


@admin.register(models.Department)
class DepartmentAdmin(HistoryAdminRecomputingAlerts):  # heads own alerts
    list_display = ["name", "plan", "code", "parent", "head"]
    list_filter = ["plan"]
    search_fields = ["name", "code"]


@admin.register(models.Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "plan", "role", "department"]
    list_filter = ["plan", "role"]
    search_fields = ["user__username", "user__email"]


class CheckpointInline(admin.TabularInline):
    model = models.GoalCheckpoint
    extra = 0


@admin.register(models.Goal)
class GoalAdmin(HistoryAdminRecomputingAlerts):
    list_display = ["title", "plan", "department", "owner", "target", "due_date", "approval_state"]
    list_filter = ["plan", "department", "approval_state", "status"]
    search_fields = ["title", "description"]
    inlines = [CheckpointInline]
    filter_horizontal = ["swot_entries", "priorities"]


class MilestoneInline(admin.TabularInline):
    model = models.Milestone
    extra = 0


@admin.register(models.Initiative)
class InitiativeAdmin(HistoryAdminRecomputingAlerts):
    list_display = ["title", "plan", "department", "owner", "start", "planned_end", "status"]
    list_filter = ["plan", "department", "status"]
    search_fields = ["title"]
    inlines = [MilestoneInline]
    filter_horizontal = ["depends_on"]


for model, fields in [
    (models.Priority, ["title", "plan"]),
    (models.SwotEntry, ["title", "plan", "kind", "department", "impact"]),
    (models.ResourceRequirement, ["description", "plan", "category", "urgent", "important"]),
    (models.DepartmentSubmission, ["department", "plan", "state"]),
]:
    admin.site.register(model, SimpleHistoryAdmin, list_display=fields)
for model, fields in [
    (models.BudgetLine, ["plan", "department", "category", "month", "amount"]),
    (models.Milestone, ["title", "initiative", "due_date", "done"]),
    (models.GoalCheckpoint, ["goal", "quarter", "planned_value"]),
]:
    admin.site.register(model, HistoryAdminRecomputingAlerts, list_display=fields)

admin.site.register(models.PlanBaseline, list_display=["plan", "created_at", "created_by"])
admin.site.register(
    models.PlanChange, list_display=["subject_label", "field", "changed_by", "changed_at"]
)
admin.site.register(models.Comment, list_display=["plan", "author", "created_at"])
admin.site.register(models.Notification, list_display=["user", "text", "read", "created_at"])
admin.site.register(models.UserProfile, list_display=["user", "language"])
