"""Imports of measurements and spend (SPEC §5): every row's problems before anything is written,
all-or-nothing commits, history kept, hostile files refused, rights checked row by row."""

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.factories import GoalFactory, KpiFactory, MeasurementFactory, SpendFactory
from tracking import imports
from tracking.imports import (
    FileLimits,
    ImportRefused,
    MeasurementCodes,
    SpendCodes,
    Subject,
    check_measurements,
    check_spend,
    parse_month,
    read_table,
)
from tracking.models import ImportJob, Measurement, Spend
from tracking.services import imports as service

MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]
LIMITS = FileLimits(max_bytes=5_000_000, max_rows=1_000, max_unzipped_bytes=20_000_000)
TODAY = dt.date(2026, 6, 15)


def _table(rows: list[list], columns=("kpi_code", "goal_id", "month", "value")) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    frame.index = pd.RangeIndex(2, 2 + len(rows))
    return frame


def _codes(**kwargs) -> MeasurementCodes:
    defaults = {
        "kpis": {
            "pipeline": Subject(1, "Pipeline (Sales)"),
            "mql": Subject(2, "MQLs (Marketing)", allowed=False),
        },
        "goals": {7: Subject(7, "Hire four AEs (Sales)")},
        "months": MONTHS,
        "open_until": dt.date(2026, 6, 1),
    }
    return MeasurementCodes(**{**defaults, **kwargs})


def _xlsx(rows: list[list], header=("kpi_code", "goal_id", "month", "value"), title="Measurements"):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(tmp_path: Path, data: bytes, name="upload.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- Checking rows (pure) ---------------------------------------------------------------


def test_a_clean_table_gives_every_row_and_no_errors():
    checked = check_measurements(
        _table([["pipeline", "", "2026-03", 1200.5], ["", 7, "2026-04", "3"]]), _codes()
    )
    assert checked.errors == []
    assert list(checked.rows["kpi_id"].astype(object)) == [1, pd.NA]
    assert list(checked.rows["goal_id"].astype(object)) == [pd.NA, 7]
    assert list(checked.rows["period"]) == [dt.date(2026, 3, 1), dt.date(2026, 4, 1)]
    assert list(checked.rows["value"]) == [1200.5, 3.0]


def test_every_problem_is_reported_with_the_row_excel_shows():
    table = _table(
        [
            ["pipeline", "", "2026-03", 1],  # row 2: fine
            ["nope", "", "2026-03", 1],  # row 3: unknown KPI
            ["pipeline", "", "March", 1],  # row 4: malformed month
            ["pipeline", "", "2025-12", 1],  # row 5: outside the plan year
            ["pipeline", "", "2026-05", "lots"],  # row 6: not a number
            ["pipeline", "", "2026-03", 2],  # row 7: repeats row 2
            ["", 99, "2026-03", 2],  # row 8: unknown goal
            ["", "", "2026-03", 2],  # row 9: no subject
            ["pipeline", 7, "2026-03", 2],  # row 10: both
            ["pipeline", "", "2026-02", ""],  # row 11: value missing
            ["pipeline", "", "2026-09", 1],  # row 12: month not started yet
        ]
    )
    checked = check_measurements(table, _codes())
    found = {(e["row"], e["column"]) for e in checked.errors}
    assert found == {
        (3, "kpi_code"),
        (4, "month"),
        (5, "month"),
        (6, "value"),
        (7, "kpi_code"),
        (8, "goal_id"),
        (9, "kpi_code"),
        (10, "kpi_code"),
        (11, "value"),
        (12, "month"),
    }
    messages = {e["row"]: e["message"] for e in checked.errors}
    assert "nope" in messages[3]
    assert "YYYY-MM" in messages[4]
    assert "outside the plan year" in messages[5]
    assert "“lots” is not a number" in messages[6]
    assert "repeats row 2" in messages[7]
    assert "not started yet" in messages[12]
    assert list(checked.rows["row"]) == [2]
    assert checked.total_rows == 11


def test_blank_rows_are_skipped_but_row_numbers_stay_those_of_the_file():
    table = _table(
        [["pipeline", "", "2026-03", 1], [None, None, None, None], ["x", "", "2026-03", 1]]
    )
    checked = check_measurements(table, _codes())
    assert [e["row"] for e in checked.errors] == [4]
    assert checked.total_rows == 2


def test_a_row_for_a_kpi_the_person_may_not_measure_is_an_error():
    checked = check_measurements(_table([["mql", "", "2026-03", 5]]), _codes())
    assert checked.errors == [
        {
            "row": 2,
            "column": "kpi_code",
            "message": "You may not enter values for MQLs (Marketing).",
        }
    ]
    assert checked.rows.empty


def test_formula_looking_codes_are_text_and_refused_with_their_own_message():
    checked = check_measurements(
        _table([['=HYPERLINK("http://evil")', "", "2026-03", 1], ["@SUM(A1)", "", "2026-03", 1]]),
        _codes(),
    )
    assert [e["row"] for e in checked.errors] == [2, 3]
    assert all("formula" in e["message"] for e in checked.errors)


def test_codes_match_case_insensitively_and_goal_numbers_may_come_as_floats():
    checked = check_measurements(
        _table([["PIPELINE", "", "2026-03", 1], ["", 7.0, "2026-03", 1], ["", "#7", "2026-04", 1]]),
        _codes(),
    )
    assert checked.errors == []
    assert len(checked.rows) == 3


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2026-03", dt.date(2026, 3, 1)),
        ("2026-3", dt.date(2026, 3, 1)),
        ("2026/03", dt.date(2026, 3, 1)),
        ("2026-03-17", dt.date(2026, 3, 1)),
        ("2026-03-01 00:00:00", dt.date(2026, 3, 1)),
        (dt.datetime(2026, 3, 1), dt.date(2026, 3, 1)),
        (dt.date(2026, 3, 31), dt.date(2026, 3, 1)),
        ("03/2026", None),
        ("2026-13", None),
        ("", None),
        ("2027-01", None),
    ],
)
def test_month_cells(cell, expected):
    assert parse_month(cell, MONTHS)[0] == expected


@pytest.mark.parametrize(
    "cell, decimal_comma, expected",
    [
        (1234.5, False, 1234.5),
        ("1234.5", False, 1234.5),
        ("1,234.5", False, 1234.5),
        ("1.234,5", True, 1234.5),
        ("1,5", True, 1.5),
        ("1,234", False, 1234.0),
        ("1 234", False, 1234.0),
        ("-12", False, -12.0),
        ("12%", False, 12.0),
    ],
)
def test_numbers_in_the_forms_people_type(cell, decimal_comma, expected):
    checked = check_measurements(
        _table([["pipeline", "", "2026-03", cell]]), _codes(), decimal_comma=decimal_comma
    )
    assert checked.errors == []
    assert checked.rows["value"].iloc[0] == pytest.approx(expected)


def test_missing_columns_refuse_the_whole_file():
    with pytest.raises(ImportRefused, match="Missing column.*value"):
        check_measurements(
            _table([["pipeline", "2026-03"]], columns=("kpi_code", "month")), _codes()
        )
    with pytest.raises(ImportRefused, match="Missing column.*category"):
        check_spend(
            _table([["sales", "2026-03", 1]], columns=("department_code", "month", "amount")),
            SpendCodes(departments={}, months=MONTHS),
        )


def test_spend_rows_are_checked_for_department_category_month_and_sign():
    codes = SpendCodes(
        departments={"sales": Subject(3, "Sales"), "marketing": Subject(4, "Marketing")},
        months=MONTHS,
    )
    table = _table(
        [
            ["Sales", "opex", "2026-01", "1000"],  # row 2: fine (code in capitals)
            ["marketing", "Capex", "2026-01", 5],  # row 3: fine (category in capitals)
            ["nowhere", "opex", "2026-01", 5],  # row 4: unknown department
            ["sales", "travel", "2026-01", 5],  # row 5: unknown category
            ["sales", "opex", "2026-02", -5],  # row 6: negative
            ["sales", "opex", "2026-01", 7],  # row 7: repeats row 2
        ],
        columns=("department_code", "category", "month", "amount"),
    )
    checked = check_spend(table, codes)
    assert [(e["row"], e["column"]) for e in checked.errors] == [
        (4, "department_code"),
        (5, "category"),
        (6, "amount"),
        (7, "department_code"),
    ]
    assert list(checked.rows["category"]) == ["opex", "capex"]


# --- Reading files ----------------------------------------------------------------------


def test_xlsx_rows_keep_excel_row_numbers_even_below_a_title(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Values for March"])
    sheet.append([])
    sheet.append(["KPI code", "Goal id", "Month", "Value"])
    sheet.append(["pipeline", None, "2026-03", 5])
    sheet.append(["nope", None, dt.datetime(2026, 3, 1), 5])
    out = io.BytesIO()
    book.save(out)
    table = read_table(_write(tmp_path, out.getvalue()), LIMITS)
    checked = check_measurements(table, _codes())
    assert [e["row"] for e in checked.errors] == [5]
    assert list(checked.rows["row"]) == [4]


def test_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    text = "\ufeffkpi_code;goal_id;month;value\r\npipeline;;2026-03;1.234,5\r\n;7;2026-03;2,5\r\n"
    table = read_table(_write(tmp_path, text.encode("utf-8"), "v.csv"), LIMITS)
    checked = check_measurements(table, _codes(), decimal_comma=table.attrs["decimal_comma"])
    assert checked.errors == []
    assert list(checked.rows["value"]) == [1234.5, 2.5]


def test_csv_saved_by_german_excel_in_windows_1252(tmp_path):
    text = "department_code;category;month;amount\nKundenzufriedenheit ä;opex;2026-01;10\n"
    table = read_table(_write(tmp_path, text.encode("cp1252"), "s.csv"), LIMITS)
    assert table.iloc[0]["department_code"] == "Kundenzufriedenheit ä"


def test_a_formula_cell_is_never_evaluated(tmp_path):
    data = _xlsx([["pipeline", None, "2026-03", "=1+1"]])  # openpyxl stores no cached result
    checked = check_measurements(read_table(_write(tmp_path, data), LIMITS), _codes())
    assert checked.rows.empty
    assert checked.errors[0]["column"] == "value"


def _zip_bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    data = _zip_bomb(8_000_000)  # 8 MB of zeros pack into a few kB: ratio ~1000
    assert len(data) < 50_000
    with pytest.raises(ImportRefused, match="zip bomb"):
        read_table(_write(tmp_path, data), LIMITS)


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(tmp_path):
    limits = FileLimits(max_bytes=5_000_000, max_rows=1_000, max_unzipped_bytes=1_000_000)
    with pytest.raises(ImportRefused, match="Unpacked"):
        read_table(_write(tmp_path, _zip_bomb(2_000_000)), limits)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 100, "not an Excel"),
        (b"%PDF-1.7\n", "not an Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "97–2003"),
        (b"PK\x03\x04 not really a zip", "not a readable"),
        (b"", "empty"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(tmp_path, data, message):
    with pytest.raises(ImportRefused, match=message):
        read_table(_write(tmp_path, data, "x.xlsx"), LIMITS)


def test_a_zip_without_a_workbook_is_refused(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ImportRefused, match="not a readable"):
        read_table(_write(tmp_path, out.getvalue()), LIMITS)


def test_oversized_and_overlong_files_are_refused(tmp_path):
    small = FileLimits(max_bytes=100, max_rows=3, max_unzipped_bytes=1_000_000)
    with pytest.raises(ImportRefused, match="at most"):
        read_table(_write(tmp_path, b"a,b\n" + b"1,2\n" * 100, "big.csv"), small)
    rows = [["pipeline", None, "2026-03", i] for i in range(5)]
    wide = FileLimits(max_bytes=5_000_000, max_rows=3, max_unzipped_bytes=20_000_000)
    with pytest.raises(ImportRefused, match="more than 3 rows"):
        read_table(_write(tmp_path, _xlsx(rows)), wide)
    with pytest.raises(ImportRefused, match="more than 3 rows"):
        read_table(
            _write(tmp_path, b"kpi_code,month,value\n" + b"a,2026-01,1\n" * 5, "l.csv"), wide
        )


# --- The service and the pages (database) -------------------------------------------------


@pytest.fixture(autouse=True)
def _june_2026(monkeypatch):
    """Actuals are taken up to the current month; the tests live in June 2026."""
    monkeypatch.setattr(service, "import_open_until", lambda today=None: dt.date(2026, 6, 1))


@pytest.fixture
def kpis(people):
    return {
        "pipeline": KpiFactory(
            plan=people.plan, department=people.sales, code="pipeline", name="Pipeline"
        ),
        "mql": KpiFactory(plan=people.plan, department=people.marketing, code="mql", name="MQLs"),
    }


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.IMPORT_DIR = str(tmp_path / "imports")


def _upload(client, plan, kind, data: bytes, name="values.xlsx"):
    url = reverse("tracking:import-upload", args=[plan.pk, kind])
    return client.post(url, {f"{kind}-file": SimpleUploadedFile(name, data)})


def _validate(people, user, data: bytes, kind="measurements", name="values.xlsx"):
    return service.import_validate(
        plan=people.plan, user=user, kind=kind, upload=SimpleUploadedFile(name, data)
    )


def test_a_file_with_errors_writes_nothing_and_lists_every_row(people, kpis, client_for):
    data = _xlsx(
        [
            ["pipeline", None, "2026-03", 10],
            ["nope", None, "2026-03", 1],
            ["pipeline", None, "2026-13", 1],
        ]
    )
    response = _upload(client_for(people.leader), people.plan, "measurements", data)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.state == ImportJob.State.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "kpi_code"), (4, "month")]
    page = client_for(people.leader).get(response.url)
    assert "There is no KPI with the code “nope”" in page.content.decode()
    assert page.context["job"].errors[0]["row"] == 3
    assert Measurement.objects.count() == 0
    forced = client_for(people.leader).post(
        reverse("tracking:import-commit", args=[people.plan.pk, job.pk])
    )
    assert forced.status_code == 302
    assert Measurement.objects.count() == 0


def test_preview_then_import_writes_every_row(people, kpis, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales)
    data = _xlsx([["pipeline", None, "2026-03", 10], [None, goal.pk, "2026-03", 2.5]])
    client = client_for(people.head_sales)
    response = _upload(client, people.plan, "measurements", data)
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.PREVIEW
    assert job.summary["counts"] == {"insert": 2, "replace": 0, "unchanged": 0}
    assert Measurement.objects.count() == 0  # nothing before the click
    preview = client.get(response.url).content.decode()
    assert "Import 2 rows" in preview
    client.post(reverse("tracking:import-commit", args=[people.plan.pk, job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert job.summary["written"] == {"inserted": 2, "replaced": 0}
    stored = {(m.kpi_id, m.goal_id): m for m in Measurement.objects.all()}
    assert stored[(kpis["pipeline"].pk, None)].value == Decimal("10")
    assert stored[(None, goal.pk)].value == Decimal("2.5")
    assert stored[(None, goal.pk)].source == "import"
    assert stored[(None, goal.pk)].entered_by == people.head_sales


def test_importing_again_replaces_the_value_and_history_keeps_the_old_one(people, kpis):
    old = MeasurementFactory(
        plan=people.plan,
        goal=None,
        kpi=kpis["pipeline"],
        period=dt.date(2026, 3, 1),
        value=Decimal("7"),
    )
    job = _validate(
        people,
        people.leader,
        _xlsx([["pipeline", None, "2026-03", 9], ["pipeline", None, "2026-04", 1]]),
    )
    assert job.summary["counts"] == {"insert": 1, "replace": 1, "unchanged": 0}
    assert job.summary["sample"][0]["old"] == 7.0
    service.import_commit(job=job, user=people.leader)
    old.refresh_from_db()
    assert old.value == Decimal("9")
    assert old.version == 2
    history = list(old.history.order_by("history_date", "history_id"))
    assert [h.value for h in history] == [Decimal("7"), Decimal("9")]
    assert history[-1].history_type == "~"
    assert history[-1].history_user == people.leader
    assert "values.xlsx" in history[-1].history_change_reason
    new = Measurement.objects.get(period=dt.date(2026, 4, 1))
    assert new.history.get().history_type == "+"


def test_every_row_written_gets_one_history_row_and_nothing_else_changes(people, kpis):
    goal = GoalFactory(plan=people.plan, department=people.sales)
    untouched = MeasurementFactory(plan=people.plan, goal=goal, period=dt.date(2026, 1, 1))
    MeasurementFactory(plan=people.plan, goal=goal, period=dt.date(2026, 2, 1), value=Decimal("3"))
    rows = [
        ["pipeline", None, "2026-01", 1],  # new
        [None, goal.pk, "2026-02", 4],  # replaces 3
        [None, goal.pk, "2026-03", 5],  # new
    ]
    before = Measurement.history.count()
    job = _validate(people, people.leader, _xlsx(rows))
    job = service.import_commit(job=job, user=people.leader)
    assert job.summary["written"] == {"inserted": 2, "replaced": 1}
    assert Measurement.history.count() == before + 3
    assert sorted(
        Measurement.history.filter(history_user=people.leader).values_list(
            "history_type", flat=True
        )
    ) == ["+", "+", "~"]
    untouched.refresh_from_db()
    assert untouched.version == 1 and untouched.value == Decimal("1")


def test_the_commit_writes_against_what_is_stored_then_not_what_the_preview_saw(people, kpis):
    march, april = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    cleared = MeasurementFactory(
        plan=people.plan, goal=None, kpi=kpis["pipeline"], period=march, value=Decimal("7")
    )
    job = _validate(
        people,
        people.leader,
        _xlsx([["pipeline", None, "2026-03", 9], ["pipeline", None, "2026-04", 1]]),
    )
    assert job.summary["counts"] == {"insert": 1, "replace": 1, "unchanged": 0}
    # Meanwhile someone clears March and types a value for April in the month grid.
    cleared.delete()
    typed = MeasurementFactory(
        plan=people.plan, goal=None, kpi=kpis["pipeline"], period=april, value=Decimal("5")
    )
    job = service.import_commit(job=job, user=people.leader)
    assert job.summary["written"] == {"inserted": 1, "replaced": 1}
    stored = dict(Measurement.objects.values_list("period", "value"))
    assert stored == {march: Decimal("9"), april: Decimal("1")}
    typed.refresh_from_db()
    assert typed.version == 2
    assert [h.history_type for h in typed.history.order_by("history_id")] == ["+", "~"]
    assert Measurement.history.filter(period=march, history_type="+").count() == 2


def test_a_value_equal_to_the_stored_one_is_left_alone(people, kpis):
    same = MeasurementFactory(
        plan=people.plan,
        goal=None,
        kpi=kpis["pipeline"],
        period=dt.date(2026, 3, 1),
        value=Decimal("7"),
    )
    job = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-03", 7]]))
    assert job.summary["counts"] == {"insert": 0, "replace": 0, "unchanged": 1}
    service.import_commit(job=job, user=people.leader)
    same.refresh_from_db()
    assert same.version == 1
    assert same.history.count() == 1


def test_the_commit_is_all_or_nothing(people, kpis, monkeypatch):
    job = _validate(
        people,
        people.leader,
        _xlsx([["pipeline", None, "2026-03", 1], ["pipeline", None, "2026-04", 2]]),
    )

    def broken(**kwargs):
        raise RuntimeError("the alert queue is down")

    monkeypatch.setattr("tracking.services.alerts.alerts_schedule_recompute", broken)
    job = service.import_commit(job=job, user=people.leader)
    assert job.state == ImportJob.State.FAILED
    assert "nothing was written" in job.message
    assert Measurement.objects.count() == 0
    assert Measurement.history.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_value_typed_while_the_import_is_written_is_replaced_and_kept_in_history(
    people, kpis, monkeypatch
):
    """Someone saves March in the month grid after the import looked for stored rows and
    before it inserts its own: that attempt fails on the unique key, nothing of it is kept,
    and the import is written again over the typed value, which the history keeps."""
    import threading

    from django.db import connection, connections

    from tests.conftest import needs_service
    from tracking.services.measurements import MeasurementCell, measurements_save

    needs_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    march = dt.date(2026, 3, 1)
    job = _validate(
        people,
        people.leader,
        _xlsx([["pipeline", None, "2026-03", 7], ["pipeline", None, "2026-04", 8]]),
    )
    real = service._pg_forget_vanished
    attempts = []

    def type_march():  # the grid's save, on its own connection
        try:
            measurements_save(
                plan=people.plan,
                user=people.head_sales,
                cells=[MeasurementCell("kpi", kpis["pipeline"].pk, march, "5")],
                today=dt.date(2026, 6, 15),
            )
        finally:
            connections.close_all()

    def typed_meanwhile(*args):
        attempts.append(1)
        if len(attempts) == 1:
            save = threading.Thread(target=type_march)
            save.start()
            save.join(timeout=30)
        return real(*args)

    monkeypatch.setattr(service, "_pg_forget_vanished", typed_meanwhile)
    job = service.import_commit(job=job, user=people.leader)
    assert job.state == ImportJob.State.DONE
    assert len(attempts) == 2
    assert job.summary["written"] == {"inserted": 1, "replaced": 1}
    value = Measurement.objects.get(kpi=kpis["pipeline"], period=march)
    assert (value.value, value.version, value.source) == (Decimal("7"), 2, "import")
    history = value.history.order_by("history_id")
    assert [(h.value, h.history_type) for h in history] == [
        (Decimal("5"), "+"),
        (Decimal("7"), "~"),
    ]
    assert Measurement.objects.filter(kpi=kpis["pipeline"]).count() == 2


def test_a_kpi_deleted_between_preview_and_import_stops_the_import(people, kpis):
    job = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-03", 1]]))
    kpis["pipeline"].delete()
    job = service.import_commit(job=job, user=people.leader)
    assert job.state == ImportJob.State.INVALID
    assert job.errors[0]["row"] == 2
    assert Measurement.objects.count() == 0


def test_clicking_import_twice_imports_once(people, kpis):
    job = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-03", 1]]))
    service.import_commit(job=job, user=people.leader)
    again = service.import_commit(job=job, user=people.leader)
    assert again.state == ImportJob.State.DONE
    assert Measurement.history.count() == 1


def test_spend_import_replaces_amounts_and_keeps_history(people):
    old = SpendFactory(
        plan=people.plan, department=people.sales, month=dt.date(2026, 2, 1), amount=Decimal("100")
    )
    csv = (
        "department_code,category,month,amount\n"
        "sales,opex,2026-02,150\n"
        "Marketing,capex,2026-02,20\n"
    )
    job = _validate(people, people.finance, csv.encode(), kind="spend", name="spend.csv")
    assert job.state == ImportJob.State.PREVIEW, job.errors
    service.import_commit(job=job, user=people.finance)
    old.refresh_from_db()
    assert old.amount == Decimal("150")
    assert [h.amount for h in old.history.order_by("history_date")] == [
        Decimal("100"),
        Decimal("150"),
    ]
    assert Spend.objects.get(department=people.marketing).category == "capex"


def test_large_files_are_written_by_the_celery_task_with_progress(
    people, kpis, settings, client_for, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 2
    rows = [["pipeline", None, f"2026-0{m}", m] for m in range(1, 6)]
    job = _validate(people, people.leader, _xlsx(rows))
    client = client_for(people.leader)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("tracking:import-commit", args=[people.plan.pk, job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.RUNNING
    polled = client.get(
        reverse("tracking:import-progress", args=[people.plan.pk, job.pk]),
        headers={"HX-Request": "true"},
    )
    assert 'hx-trigger="every 1s"' in polled.content.decode()
    assert Measurement.objects.count() == 0
    for callback in callbacks:  # the worker, in-process (eager)
        callback()
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Measurement.objects.count() == 5
    done = client.get(
        reverse("tracking:import-progress", args=[people.plan.pk, job.pk]),
        headers={"HX-Request": "true"},
    )
    assert done["HX-Refresh"] == "true"
    assert "every 1s" not in done.content.decode()


def test_alerts_are_recomputed_after_an_import(people, kpis, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "tracking.services.alerts.alerts_schedule_recompute", lambda **kwargs: calls.append(kwargs)
    )
    job = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-03", 1]]))
    service.import_commit(job=job, user=people.leader)
    assert calls == [{"plan_id": people.plan.pk}]


# --- Who may import what ------------------------------------------------------------------


def test_a_head_may_import_only_rows_of_their_department(people, kpis):
    data = _xlsx([["pipeline", None, "2026-03", 1], ["mql", None, "2026-03", 1]])
    job = _validate(people, people.head_sales, data)
    assert job.state == ImportJob.State.INVALID
    assert job.errors == [
        {
            "row": 3,
            "column": "kpi_code",
            "message": "You may not enter values for MQLs (Marketing).",
        }
    ]


def test_a_contributor_may_import_their_department_and_leadership_everything(people, kpis):
    data = _xlsx([["pipeline", None, "2026-03", 1], ["mql", None, "2026-03", 1]])
    assert _validate(people, people.contributor_sales, data).errors[0]["row"] == 3
    assert _validate(people, people.leader, data).state == ImportJob.State.PREVIEW


def test_the_owner_of_a_goal_may_import_its_values_from_another_department(people, kpis):
    goal = GoalFactory(plan=people.plan, department=people.marketing, owner=people.head_sales)
    job = _validate(people, people.head_sales, _xlsx([[None, goal.pk, "2026-03", 1]]))
    assert job.state == ImportJob.State.PREVIEW


@pytest.mark.parametrize(
    "who, kind, status",
    [
        ("leader", "measurements", 302),
        ("head_sales", "measurements", 302),
        ("contributor_sales", "measurements", 302),
        ("finance", "measurements", 403),
        ("viewer", "measurements", 403),
        ("outsider", "measurements", 404),
        ("finance", "spend", 302),
        ("leader", "spend", 302),
        ("head_sales", "spend", 403),
        ("contributor_sales", "spend", 403),
        ("viewer", "spend", 403),
    ],
)
def test_who_may_upload_which_kind(people, kpis, client_for, who, kind, status):
    data = (
        _xlsx([["pipeline", None, "2026-03", 1]])
        if kind == "measurements"
        else b"department_code,category,month,amount\nsales,opex,2026-01,1\n"
    )
    response = _upload(client_for(getattr(people, who)), people.plan, kind, data, "f.xlsx")
    assert response.status_code == status


def test_only_the_uploader_imports_and_others_do_not_see_the_job(people, kpis, client_for):
    job = _validate(people, people.head_sales, _xlsx([["pipeline", None, "2026-03", 1]]))
    detail = reverse("tracking:import-detail", args=[people.plan.pk, job.pk])
    commit = reverse("tracking:import-commit", args=[people.plan.pk, job.pk])
    assert client_for(people.contributor_sales).get(detail).status_code == 404
    assert client_for(people.leader).get(detail).status_code == 200
    assert client_for(people.leader).post(commit).status_code == 403
    assert Measurement.objects.count() == 0


def test_the_page_offers_each_person_only_what_they_may_import(people, kpis, client_for):
    url = reverse("tracking:import-list", args=[people.plan.pk])
    kinds = {k["kind"]: k["allowed"] for k in client_for(people.finance).get(url).context["kinds"]}
    assert kinds == {"measurements": False, "spend": True}
    kinds = {
        k["kind"]: k["allowed"] for k in client_for(people.head_sales).get(url).context["kinds"]
    }
    assert kinds == {"measurements": True, "spend": False}
    assert client_for(people.outsider).get(url).status_code == 404


def test_the_page_shows_the_api_command_with_a_kpi_the_person_may_push(people, kpis, client_for):
    url = reverse("tracking:import-list", args=[people.plan.pk])
    page = client_for(people.head_marketing).get(url).content.decode()
    api = reverse("api:measurements", args=[people.plan.pk])
    assert f"http://testserver{api}" in page
    assert "curl -u head_marketing:PASSWORD" in page
    assert '"kpi": "mql"' in page  # Marketing's KPI, not Sales' pipeline


# --- Hostile uploads through the page: a clear message, never a 500 -----------------------


def test_an_oversized_upload_is_refused_with_a_message(people, kpis, client_for, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = _upload(client_for(people.leader), people.plan, "measurements", b"x" * 5000)
    assert response.status_code == 400
    assert "larger than" in response.content.decode() or "at most" in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        _zip_bomb(8_000_000),
        b"\x89PNG\r\n\x1a\n" + b"\0" * 50,
        b"kpi_code,month\npipeline,2026-03\n",
        b"PK\x03\x04garbage",
        b'kpi_code,month,value\n"unterminated,2026-01,1\n',
    ],
)
def test_hostile_or_broken_files_get_a_message_next_to_the_field(people, kpis, client_for, data):
    response = _upload(client_for(people.leader), people.plan, "measurements", data)
    assert response.status_code == 400
    form = next(k["form"] for k in response.context["kinds"] if k["kind"] == "measurements")
    assert form.errors
    assert ImportJob.objects.count() == 0


def test_uploads_still_need_the_csrf_token(people, kpis):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people.leader)
    response = _upload(
        client, people.plan, "measurements", _xlsx([["pipeline", None, "2026-03", 1]])
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_wrong_types_in_cells_are_row_errors(tmp_path):
    data = _xlsx(
        [
            ["pipeline", None, "2026-03", True],
            ["pipeline", None, "2026-04", dt.datetime(2026, 1, 1)],
            ["pipeline", None, 202603, 5],
        ]
    )
    checked = check_measurements(read_table(_write(tmp_path, data), LIMITS), _codes())
    assert [(e["row"], e["column"]) for e in checked.errors] == [
        (2, "value"),
        (3, "value"),
        (4, "month"),
    ]


def test_discarding_a_preview_forgets_it(people, kpis, client_for):
    job = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-03", 1]]))
    rows_file = service.import_dir() / job.stored_path
    assert rows_file.exists()
    client_for(people.leader).post(
        reverse("tracking:import-discard", args=[people.plan.pk, job.pk])
    )
    assert not ImportJob.objects.exists()
    assert not rows_file.exists()


def test_previews_left_for_two_days_are_forgotten(people, kpis):
    from django.utils import timezone

    old = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-03", 1]]))
    rows_file = service.import_dir() / old.stored_path
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    done = _validate(people, people.leader, _xlsx([["pipeline", None, "2026-04", 1]]))
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [done.pk]
    assert not rows_file.exists()


def test_the_import_page_costs_the_same_queries_with_more_kpis_and_jobs(people, kpis, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(people.head_sales)
    url = reverse("tracking:import-list", args=[people.plan.pk])
    _validate(people, people.head_sales, _xlsx([["pipeline", None, "2026-03", 1]]))
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(8):
        KpiFactory(plan=people.plan, department=people.sales, code=f"extra-{n}")
        _validate(people, people.head_sales, _xlsx([[f"extra-{n}", None, "2026-03", n]]))
    with CaptureQueriesContext(connection) as big:
        client.get(url)
    assert len(big) == len(small)


# --- Templates ---------------------------------------------------------------------------


def test_the_xlsx_template_lists_the_codes_the_person_may_import(people, kpis, client_for):
    url = reverse("tracking:import-template", args=[people.plan.pk, "measurements", "xlsx"])
    response = client_for(people.head_sales).get(url)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Measurements"
    assert [c.value for c in book["Measurements"][1]] == ["kpi_code", "goal_id", "month", "value"]
    codes = [row[0].value for row in book["KPIs"].iter_rows(min_row=2)]
    assert codes == ["pipeline"]


def test_a_filled_in_template_imports_as_it_is(people, kpis, client_for, tmp_path):
    url = reverse("tracking:import-template", args=[people.plan.pk, "measurements", "xlsx"])
    book = load_workbook(io.BytesIO(client_for(people.leader).get(url).content))
    book["Measurements"].append(["pipeline", None, "2026-05", 42])
    out = io.BytesIO()
    book.save(out)
    job = _validate(people, people.leader, out.getvalue())
    assert job.state == ImportJob.State.PREVIEW, job.errors


def test_csv_templates_hold_the_header(people, client_for):
    url = reverse("tracking:import-template", args=[people.plan.pk, "spend", "csv"])
    response = client_for(people.finance).get(url)
    assert response.content == b"department_code,category,month,amount\r\n"
    assert client_for(people.viewer).get(url).status_code == 403


def test_imports_module_has_no_database_access():
    source = Path(imports.__file__).read_text()
    assert "django.db" not in source and "objects." not in source
