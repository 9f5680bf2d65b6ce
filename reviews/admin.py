from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews import models


class ActionItemInline(admin.TabularInline):
    model = models.ActionItem
    extra = 0


@admin.register(models.MonthlyReview)
class MonthlyReviewAdmin(SimpleHistoryAdmin):
    list_display = ["plan", "month", "date", "status"]
    inlines = [ActionItemInline]
