"""The budget grid as a form: reading what finance typed or pasted into a department × month grid,
and showing it back (typed values, wrong cells, conflicting cells).

Amounts are read as people type them and as Excel copies them: "41666.67", "41,666.67",
"41.666,67", "41 666,67", "$1,200". `static/js/budget_grid.js` mirrors `parse_amount` for the
live totals; the server's reading is the one that counts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import SuspiciousOperation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from planning.services.budgets import BudgetGrid, CellChange, CellConflict, grid_totals

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # BudgetLine.amount: 14 digits, 2 decimals
_IGNORED = re.compile(r"[\s\u00a0\u202f'’]")
_CURRENCY = "$€£¥"


class AmountError(ValueError):
    """The text is not an amount a budget can hold; the message says why, for the person."""


def parse_amount(text: str, decimal_sep: str = ".") -> Decimal | None:
    """The amount in `text`, rounded to cents; None for an empty cell.

    With both "," and "." present the last one is the decimal mark ("41,666.67", "41.666,67").
    With one kind present several times it separates thousands ("1.000.000"). A single one
    followed by exactly three digits is ambiguous ("1,500"): the user's `decimal_sep` decides.
    Spaces and apostrophes group thousands; a currency sign is ignored."""
    s = _IGNORED.sub("", text).strip(_CURRENCY)
    if not s:
        return None
    if s[0] in "-−(":
        raise AmountError(_("A budget cannot be negative."))
    if not re.fullmatch(r"[0-9.,]+", s):
        raise AmountError(_("“%(text)s” is not a number.") % {"text": text.strip()})
    decimal, thousands = _separators(s, decimal_sep)
    whole, fraction = s.rsplit(decimal, 1) if decimal else (s, "")
    grouped = rf"\d{{1,3}}(\{thousands}\d{{3}})*" if thousands else r"\d*"
    if not re.fullmatch(grouped, whole) or (fraction and not fraction.isdigit()):
        raise AmountError(_("“%(text)s” is not a number.") % {"text": text.strip()})
    digits = whole.replace(thousands, "") if thousands else whole
    value = Decimal(f"{digits or '0'}.{fraction or '0'}").quantize(CENT, rounding=ROUND_HALF_UP)
    if value > MAX_AMOUNT:
        raise AmountError(_("%(text)s is too large for a budget.") % {"text": text.strip()})
    return value


def _separators(s: str, decimal_sep: str) -> tuple[str, str]:
    """(decimal mark or '', thousands separator or '') used in `s`."""
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        return decimal, "." if decimal == "," else ","
    if not (commas or dots):
        return "", ""
    sep = "," if commas else "."
    tail = s.rsplit(sep, 1)[1]
    if commas + dots > 1 or (len(tail) == 3 and sep != decimal_sep):
        return "", sep
    return sep, ""


def format_amount(value: Decimal | None) -> str:
    """An amount as the person's locale writes it, with thousands separators; cents only
    when there are any."""
    if value is None:
        return ""
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


@dataclass
class CellView:
    key: str
    text: str
    orig: str  # the amount when the edit started, canonical ("41666.67"), "" for no line
    version: int  # 0: no budget line when the edit started
    month: object = None
    error: str = ""
    conflict: CellConflict | None = None
    theirs_text: str = ""


@dataclass
class RowView:
    department: object
    cells: list[CellView]
    total: str = ""


@dataclass
class BudgetGridForm:
    """The grid of one category: built from the stored lines, then from a POST."""

    grid: BudgetGrid
    decimal_sep: str = "."
    rows: list[RowView] = field(default_factory=list)
    changes: list[CellChange] = field(default_factory=list)
    column_totals: list[str] = field(default_factory=list)
    grand_total: str = ""

    def __post_init__(self):
        self.rows = [
            RowView(
                row.department,
                [
                    CellView(
                        key=f"{row.department.pk}-{m}",
                        text=format_amount(cell.amount),
                        orig=_canonical(cell.amount),
                        version=cell.version,
                        month=self.grid.months[m],
                    )
                    for m, cell in enumerate(row.cells)
                ],
            )
            for row in self.grid.rows
        ]
        self._totals()

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(where, message) for every cell that was refused."""
        months = self.grid.months
        return [
            (f"{row.department} · {date_format(months[m], 'M')}", cell.error)
            for row in self.rows
            for m, cell in enumerate(row.cells)
            if cell.error
        ]

    @property
    def has_lines(self) -> bool:
        return any(cell.orig for row in self.rows for cell in row.cells)

    @property
    def conflicts(self) -> list[tuple[RowView, int, CellView]]:
        return [
            (row, m, cell) for row in self.rows for m, cell in enumerate(row.cells) if cell.conflict
        ]

    @property
    def state_json(self) -> str:
        return json.dumps({c.key: [c.version, c.orig] for row in self.rows for c in row.cells})

    def bind(self, data) -> bool:
        """Read a POST: cells that came back replace the stored ones; returns True when every
        cell is a valid amount. `changes` then holds the cells that differ from where the
        edit started."""
        state = _state(data.get("state", ""))
        for row in self.rows:
            for m, cell in enumerate(row.cells):
                self._bind_cell(data, state, row, m, cell)
        self._totals()
        return not self.errors

    def _bind_cell(self, data, state, row, m, cell) -> None:
        if cell.key in state:
            cell.version, cell.orig = state[cell.key]
            cell.text = format_amount(_decimal(cell.orig))
        name = f"cell-{cell.key}"
        if name not in data or cell.key not in state:
            return  # unchanged cells are not sent back, and rows added meanwhile are skipped
        if data.get(f"resolve-{cell.key}") == "theirs":
            return
        cell.text = data[name]
        try:
            amount = parse_amount(cell.text, self.decimal_sep)
        except AmountError as error:
            cell.error = str(error)
            return
        if (amount or 0) != (_decimal(cell.orig) or 0):
            month = self.grid.months[m]
            self.changes.append(
                CellChange(row.department.pk, month, amount or Decimal(0), cell.version)
            )

    def show_conflicts(self, conflicts: list[CellConflict]) -> None:
        """Mark the cells someone else saved meanwhile; the stored value becomes the new
        starting point, so saving again keeps what this person typed."""
        by_key = {(c.department_id, c.month): c for c in conflicts}
        for row in self.rows:
            for m, cell in enumerate(row.cells):
                conflict = by_key.get((row.department.pk, self.grid.months[m]))
                if conflict:
                    cell.conflict = conflict
                    cell.version = conflict.current_version
                    cell.orig = _canonical(conflict.theirs)
                    cell.theirs_text = format_amount(conflict.theirs) or "0"

    def _totals(self) -> None:
        matrix = [[self._amount_or_none(c) for c in row.cells] for row in self.rows]
        row_totals, column_totals, grand = grid_totals(matrix, months=len(self.grid.months))
        for row, total in zip(self.rows, row_totals, strict=True):
            row.total = format_amount(total)
        self.column_totals = [format_amount(t) for t in column_totals]
        self.grand_total = format_amount(grand)

    def _amount_or_none(self, cell: CellView) -> Decimal | None:
        try:
            return parse_amount(cell.text, self.decimal_sep)
        except AmountError:
            return None


def _canonical(value: Decimal | None) -> str:
    return "" if value is None else format(value.quantize(CENT), "f")


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _state(raw: str) -> dict[str, tuple[int, str]]:
    """The versions and amounts the grid started from (a hidden field of the page)."""
    try:
        loaded = json.loads(raw)
        state = {str(k): (int(v[0]), str(v[1])) for k, v in loaded.items()}
        for _version, orig in state.values():
            _decimal(orig)
    except (ValueError, TypeError, AttributeError, IndexError, InvalidOperation) as exc:
        raise SuspiciousOperation("The budget grid's state could not be read.") from exc
    return state
