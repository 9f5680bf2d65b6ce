"""Reading and checking an uploaded measurements or spend file (SPEC §5, Imports/exports).

Pure apart from the file: a table comes in, (valid rows, errors) go out. The database is only
seen through the code maps the caller passes (`MeasurementCodes`, `SpendCodes`), so that the
same checks run in the preview, in the commit and in the tests without a database.

The files people upload
-----------------------
Measurements — one row per subject and month, header in the first non-empty row:

    kpi_code | goal_id | month   | value
    pipeline |         | 2026-03 | 1250000
             | 17      | 2026-03 | 3

A row names EITHER a KPI by its code (`Kpi.code`, stable, shown on the KPI page) OR a goal by its
number (`goal_id`, the id in the goal's address, stable while titles change). `month` is
`YYYY-MM` (a full date or an Excel date cell is accepted and means its month) and must lie in
the plan year. `value` is a number (negative allowed; decimal comma accepted).

Spend — one row per department, category and month:

    department_code | category | month   | amount
    sales           | opex     | 2026-03 | 41000

`department_code` may also be the department's name; `category` is opex, capex or headcount;
`amount` is a number ≥ 0.

Rows are reported with the row number the person sees in Excel (the header is row 1 in the
templates). Fully blank rows are skipped. A text cell starting with = + - @ is never evaluated:
it is just text, and a code that looks like a formula is refused with its own message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

MEASUREMENT_COLUMNS = ("kpi_code", "goal_id", "month", "value")
SPEND_COLUMNS = ("department_code", "category", "month", "amount")
SPEND_CATEGORIES = ("opex", "capex", "headcount")

# Header spellings people use, after lower-casing and turning spaces/dashes into "_".
COLUMN_ALIASES = {
    "kpi": "kpi_code",
    "kpi_id": "kpi_code",
    "code": "kpi_code",
    "goal": "goal_id",
    "goal_no": "goal_id",
    "goal_number": "goal_id",
    "period": "month",
    "date": "month",
    "department": "department_code",
    "dept": "department_code",
    "amount_spent": "amount",
    "spend": "amount",
    "actual": "value",
}

# Excel stores up to 15 significant digits; the model keeps 16 digits with 4 (value) or
# 14 with 2 (amount) decimals, so anything at or above 10^12 cannot be stored.
MAX_ABS_NUMBER = 10**12
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ZIP_MEMBERS = 1_000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls


class ImportRefused(Exception):
    """The file as a whole cannot be imported (too big, not a spreadsheet, a zip bomb, missing
    columns …); `message` says so in words the person understands."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileLimits:
    """What an upload may cost before anything is parsed (settings.IMPORT_*)."""

    max_bytes: int
    max_rows: int
    max_unzipped_bytes: int
    max_zip_ratio: int = 100


@dataclass(frozen=True)
class Subject:
    """Something a row can point at: a KPI, a goal or a department. `allowed` says whether the
    person importing may write values for it (checked row by row)."""

    id: int
    label: str
    allowed: bool = True


@dataclass(frozen=True)
class MeasurementCodes:
    """KPIs by code, goals by id, and the plan's twelve month starts."""

    kpis: Mapping[str, Subject]
    goals: Mapping[int, Subject]
    months: Sequence[dt.date]
    open_until: dt.date | None = None  # the last month that takes actuals (the current one)


@dataclass(frozen=True)
class SpendCodes:
    """Departments by lower-cased code and by lower-cased name, and the plan's month starts."""

    departments: Mapping[str, Subject]
    months: Sequence[dt.date]
    open_until: dt.date | None = None


@dataclass
class Checked:
    """The outcome of checking a table: rows that may be written, every problem found."""

    rows: pd.DataFrame
    errors: list[dict] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# --- The file ---------------------------------------------------------------------------


def sniff_kind(head: bytes) -> str:
    """'xlsx' or 'csv' from the first bytes of the file, whatever its name says."""
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ImportRefused(
            _(
                "This is an old Excel 97–2003 (.xls) file or a password-protected workbook. "
                "Save it as .xlsx without a password, or as .csv, and upload it again."
            )
        )
    if not head.strip():
        raise ImportRefused(_("The file is empty."))
    if b"\x00" in head or head.startswith(b"%PDF") or head.startswith(b"\x1f\x8b"):
        raise ImportRefused(_("This is not an Excel (.xlsx) or CSV file."))
    return "csv"


def check_zip(path: Path, limits: FileLimits) -> None:
    """Refuse an .xlsx whose zip would unpack to too much (a zip bomb) before any parser sees it:
    count, declared sizes and compression ratio of every member, then decompress each member
    once with a running cap to prove the declared sizes true (CRC check)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(_("This file is not a readable Excel (.xlsx) workbook.")) from exc
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names:
            raise ImportRefused(_("This file is not a readable Excel (.xlsx) workbook."))
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportRefused(_("This workbook has too many parts to be a plain spreadsheet."))
        total = sum(m.file_size for m in members)
        if total > limits.max_unzipped_bytes:
            raise ImportRefused(_refusal_too_big_unzipped(limits))
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1_000_000 and ratio > limits.max_zip_ratio:
                raise ImportRefused(
                    _("This workbook is suspiciously compressed (a zip bomb?); it was not opened.")
                )
        _prove_sizes(archive, members, limits)


def _prove_sizes(archive: zipfile.ZipFile, members, limits: FileLimits) -> None:
    unpacked = 0
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    unpacked += len(chunk)
                    if unpacked > limits.max_unzipped_bytes:
                        raise ImportRefused(_refusal_too_big_unzipped(limits))
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ImportRefused(_("This file is not a readable Excel (.xlsx) workbook.")) from exc


def _refusal_too_big_unzipped(limits: FileLimits) -> str:
    return _("Unpacked, this workbook would be larger than %(mb)s MB; it was not opened.") % {
        "mb": limits.max_unzipped_bytes // (1024 * 1024)
    }


def read_table(path: Path, limits: FileLimits, *, sheet_names: Sequence[str] = ()) -> pd.DataFrame:
    """The file's rows as text-or-number cells, columns named by the header row, indexed by the
    row number the person sees in Excel (or the line number in a CSV)."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportRefused(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once.")
            % {"size": round(size / 1048576, 1), "max": limits.max_bytes // 1048576}
        )
    with path.open("rb") as fh:
        kind = sniff_kind(fh.read(4096))
    decimal_comma = False
    if kind == "xlsx":
        check_zip(path, limits)
        rows = _xlsx_rows(path, limits, sheet_names)
    else:
        rows, delimiter = _csv_rows(path, limits)
        # Excel in German (and most of Europe) saves CSV with ';' because ',' is the decimal mark.
        decimal_comma = delimiter == ";"
    frame = _to_frame(rows, limits)
    frame.attrs["decimal_comma"] = decimal_comma
    return frame


def _xlsx_rows(path: Path, limits: FileLimits, sheet_names: Sequence[str]) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        wanted = {n.lower() for n in sheet_names}
        name = next((n for n in book.sheet_names if n.strip().lower() in wanted), None)
        sheet = book.get_sheet_by_name(name) if name else book.get_sheet_by_index(0)
        if sheet.total_height > limits.max_rows + 1:
            raise ImportRefused(_refusal_too_many_rows(limits))
        # Keep the empty area above the data so that list index + 1 = Excel row number.
        rows = sheet.to_python(skip_empty_area=False, nrows=limits.max_rows + 2)
    except ImportRefused:
        raise
    except Exception as exc:  # calamine raises its own errors for broken or encrypted files
        raise ImportRefused(
            _("This workbook could not be read (it may be damaged or password-protected).")
        ) from exc
    return pd.DataFrame(rows, dtype=object)


def _csv_rows(path: Path, limits: FileLimits) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    text = _decode(data)
    header = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t|", key=header.count)
    if header.count(delimiter) == 0:
        delimiter = ","
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            header=None,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ImportRefused(
            _("The CSV file could not be read: %(detail)s") % {"detail": str(exc)[:200]}
        ) from exc
    if len(frame) > limits.max_rows + 1:
        raise ImportRefused(_refusal_too_many_rows(limits))
    return frame.astype(object), delimiter


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else Windows-1252 as German Excel saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _refusal_too_many_rows(limits: FileLimits) -> str:
    return _("The file has more than %(max)s rows; split it into smaller files.") % {
        "max": f"{limits.max_rows:,}"
    }


def _to_frame(raw: pd.DataFrame, limits: FileLimits) -> pd.DataFrame:
    """Name the columns by the header row, drop the rows above it, index by Excel row."""
    header_at = _header_row(raw)
    if header_at is None:
        raise ImportRefused(_("The file is empty."))
    header = [_column_name(c) for c in raw.iloc[header_at]]
    if len(raw) - header_at - 1 > limits.max_rows:
        raise ImportRefused(_refusal_too_many_rows(limits))
    keep = [i for i, name in enumerate(header) if name]
    names = [header[i] for i in keep]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportRefused(
            _("The column %(name)s appears twice in the header row.") % {"name": repeated[0]}
        )
    frame = raw.iloc[header_at + 1 :, keep]
    frame.columns = names
    frame.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame), name="row")
    return frame


KNOWN_COLUMNS = frozenset(MEASUREMENT_COLUMNS + SPEND_COLUMNS)
HEADER_SEARCH_ROWS = 20


def _header_row(raw: pd.DataFrame) -> int | None:
    """The header: the first of the top rows naming at least two known columns (a title or
    a note may sit above it), else the first row that is not empty."""
    top = raw.iloc[:HEADER_SEARCH_ROWS].to_numpy(dtype=object).tolist()
    for i, row in enumerate(top):
        if sum(_column_name(c) in KNOWN_COLUMNS for c in row) >= 2:
            return i
    for i, row in enumerate(raw.itertuples(index=False)):
        if any(_filled(c) for c in row):
            return i
    return None


def _column_name(cell) -> str:
    name = re.sub(r"[\s\-]+", "_", str(cell if cell is not None else "").strip().lower())
    return COLUMN_ALIASES.get(name, name)


def _filled(cell) -> bool:
    if cell is None:
        return False
    if isinstance(cell, float) and np.isnan(cell):
        return False
    return str(cell).strip() != ""


# --- Cells ------------------------------------------------------------------------------


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        if cell != cell:  # NaN
            return ""
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell).strip()


NUMBER_COLUMNS = frozenset({"value", "amount"})


def _text(column: pd.Series, *, numbers_as_text: bool = True) -> pd.Series:
    """Cells as stripped text; whole floats without '.0' (Excel stores the code 2024 as 2024.0).
    With `numbers_as_text=False` a number cell is just "#": filled, parsed elsewhere."""
    values = column.to_numpy()
    try:
        texts = [c.strip() for c in values]  # the usual case: a column of text
    except AttributeError:
        if numbers_as_text:
            texts = [c.strip() if type(c) is str else _cell_text(c) for c in values]
        else:
            texts = [
                c.strip()
                if type(c) is str
                else "#"
                if type(c) is float and c == c
                else _cell_text(c)
                for c in values
            ]
    return pd.Series(texts, index=column.index, dtype=object)


def parse_month(
    cell, months: Sequence[dt.date], open_until: dt.date | None = None
) -> tuple[dt.date | None, str]:
    """The month start a cell means, or (None, problem). Accepts YYYY-MM, YYYY/MM, a full date
    YYYY-MM-DD (its month) and Excel date cells. Months after `open_until` have not happened:
    they take no actuals."""
    if isinstance(cell, dt.datetime | dt.date):
        day = cell.date() if isinstance(cell, dt.datetime) else cell
    else:
        text = _cell_text(cell)
        if not text:
            return None, _("The month is missing.")
        match = re.fullmatch(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?:[ T]00:00(?::00)?)?", text)
        if not match:
            return None, _(
                "“%(text)s” is not a month: write it as YYYY-MM, for example 2026-03."
            ) % {"text": text[:40]}
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            return None, _("“%(text)s” is not a real month or date.") % {"text": text[:40]}
    start = day.replace(day=1)
    if start not in months:
        return None, _("%(month)s is outside the plan year (%(first)s to %(last)s).") % {
            "month": f"{start:%Y-%m}",
            "first": f"{months[0]:%Y-%m}",
            "last": f"{months[-1]:%Y-%m}",
        }
    if open_until is not None and start > open_until:
        return None, _("%(month)s has not started yet; actuals go up to %(last)s.") % {
            "month": f"{start:%Y-%m}",
            "last": f"{open_until:%Y-%m}",
        }
    return start, ""


def _months(column: pd.Series, months: Sequence[dt.date], open_until: dt.date | None):
    """(month start or None, problem or "") per row; each distinct cell is parsed once."""
    codes, distinct = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    parsed = [parse_month(cell, months, open_until) for cell in distinct]
    parsed.append(parse_month("", months, open_until))  # code -1: an empty cell
    starts = np.array([p[0] for p in parsed], dtype=object)[codes]
    problems = np.array([p[1] for p in parsed], dtype=object)[codes]
    index = column.index
    return pd.Series(starts, index=index, dtype=object), pd.Series(
        problems, index=index, dtype=object
    )


_SEPARATORS = re.compile(r"[\s\u00a0\u202f'%]")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+")


def _number(cell, decimal_comma: bool) -> float:
    """A cell as a float (NaN when it is not a number). Spaces, apostrophes and thousands
    separators are allowed; '1.234,5' and '1,5' (with decimal_comma) use a decimal comma."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    text = _SEPARATORS.sub("", _cell_text(cell))
    if "," in text:
        if "." in text:
            comma_decimal = text.rfind(",") > text.rfind(".")
        else:
            comma_decimal = decimal_comma or not _THOUSANDS.fullmatch(text)
        text = text.replace(".", "").replace(",", ".") if comma_decimal else text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return np.nan
    return number if np.isfinite(number) else np.nan


def _numbers(column: pd.Series, *, decimal_comma: bool) -> pd.Series:
    values = [c if type(c) is float else _number(c, decimal_comma) for c in column.to_numpy()]
    return pd.Series(values, index=column.index, dtype=float)


# --- Checks -----------------------------------------------------------------------------


class _Problems:
    """Collects (row, column, message) and knows which rows are bad. Messages are formatted
    only for the rows that have the problem."""

    def __init__(self, columns: Sequence[str]):
        self.order = {name: i for i, name in enumerate(columns)}
        self.items: list[tuple[int, int, str, str]] = []
        self.bad_rows: set[int] = set()

    def add(self, mask: pd.Series, column: str, message, values: pd.Series | None = None):
        """`message` is a text, or a function of the row's entry in `values`."""
        rows = mask.index[mask.to_numpy(dtype=bool)]
        if not len(rows):
            return
        if callable(message):
            texts = [message(v) for v in values.loc[rows]]
        else:
            texts = [message] * len(rows)
        col = self.order.get(column, 99)
        self.items.extend((int(r), col, column, m) for r, m in zip(rows, texts, strict=True))
        self.bad_rows.update(int(r) for r in rows)

    def as_list(self) -> list[dict]:
        self.items.sort()
        return [{"row": r, "column": c, "message": m} for r, _o, c, m in self.items]


def _require_columns(table: pd.DataFrame, required: Sequence[str], expected: Sequence[str]):
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise ImportRefused(
            _("Missing column(s): %(missing)s. The header row must name: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ", ".join(expected)}
        )


def _texts_of(table: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    """The table without fully blank rows, and the text of each known column."""
    texts = {
        c: _text(table[c], numbers_as_text=c not in NUMBER_COLUMNS)
        for c in columns
        if c in table.columns
    }
    filled = np.zeros(len(table), dtype=bool)
    for text in texts.values():
        filled |= (text != "").to_numpy()
    table = table[filled]
    return table, {c: t[filled] for c, t in texts.items()}


def _look_up(texts: pd.Series, mapping: Mapping[str, Subject], *, fold: bool) -> pd.Series:
    """Subject per text (None when unknown): exact first, then case-insensitively when the
    lower-cased code is unambiguous."""
    lowered: dict[str, Subject | None] = {}
    if fold:
        for code, subject in mapping.items():
            key = code.lower()
            lowered[key] = None if key in lowered else subject
    found = [(mapping.get(t) or lowered.get(t.lower())) if t else None for t in texts.to_numpy()]
    return pd.Series(found, index=texts.index, dtype=object)


def _looks_like_formula(texts: pd.Series, among: pd.Series) -> pd.Series:
    """Which of the rows `among` hold text starting like a formula (checked on those only)."""
    flags = pd.Series(False, index=texts.index)
    subset = texts[among.to_numpy(dtype=bool)]
    if len(subset):
        flags[subset.index] = [t.startswith(FORMULA_START) for t in subset]
    return flags


def _check_month_and_number(
    table, texts, problems: _Problems, codes, number_column: str, *, decimal_comma: bool
):
    period, month_problem = _months(table["month"], codes.months, codes.open_until)
    problems.add(month_problem != "", "month", lambda m: m, month_problem)
    number = _numbers(table[number_column], decimal_comma=decimal_comma)
    missing = texts[number_column] == ""
    problems.add(
        missing, number_column, _("The %(column)s is missing.") % {"column": number_column}
    )
    not_number = ~missing & number.isna()
    template = _("“%(text)s” is not a number.")
    problems.add(
        not_number, number_column, lambda t: template % {"text": t[:40]}, texts[number_column]
    )
    problems.add(
        number.abs() >= MAX_ABS_NUMBER, number_column, _("This number is too large to be stored.")
    )
    return period, number


def check_measurements(
    table: pd.DataFrame, codes: MeasurementCodes, *, decimal_comma: bool = False
) -> Checked:
    """Check every row of a measurements table (see the module docstring for the columns).

    Returns the valid rows (columns row, kpi_id, goal_id, subject, label, period, value) and
    every problem as {row, column, message}; a row with any problem is not among the rows."""
    if "kpi_code" not in table.columns and "goal_id" not in table.columns:
        _require_columns(table, ["kpi_code"], MEASUREMENT_COLUMNS)
    _require_columns(table, ["month", "value"], MEASUREMENT_COLUMNS)
    table, texts = _texts_of(table, MEASUREMENT_COLUMNS)
    problems = _Problems(MEASUREMENT_COLUMNS)
    empty = pd.Series("", index=table.index, dtype=object)
    kpi_text, goal_text = texts.get("kpi_code", empty), texts.get("goal_id", empty)
    subject_column = "kpi_code" if "kpi_code" in texts else "goal_id"
    has_kpi, has_goal = kpi_text != "", goal_text != ""
    problems.add(~has_kpi & ~has_goal, subject_column, _("Give a KPI code or a goal id."))
    both = has_kpi & has_goal
    problems.add(both, subject_column, _("Give either a KPI code or a goal id, not both."))

    kpi = _look_up(kpi_text, codes.kpis, fold=True)
    unknown_kpi = has_kpi & ~both & kpi.isna()
    formula = _looks_like_formula(kpi_text, unknown_kpi)
    problems.add(
        formula,
        "kpi_code",
        _("This cell holds a formula or starts with = + - @; type the KPI code itself."),
    )
    template = _("There is no KPI with the code “%(code)s” in this plan.")
    problems.add(
        unknown_kpi & ~formula, "kpi_code", lambda t: template % {"code": t[:60]}, kpi_text
    )

    goal_keys = {str(k): s for k, s in codes.goals.items()}
    goal_number = [t.removeprefix("#").removesuffix(".0") if t else t for t in goal_text]
    goal = _look_up(pd.Series(goal_number, index=goal_text.index), goal_keys, fold=False)
    unknown_goal = has_goal & ~both & goal.isna()
    template = _("There is no goal number “%(id)s” in this plan.")
    problems.add(unknown_goal, "goal_id", lambda t: template % {"id": t[:40]}, goal_text)

    subject = kpi.where(has_kpi & ~both, goal.where(has_goal & ~both, None))
    forbidden = pd.Series([s is not None and not s.allowed for s in subject], index=table.index)
    template = _("You may not enter values for %(subject)s.")
    problems.add(forbidden, subject_column, lambda s: template % {"subject": s.label}, subject)
    period, value = _check_month_and_number(
        table, texts, problems, codes, "value", decimal_comma=decimal_comma
    )
    is_kpi = has_kpi.to_numpy()
    ids = [s.id if s is not None else None for s in subject]
    frame = pd.DataFrame(
        {
            "row": table.index,
            "kpi_id": pd.array(
                [i if k else None for i, k in zip(ids, is_kpi, strict=True)], dtype="Int64"
            ),
            "goal_id": pd.array(
                [None if k else i for i, k in zip(ids, is_kpi, strict=True)], dtype="Int64"
            ),
            "subject": [f"{'k' if k else 'g'}{i}" for i, k in zip(ids, is_kpi, strict=True)],
            "label": [s.label if s is not None else "" for s in subject],
            "period": period,
            "value": value.round(4),
        },
        index=table.index,
    )
    usable = subject.notna() & period.notna()
    _flag_duplicates(frame, ["subject", "period"], usable, problems, subject_column)
    return _result(frame, problems, len(table))


def check_spend(table: pd.DataFrame, codes: SpendCodes, *, decimal_comma: bool = False) -> Checked:
    """Check every row of a spend table (see the module docstring for the columns).

    Returns the valid rows (columns row, department_id, label, category, month, amount) and every
    problem as {row, column, message}."""
    _require_columns(table, SPEND_COLUMNS, SPEND_COLUMNS)
    table, texts = _texts_of(table, SPEND_COLUMNS)
    problems = _Problems(SPEND_COLUMNS)
    dept_text = texts["department_code"]
    department = _look_up(dept_text.str.lower(), codes.departments, fold=False)
    problems.add(dept_text == "", "department_code", _("The department is missing."))
    unknown = (dept_text != "") & department.isna()
    formula = _looks_like_formula(dept_text, unknown)
    problems.add(
        formula,
        "department_code",
        _("This cell holds a formula or starts with = + - @; type the department code itself."),
    )
    template = _("There is no department “%(code)s” in this plan.")
    problems.add(
        unknown & ~formula, "department_code", lambda t: template % {"code": t[:60]}, dept_text
    )
    forbidden = pd.Series([d is not None and not d.allowed for d in department], index=table.index)
    template = _("You may not enter spend for %(subject)s.")
    problems.add(
        forbidden, "department_code", lambda d: template % {"subject": d.label}, department
    )

    category_text = texts["category"]
    category = category_text.str.lower()
    bad_category = ~category.isin(SPEND_CATEGORIES)
    problems.add(
        bad_category & (category_text == ""),
        "category",
        _("The category is missing: use opex, capex or headcount."),
    )
    template = _("“%(text)s” is not a category: use opex, capex or headcount.")
    problems.add(
        bad_category & (category_text != ""),
        "category",
        lambda t: template % {"text": t[:40]},
        category_text,
    )
    month, amount = _check_month_and_number(
        table, texts, problems, codes, "amount", decimal_comma=decimal_comma
    )
    problems.add(amount < 0, "amount", _("Spend cannot be negative."))
    frame = pd.DataFrame(
        {
            "row": table.index,
            "department_id": pd.array(
                [d.id if d is not None else None for d in department], dtype="Int64"
            ),
            "label": [d.label if d is not None else "" for d in department],
            "category": category,
            "month": month,
            "amount": amount.round(2),
        },
        index=table.index,
    )
    usable = department.notna() & ~bad_category & month.notna()
    _flag_duplicates(
        frame, ["department_id", "category", "month"], usable, problems, "department_code"
    )
    return _result(frame, problems, len(table))


def _flag_duplicates(frame, keys, usable: pd.Series, problems: _Problems, column: str) -> None:
    """A subject and month may appear only once in a file: later repeats are errors that name
    the row where it first appeared."""
    candidates = frame[usable.to_numpy(dtype=bool)]
    repeated = candidates.duplicated(keys, keep="first")
    if not repeated.any():
        return
    first_row = candidates.groupby(keys, sort=False, dropna=False)["row"].transform("first")
    template = _("This row repeats row %(row)s (same subject and month); keep only one.")
    problems.add(repeated, column, lambda r: template % {"row": r}, first_row)


def _result(frame: pd.DataFrame, problems: _Problems, total: int) -> Checked:
    valid = frame[~frame.index.isin(list(problems.bad_rows))].reset_index(drop=True)
    return Checked(rows=valid, errors=problems.as_list(), total_rows=total)


# --- Against what is stored -------------------------------------------------------------


def classify_changes(
    rows: pd.DataFrame, existing: pd.DataFrame, keys: Sequence[str], value: str
) -> pd.DataFrame:
    """`rows` with `old` (the stored value or NaN) and `change`: 'insert' (nothing stored yet),
    'replace' (a different value is stored) or 'unchanged'. `existing` has `keys` + `value`."""
    stored = existing.rename(columns={value: "old"})[[*keys, "old"]]
    merged = rows.merge(stored, on=list(keys), how="left")
    merged["old"] = merged["old"].astype(float)
    same = (merged["old"] - merged[value]).abs() < 1e-9
    merged["change"] = np.select(
        [merged["old"].isna(), same], ["insert", "unchanged"], default="replace"
    )
    return merged


def count_changes(classified: pd.DataFrame) -> dict[str, int]:
    counts = classified["change"].value_counts()
    return {name: int(counts.get(name, 0)) for name in ("insert", "replace", "unchanged")}
