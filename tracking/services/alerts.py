"""Alerts (SPEC §4.6): recompute a plan's alerts and goal figures; queue a recompute after
data changes. (Minimal first version: the contract other modules import.)"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import transaction


class AlertCounts(NamedTuple):
    opened: int = 0
    updated: int = 0
    resolved: int = 0
    open_total: int = 0


def alerts_recompute(*, plan_id: int, as_of: dt.date | None = None) -> AlertCounts:
    """Evaluate every alert rule of the plan and refresh its goal figures."""
    return AlertCounts()


def alerts_schedule_recompute(*, plan_id: int) -> None:
    """Queue a recompute of the plan's alerts after the current transaction commits."""
    transaction.on_commit(lambda: None)
