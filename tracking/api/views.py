"""Views of the measurements API; see the package docstring for what it does."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.response import Response

from planning.permissions import get_plan_for
from tracking.api.serializers import (
    MeasurementPushSerializer,
    MeasurementSerializer,
    PushedMeasurementSerializer,
)
from tracking.cells import CellsRejected
from tracking.filtersets import MeasurementFilterSet
from tracking.models import Kpi, Measurement, Source
from tracking.services.cells import SaveSummary
from tracking.services.measurements import GOAL, KPI, MeasurementCell, measurements_save


class MeasurementListView(generics.ListAPIView):
    serializer_class = MeasurementSerializer
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
        push = MeasurementPushSerializer(data=request.data)
        if not push.is_valid():
            return _refused(_request_errors(push.errors))
        errors, good = [], []
        for index, item in enumerate(push.validated_data["values"]):
            value = PushedMeasurementSerializer(data=item)
            if value.is_valid():
                good.append((index, value.validated_data))
            else:
                errors += _value_errors(index, value.errors)
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


def _request_errors(details: dict) -> list[dict]:
    """What is wrong with the request as a whole: not an object, no list of values, an empty
    or too long one, or values that are not objects (by their index)."""
    flat = []
    for field, messages in details.items():
        if isinstance(messages, dict):  # {index: [messages]} for values that are not objects
            flat += [_error(i, "value", m) for i, ms in messages.items() for m in _messages(ms)]
        else:
            flat += [_error(None, field, m) for m in _messages(messages)]
    return flat


def _value_errors(index: int, details: dict) -> list[dict]:
    """What is wrong with one value (a problem of the whole value: its subject)."""
    return [
        _error(index, "subject" if field == "non_field_errors" else field, message)
        for field, messages in details.items()
        for message in _messages(messages)
    ]


def _messages(messages) -> list[str]:
    return [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
