"""The Eisenhower matrix of resource gaps (SPEC §2 step 3): where a gap lands, by urgency and
importance, and how big a gap is. Pure functions on plain values, no database."""

import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Quadrant(enum.StrEnum):
    """One of the four boxes. The order here is the order in which they are shown."""

    DO_NOW = "do_now"
    SCHEDULE = "schedule"
    DELEGATE = "delegate"
    LATER = "later"

    @property
    def label(self) -> str:
        return str(_LABELS[self][0])

    @property
    def hint(self) -> str:
        return str(_LABELS[self][1])

    @property
    def urgent(self) -> bool:
        return self in (Quadrant.DO_NOW, Quadrant.DELEGATE)

    @property
    def important(self) -> bool:
        return self in (Quadrant.DO_NOW, Quadrant.SCHEDULE)


_LABELS = {
    Quadrant.DO_NOW: (_("Do now"), _("Urgent and important")),
    Quadrant.SCHEDULE: (pgettext_lazy("Eisenhower", "Schedule"), _("Important, not urgent")),
    Quadrant.DELEGATE: (_("Delegate"), _("Urgent, not important")),
    Quadrant.LATER: (_("Later"), _("Neither urgent nor important")),
}


def quadrant(*, urgent: bool, important: bool) -> Quadrant:
    """Do now = urgent and important; schedule = important, not urgent; delegate = urgent, not
    important; later = neither."""
    if important:
        return Quadrant.DO_NOW if urgent else Quadrant.SCHEDULE
    return Quadrant.DELEGATE if urgent else Quadrant.LATER


def gap(*, needed: Decimal, available: Decimal) -> Decimal:
    """What is still missing: needed − available, never below zero (a surplus is no gap)."""
    return max(needed - available, Decimal(0))


def is_open(*, needed: Decimal, available: Decimal) -> bool:
    """A gap is open while less is available than needed."""
    return gap(needed=needed, available=available) > 0


T = TypeVar("T")


def matrix(items: Iterable[T]) -> dict[Quadrant, list[T]]:
    """Open gaps by quadrant, in the order given; closed ones (gap ≤ 0) are left out. Each item
    has `needed`, `available`, `urgent` and `important` attributes."""
    boxes: dict[Quadrant, list[T]] = {q: [] for q in Quadrant}
    for item in items:
        if is_open(needed=item.needed, available=item.available):
            boxes[quadrant(urgent=item.urgent, important=item.important)].append(item)
    return boxes
