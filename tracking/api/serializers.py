"""Serializers of the measurements API: what a pushed value may look like, and how a stored
one is shown."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from rest_framework import serializers

from tracking.cells import month_key
from tracking.models import Measurement

MAX_VALUES = 1_000  # per request; larger batches go through the import


class PushedMeasurementSerializer(serializers.Serializer):
    kpi = serializers.CharField(required=False, max_length=60)
    goal = serializers.IntegerField(required=False, min_value=1)
    month = serializers.CharField(max_length=10)
    value = serializers.CharField(allow_null=True, allow_blank=True, max_length=40)
    version = serializers.IntegerField(required=False, min_value=0)

    def validate_month(self, text: str) -> dt.date:
        return month_start(text)

    def validate(self, data: dict) -> dict:
        if ("kpi" in data) == ("goal" in data):
            raise serializers.ValidationError(_("Name either a KPI (its code) or a goal (its id)."))
        return data


class MeasurementPushSerializer(serializers.Serializer):
    values = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=MAX_VALUES
    )


class MeasurementSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)
    month = serializers.SerializerMethodField()
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Measurement
        fields = ["id", "kpi", "goal", "month", "value", "version", "source", "entered_by"]
        fields += ["entered_at"]

    def get_month(self, measurement: Measurement) -> str:
        return month_key(measurement.period)


def month_start(text: str) -> dt.date:
    """2026-03 (or a day of it, 2026-03-31) → 1 March 2026."""
    for pattern in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date().replace(day=1)
        except ValueError:
            continue
    raise serializers.ValidationError(_("Write the month as 2026-03."))
