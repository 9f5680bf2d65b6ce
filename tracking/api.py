"""The measurements API (SPEC §2 step 5): other systems push KPI and goal values, and read them.

    POST /api/plans/<plan>/measurements/   {"values": [{"kpi": "pipeline", "month": "2026-03",
                                             "value": 1250000}, {"goal": 17, "month": "2026-03",
                                             "value": "3", "version": 1}, ...]}
    GET  /api/plans/<plan>/measurements/?kpi=pipeline&goal=17&month_from=2026-01&month_to=2026-06

A push goes through the same service as the month grid (`measurements_save`, source "api"):
the same permissions (403 for a value the person may not enter), the same checks, all or
nothing. Each value names a KPI by its code or a goal by its id, a month as 2026-03 and a value
(a number, numeric text, or null to clear the month). Without a `version` a value replaces
whatever is stored (the history keeps it); with the version the caller read, a value someone
changed meanwhile is refused as a conflict (409) instead of overwritten. Bad input is 400 with
every problem and the index of its value; nothing is written then. Not a member: 404.

Signed-in sessions and HTTP Basic authentication (over HTTPS) are accepted; API tokens come
with the full REST API."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import path
from django.utils.translation import gettext as _
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.response import Response

from planning.permissions import get_plan_for
from tracking.cells import CellsRejected, month_key
from tracking.filtersets import MeasurementFilterSet
from tracking.models import Kpi, Measurement, Source
from tracking.services.cells import SaveSummary
from tracking.services.measurements import GOAL, KPI, MeasurementCell, measurements_save

MAX_VALUES = 1_000  # per request; larger batches go through the import


class PushedValue(serializers.Serializer):
    kpi = serializers.CharField(required=False, max_length=60)
    goal = serializers.IntegerField(required=False, min_value=1)
    month = serializers.CharField(max_length=10)
    value = serializers.CharField(allow_null=True, allow_blank=True, max_length=40)
    version = serializers.IntegerField(required=False, min_value=0)

    def validate_month(self, text: str) -> dt.date:
        return _month(text)

    def validate(self, data: dict) -> dict:
        if ("kpi" in data) == ("goal" in data):
            raise serializers.ValidationError(_("Name either a KPI (its code) or a goal (its id)."))
        return data


class Push(serializers.Serializer):
    values = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=MAX_VALUES
    )


class MeasurementOut(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)
    month = serializers.SerializerMethodField()
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Measurement
        fields = ["id", "kpi", "goal", "month", "value", "version", "source", "entered_by"]
        fields += ["entered_at"]

    def get_month(self, measurement: Measurement) -> str:
        return month_key(measurement.period)


class MeasurementsView(generics.ListAPIView):
    serializer_class = MeasurementOut
    filterset_class = MeasurementFilterSet

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates first: 403/401 before 404
        self.plan, self.access = get_plan_for(request.user, kwargs["plan_id"])
        request.plan = self.plan  # the filterset's choices

    def get_queryset(self):
        return (
            Measurement.objects.filter(plan=self.plan)
            .select_related("kpi", "entered_by")
            .order_by("period", "kpi_id", "goal_id", "id")
        )

    def post(self, request, plan_id: int):
        push = Push(data=request.data)
        if not push.is_valid():
            return _refused(_errors(push.errors))
        errors, good = [], []
        for index, item in enumerate(push.validated_data["values"]):
            value = PushedValue(data=item)
            if value.is_valid():
                good.append((index, value.validated_data))
            else:
                errors += _errors({"values": {index: value.errors}})
        cells, index_of, unknown = _cells(self.plan, good)
        errors += unknown
        try:
            # With problems already found, the rest is still checked (and nothing kept), so
            # the caller sees every problem at once.
            summary = _save(self.plan, request.user, cells, check_only=bool(errors))
        except PermissionDenied as denied:
            raise Forbidden(_("You may not enter some of these values.")) from denied
        except CellsRejected as rejected:
            errors += _problems(rejected, index_of)
        if errors:
            return _refused(errors)
        return Response(
            {
                "created": summary.created,
                "updated": summary.updated,
                "deleted": summary.deleted,
                "unchanged": summary.unchanged,
            }
        )


def _save(plan, user, cells: list[MeasurementCell], *, check_only: bool) -> SaveSummary:
    """Save the cells as the month grid does; with `check_only`, only to find their problems:
    the transaction is rolled back (and the alert recompute it asked for is dropped)."""
    if not cells:
        return SaveSummary()
    with transaction.atomic():
        summary = measurements_save(plan=plan, user=user, cells=cells, source=Source.API)
        if check_only:
            transaction.set_rollback(True)
    return summary


def _month(text: str) -> dt.date:
    """2026-03 (or a day of it, 2026-03-31) → 1 March 2026."""
    for pattern in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date().replace(day=1)
        except ValueError:
            continue
    raise serializers.ValidationError(_("Write the month as 2026-03."))


def _cells(plan, values: list[tuple[int, dict]]):
    """The pushed values (with their index in the request) as month-grid cells, the index of
    each cell, and the problems only the plan can tell: an unknown KPI code (codes match
    whatever their case), a month given twice."""
    codes = {v["kpi"].strip().lower() for _i, v in values if "kpi" in v}
    kpis = dict(
        Kpi.objects.filter(plan=plan)
        .annotate(code_lower=Lower("code"))
        .filter(code_lower__in=codes)
        .values_list("code_lower", "pk")
    )
    cells, index_of, errors = [], {}, []
    for i, value in values:
        if "kpi" in value:
            kind, subject = KPI, kpis.get(value["kpi"].strip().lower())
            if subject is None:
                errors.append(_error(i, "kpi", _("No KPI of this plan has this code.")))
                continue
        else:
            kind, subject = GOAL, value["goal"]
        raw = "" if value["value"] is None else value["value"]
        cell = MeasurementCell(kind, subject, value["month"], raw, value.get("version"))
        if cell.key in index_of:
            message = _("This value is given twice (see value %(index)s).") % {
                "index": index_of[cell.key]
            }
            errors.append(_error(i, "month", message))
            continue
        index_of[cell.key] = i
        cells.append(cell)
    return cells, index_of, errors


def _problems(rejected: CellsRejected, index_of: dict[str, int]) -> list[dict]:
    """What the service refused: bad values, and values someone changed since the caller read
    them (with what is stored now and the version to send to replace it)."""
    errors = []
    for key, problem in rejected.problems.items():
        error = _error(index_of.get(key), "value", problem.message)
        if problem.conflict:
            error |= {
                "conflict": True,
                "stored": None if problem.theirs is None else str(problem.theirs),
                "stored_by": problem.theirs_by,
                "stored_at": problem.theirs_at.isoformat() if problem.theirs_at else None,
                "version": problem.current_version,
            }
        errors.append(error)
    return errors


def _refused(errors: list[dict]) -> Response:
    """Nothing was written: 409 when the only problems are conflicts, else 400; every problem
    in the order of the values."""
    errors = sorted(errors, key=lambda e: -1 if e["index"] is None else e["index"])
    only_conflicts = all(e.get("conflict") for e in errors)
    code = status.HTTP_409_CONFLICT if only_conflicts else status.HTTP_400_BAD_REQUEST
    return Response({"errors": errors}, status=code)


def _error(index: int | None, field: str, message: str) -> dict:
    return {"index": index, "field": field, "message": str(message)}


def _errors(details) -> list[dict]:
    """DRF's nested validation errors as a flat list of {"index", "field", "message"}, in the
    order of the values."""
    values = details.get("values") if isinstance(details, dict) else None
    if isinstance(values, list) and all(isinstance(v, dict) for v in values):
        values = dict(enumerate(values))  # one entry per value ({} for a good one)
    if isinstance(values, dict):
        flat = []
        for index, problems in values.items():
            if index == "non_field_errors":  # about the list: empty, too long, not a list
                flat += [_error(None, "values", m) for m in _messages(problems)]
                continue
            for field, messages in problems.items():
                field = "subject" if field == "non_field_errors" else field
                flat += [_error(index, field, m) for m in _messages(messages)]
        return sorted(flat, key=lambda e: -1 if e["index"] is None else e["index"])
    if isinstance(details, dict):
        pairs = [(field, m) for field, messages in details.items() for m in _messages(messages)]
        return [_error(None, field, message) for field, message in pairs]
    return [_error(None, "values", m) for m in _messages(details)]


def _messages(messages) -> list[str]:
    return [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]


urlpatterns = [
    path("plans/<int:plan_id>/measurements/", MeasurementsView.as_view(), name="measurements"),
]
