"""Creating and changing KPIs with their monthly targets (SPEC §3 Kpi). Leadership edits every
department's KPIs, a department head their own department's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from planning.concurrency import save_versioned
from planning.models import Plan
from planning.permissions import Action, plan_access, require
from tracking.models import Kpi, KpiTarget
from tracking.services.alerts import alerts_schedule_recompute

# The fields of a KPI a person edits (thresholds as shares: 0.05 = 5 %).
KPI_FIELDS = (
    "department",
    "goal",
    "code",
    "name",
    "unit",
    "direction",
    "warning_threshold",
    "critical_threshold",
    "source",
)


@transaction.atomic
def kpi_create(
    *, plan: Plan, user, fields: dict[str, Any], targets: dict[dt.date, Decimal | None]
) -> Kpi:
    """A new KPI of `fields["department"]` with its monthly targets (month → target or None)."""
    require(plan_access(user, plan), Action.EDIT, fields["department"])
    kpi = Kpi.objects.create(plan=plan, **_only_kpi_fields(fields))
    _set_targets(kpi, targets)
    alerts_schedule_recompute(plan_id=plan.pk)
    return kpi


@transaction.atomic
def kpi_update(
    *,
    kpi: Kpi,
    user,
    expected_version: int,
    fields: dict[str, Any],
    targets: dict[dt.date, Decimal | None],
) -> Kpi:
    """Change a KPI and its targets if nobody saved it since `expected_version` (raises
    EditConflict otherwise). Moving it to another department needs rights in both."""
    access = plan_access(user, kpi.plan_id)
    require(access, Action.EDIT, kpi)
    require(access, Action.EDIT, fields["department"])
    kpi = save_versioned(kpi, expected_version=expected_version, changes=_only_kpi_fields(fields))
    _set_targets(kpi, targets)
    alerts_schedule_recompute(plan_id=kpi.plan_id)
    return kpi


def kpi_targets(kpi: Kpi) -> dict[dt.date, Decimal]:
    """The KPI's target per month (one query, or none when targets were prefetched)."""
    return {t.month: t.target for t in kpi.targets.all()}


def _only_kpi_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in KPI_FIELDS if name in fields}


def _set_targets(kpi: Kpi, targets: dict[dt.date, Decimal | None]) -> None:
    """Store the targets that changed, remove the emptied ones (history keeps both)."""
    stored = {t.month: t for t in KpiTarget.objects.filter(kpi=kpi)}
    for month, value in targets.items():
        row = stored.get(month)
        if value is None:
            if row is not None:
                row.delete()
        elif row is None:
            KpiTarget.objects.create(kpi=kpi, month=month, target=value)
        elif row.target != value:
            row.target = value
            row.save(update_fields=["target"])
