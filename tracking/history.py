"""Tracking's models in the plan's activity feed (planning/activity.py): KPIs, their targets,
measurements and spend — who changed which value, old → new."""

from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from planning.activity import HistorySource, register
from planning.models import Department, Goal


def _month(day) -> str:
    """ "Mar 2026" in the reader's language ("Mär 2026"); strftime would always say "Mar"."""
    return date_format(day, "M Y")


def _kpi_url(record, plan_id):
    return reverse("tracking:kpi-list", args=[plan_id])


def _measurement_title(record, names) -> str:
    from tracking.models import Kpi

    subject = names(Kpi, record.kpi_id) if record.kpi_id else names(Goal, record.goal_id)
    return f"{subject} · {_month(record.period)}"


def _target_title(record, names) -> str:
    from tracking.models import Kpi

    return f"{names(Kpi, record.kpi_id)} · {_month(record.month)}"


def _spend_title(record, names) -> str:
    return f"{names(Department, record.department_id)} · {record.category} · {_month(record.month)}"


def register_history_sources() -> None:
    from tracking.models import Kpi, KpiTarget, Measurement, Spend

    for source in [
        HistorySource("kpi", _("KPI"), Kpi, title=lambda r, n: r.name, url=_kpi_url),
        HistorySource(
            "kpi_target",
            _("KPI target"),
            KpiTarget,
            plan_path="kpi__plan_id",
            department="kpi__department_id",
            title=_target_title,
            url=_kpi_url,
            title_relations=("kpi",),
        ),
        HistorySource(
            "measurement",
            _("Measurement"),
            Measurement,
            department=Coalesce("kpi__department_id", "goal__department_id"),
            title=_measurement_title,
            url=_kpi_url,
            title_relations=("kpi", "goal"),
        ),
        HistorySource(
            "spend",
            _("Spend"),
            Spend,
            title=_spend_title,
            url=lambda r, plan_id: reverse("tracking:spend-grid", args=[plan_id]),
            title_relations=("department",),
        ),
    ]:
        register(source)
