"""What a person typed into one cell of a month grid, checked without the database.

The month grids (KPI and goal measurements, spend) and any other entry point (imports, the API)
read numbers through `parse_value`, so "1,234.5", "1.234,5" (German) and "12 %" mean the same
everywhere and bad input is refused with a message a department head understands."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Spaces people and spreadsheets put between thousands: space, no-break space, thin spaces, '.
_GROUPING_CHARS = re.compile(r"[\s\u00a0\u2007\u202f']")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED_INTEGER = re.compile(r"^\d{1,3}(?:X\d{3})+$")


class CellError(ValueError):
    """The typed text is not a value that can be stored; `message` says why, for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NumberRules:
    """What a column accepts: the stored precision and whether negative numbers make sense."""

    max_digits: int = 16
    decimal_places: int = 4
    allow_negative: bool = True

    @property
    def limit(self) -> Decimal:
        return Decimal(10) ** (self.max_digits - self.decimal_places)


MEASUREMENT_RULES = NumberRules(max_digits=16, decimal_places=4, allow_negative=True)
MONEY_RULES = NumberRules(max_digits=14, decimal_places=2, allow_negative=False)


def parse_value(
    raw: str | None, *, rules: NumberRules = MEASUREMENT_RULES, decimal_separator: str = "."
) -> Decimal | None:
    """The number in `raw`, rounded to the stored precision, or None for an empty cell.

    Accepts thousands separators (`,` or `.` — whichever is not `decimal_separator` — in groups
    of three, and spaces), a leading sign, and a trailing `%`. Raises CellError otherwise."""
    text = _GROUPING_CHARS.sub("", raw or "")
    if not text:
        return None
    text = text.removesuffix("%")
    if not text:
        raise CellError(_not_a_number_message(decimal_separator))
    number = _to_decimal(_normalise_separators(text, decimal_separator), decimal_separator)
    if number < 0 and not rules.allow_negative:
        raise CellError(_("Enter zero or a positive amount."))
    number = number.quantize(Decimal(1).scaleb(-rules.decimal_places), rounding=ROUND_HALF_UP)
    if abs(number) >= rules.limit:
        raise CellError(_("This number is too large."))
    return number


def parse_month_cell(
    raw: str | None,
    *,
    month: dt.date,
    months: set[dt.date],
    last_open: dt.date,
    rules: NumberRules,
    decimal_separator: str = ".",
) -> Decimal | None:
    """A month-grid cell's number: the month must lie in the plan year, and a month that has not
    started yet takes no value. Raises CellError otherwise."""
    if month not in months:
        raise CellError(_("This month is outside the plan year."))
    value = parse_value(raw, rules=rules, decimal_separator=decimal_separator)
    if month > last_open and value is not None:
        raise CellError(_("This month has not started yet."))
    return value


def parse_cells(
    cells,
    *,
    month_of: Callable,
    check: Callable,
    months: set[dt.date],
    last_open: dt.date,
    rules: NumberRules,
    decimal_separator: str = ".",
) -> tuple[dict[str, Decimal | None], dict[str, CellProblem]]:
    """The numbers of a month grid's typed cells by cell key, and the problems of the cells
    that cannot be saved: `check(cell)` raises CellError for a cell whose subject is gone,
    then `parse_month_cell` checks its month and number."""
    values: dict[str, Decimal | None] = {}
    problems: dict[str, CellProblem] = {}
    for cell in cells:
        try:
            check(cell)
            values[cell.key] = parse_month_cell(
                cell.raw,
                month=month_of(cell),
                months=months,
                last_open=last_open,
                rules=rules,
                decimal_separator=decimal_separator,
            )
        except CellError as error:
            problems[cell.key] = CellProblem(key=cell.key, message=error.message)
    return values, problems


def _normalise_separators(text: str, decimal_separator: str) -> str:
    """`text` with the decimal separator as '.' and no thousands separators."""
    grouping = "," if decimal_separator == "." else "."
    sign = text[0] if text[0] in "+-" else ""
    body = text[len(sign) :]
    whole, _sep, fraction = body.partition(decimal_separator)
    if grouping in whole:
        if not _GROUPED_INTEGER.match(whole.replace(grouping, "X")):
            raise CellError(_not_a_number_message(decimal_separator))
        whole = whole.replace(grouping, "")
    if grouping in fraction or decimal_separator in fraction:
        raise CellError(_not_a_number_message(decimal_separator))
    return f"{sign}{whole}.{fraction}" if _sep else f"{sign}{whole}"


def _to_decimal(text: str, decimal_separator: str) -> Decimal:
    if not _PLAIN_NUMBER.match(text):
        raise CellError(_not_a_number_message(decimal_separator))
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid text
        raise CellError(_not_a_number_message(decimal_separator)) from exc


def _not_a_number_message(decimal_separator: str) -> str:
    example = "1.234,5" if decimal_separator == "," else "1,234.5"
    return _("Enter a number, like %(example)s.") % {"example": example}


def format_value(value: Decimal | None, *, decimal_separator: str = ".", grouping: bool = True):
    """`value` as it is shown in a cell: no trailing zeros, thousands grouped, or '' for None.
    `parse_value(format_value(v)) == v` for every stored value."""
    if value is None:
        return ""
    text = f"{value.normalize():f}" if value else "0"
    sign = "-" if text.startswith("-") else ""
    whole, _sep, fraction = text.lstrip("-").partition(".")
    if grouping and len(whole) > 3:
        group = "," if decimal_separator == "." else "."
        whole = f"{int(whole):,}".replace(",", group)
    return f"{sign}{whole}{decimal_separator}{fraction}" if fraction else f"{sign}{whole}"


def month_key(month: dt.date) -> str:
    """The month part of a cell key: '2026-03'."""
    return f"{month:%Y-%m}"


def parse_month_key(text: str) -> dt.date:
    """The first day of the month named by `month_key`; raises CellError otherwise."""
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise CellError(_("Unknown month.")) from exc


@dataclass(frozen=True)
class CellProblem:
    """Why one cell was not saved: bad input, or someone else saved the cell meanwhile. For a
    conflict, `theirs` is the value now stored (None: they cleared it), with who and when, and
    `current_version` is the version to start from to keep one's own value."""

    key: str
    message: str
    conflict: bool = False
    theirs: Decimal | None = None
    theirs_by: str = ""
    theirs_at: dt.datetime | None = None
    current_version: int = 0


class CellsRejected(Exception):
    """Nothing was saved: some cells hold bad input or were changed meanwhile."""

    def __init__(self, problems: dict[str, CellProblem]):
        super().__init__(f"{len(problems)} cell(s) not saved")
        self.problems = problems

    @property
    def conflicts(self) -> list[CellProblem]:
        return [p for p in self.problems.values() if p.conflict]
