"""Writing the cells of a month grid (measurements, spend): one row per subject and month, a new
value replaces the old one (history keeps it), an emptied cell removes the row, and a cell that
someone else saved after the edit started is reported as a conflict instead of overwritten.

The callers run these inside one transaction and raise `CellsRejected` when any cell has a
problem, so either every changed cell is saved or none is."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from planning.concurrency import EditConflict, save_versioned
from tracking.cells import CellProblem


@dataclass(frozen=True)
class CellWrite:
    """One changed cell, ready to write: which row (`lookup`), the new value (None = clear it)
    and the version of the row when the edit started (0 = the cell was empty)."""

    key: str
    lookup: dict[str, Any]
    value: Decimal | None
    version: int


@dataclass
class SaveSummary:
    """What a save did, for the message shown afterwards."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass
class CellWriter:
    """Writes cells of one model whose value lives in `value_field`. `create_fields` go into new
    rows only (the plan); `change_fields` into every written row (source, who)."""

    model: type[models.Model]
    value_field: str
    create_fields: dict[str, Any]
    change_fields: dict[str, Any]
    summary: SaveSummary = field(default_factory=SaveSummary)

    def write(self, cell: CellWrite, current: models.Model | None) -> CellProblem | None:
        """Write one cell against the row that existed when the save began (`current`)."""
        if is_stale(cell, current, self.value_field):
            return conflict_problem(cell.key, current, self.value_field)
        stored = getattr(current, self.value_field) if current is not None else None
        if stored == cell.value:
            self.summary.unchanged += 1
            return None
        if current is None:
            return self._create(cell)
        if cell.value is None:
            return self._delete(cell, current)
        changes = {self.value_field: cell.value, **self.change_fields}
        try:
            save_versioned(current, expected_version=cell.version, changes=changes)
        except EditConflict as conflict:
            return conflict_problem(cell.key, conflict.current, self.value_field)
        self.summary.updated += 1
        return None

    def _create(self, cell: CellWrite) -> CellProblem | None:
        try:
            with transaction.atomic():
                self.model.objects.create(
                    **cell.lookup,
                    **self.create_fields,
                    **self.change_fields,
                    **{self.value_field: cell.value},
                )
        except IntegrityError:  # someone created the same cell in the meantime
            theirs = self.model.objects.filter(**cell.lookup).select_related("entered_by").first()
            return conflict_problem(cell.key, theirs, self.value_field)
        self.summary.created += 1
        return None

    def _delete(self, cell: CellWrite, current: models.Model) -> CellProblem | None:
        # Claim the row first (compare-and-swap on version) so a concurrent save is not lost.
        claimed = self.model.objects.filter(pk=current.pk, version=cell.version).update(
            version=F("version") + 1
        )
        if not claimed:
            fresh = self.model.objects.filter(pk=current.pk).select_related("entered_by").first()
            return conflict_problem(cell.key, fresh, self.value_field)
        current.delete()
        self.summary.deleted += 1
        return None


def is_stale(cell: CellWrite, current: models.Model | None, value_field: str) -> bool:
    """Was the stored cell changed after the edit started? Typing what the other person saved
    is no conflict."""
    stored = getattr(current, value_field) if current is not None else None
    stored_version = current.version if current is not None else 0
    return stored_version != cell.version and stored != cell.value


def conflict_problem(key: str, current: models.Model | None, value_field: str) -> CellProblem:
    """The problem shown when the stored cell is no longer the one the edit started from."""
    if current is None:
        return CellProblem(
            key=key, conflict=True, message=_("Someone else cleared this cell meanwhile.")
        )
    return CellProblem(
        key=key,
        conflict=True,
        message=_("Someone else saved this cell meanwhile."),
        theirs=getattr(current, value_field),
        theirs_by=display_name(current.entered_by),
        theirs_at=current.entered_at,
        current_version=current.version,
    )


def display_name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""
