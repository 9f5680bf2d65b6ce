from django.contrib import admin

from planning.admin import HistoryAdminRecomputingAlerts
from tracking import models


class KpiTargetInline(admin.TabularInline):
    model = models.KpiTarget
    extra = 0


@admin.register(models.Kpi)
class KpiAdmin(HistoryAdminRecomputingAlerts):
    list_display = ["name", "plan", "department", "unit", "direction", "source"]
    list_filter = ["plan", "department"]
    search_fields = ["name", "code"]
    inlines = [KpiTargetInline]


@admin.register(models.Measurement)
class MeasurementAdmin(HistoryAdminRecomputingAlerts):
    list_display = ["plan", "kpi", "goal", "period", "value", "source"]
    list_filter = ["plan", "source"]


@admin.register(models.Spend)
class SpendAdmin(HistoryAdminRecomputingAlerts):
    list_display = ["plan", "department", "category", "month", "amount"]
    list_filter = ["plan", "department", "category"]


@admin.register(models.Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["message", "plan", "rule", "severity", "state", "period"]
    list_filter = ["plan", "rule", "state", "severity"]


admin.site.register(models.ImportJob, list_display=["file_name", "plan", "kind", "state"])
admin.site.register(models.GoalFigure, list_display=["goal", "period", "status"])
