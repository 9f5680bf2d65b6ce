"""Site administrators manage users, plans, departments and memberships here (SPEC §3.1)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from planning import models


class DepartmentInline(admin.TabularInline):
    model = models.Department
    extra = 0
    fields = ["name", "code", "parent", "head"]


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "start", "currency", "status"]
    list_filter = ["status"]
    search_fields = ["name"]
    inlines = [DepartmentInline, MembershipInline]


@admin.register(models.Department)
class DepartmentAdmin(SimpleHistoryAdmin):
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
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["title", "plan", "department", "owner", "target", "due_date", "approval_state"]
    list_filter = ["plan", "department", "approval_state", "status"]
    search_fields = ["title", "description"]
    inlines = [CheckpointInline]
    filter_horizontal = ["swot_entries", "priorities"]


class MilestoneInline(admin.TabularInline):
    model = models.Milestone
    extra = 0


@admin.register(models.Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "plan", "department", "owner", "start", "planned_end", "status"]
    list_filter = ["plan", "department", "status"]
    search_fields = ["title"]
    inlines = [MilestoneInline]
    filter_horizontal = ["depends_on"]


for model, fields in [
    (models.Priority, ["title", "plan"]),
    (models.SwotEntry, ["title", "plan", "kind", "department", "impact"]),
    (models.ResourceRequirement, ["description", "plan", "category", "urgent", "important"]),
    (models.BudgetLine, ["plan", "department", "category", "month", "amount"]),
    (models.DepartmentSubmission, ["department", "plan", "state"]),
    (models.Milestone, ["title", "initiative", "due_date", "done"]),
    (models.GoalCheckpoint, ["goal", "quarter", "planned_value"]),
]:
    admin.site.register(model, SimpleHistoryAdmin, list_display=fields)

admin.site.register(models.PlanBaseline, list_display=["plan", "created_at", "created_by"])
admin.site.register(
    models.PlanChange, list_display=["subject_label", "field", "changed_by", "changed_at"]
)
admin.site.register(models.Comment, list_display=["plan", "author", "created_at"])
admin.site.register(models.Notification, list_display=["user", "text", "read", "created_at"])
admin.site.register(models.UserProfile, list_display=["user", "language"])
