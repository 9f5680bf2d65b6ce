"""A head of Sales imports KPI values from Excel: a file with mistakes is checked and every
problem shown with its row; nothing is written; the corrected file is imported; the values
appear in the month grid."""

import datetime as dt

import pytest
from openpyxl import Workbook

from tests.factories import KpiFactory
from tracking.models import Measurement
from tracking.services import imports as service

pytestmark = pytest.mark.browser


def _xlsx(tmp_path, name, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "Measurements"
    sheet.append(["kpi_code", "goal_id", "month", "value"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


@pytest.fixture
def sales_kpis(people, monkeypatch, settings, tmp_path):
    monkeypatch.setattr(service, "import_open_until", lambda today=None: dt.date(2026, 6, 1))
    settings.IMPORT_DIR = str(tmp_path / "imports")
    return [
        KpiFactory(plan=people.plan, department=people.sales, code="pipeline", name="Pipeline"),
        KpiFactory(plan=people.plan, department=people.marketing, code="mql", name="MQLs"),
    ]


def test_import_with_mistakes_then_fixed(page, login, shot, people, sales_kpis, tmp_path):
    broken = _xlsx(
        tmp_path,
        "march.xlsx",
        [
            ["pipeline", None, "2026-03", 1234.5],
            ["pipline", None, "2026-03", 10],  # row 3: typo in the code
            ["pipeline", None, "March", 10],  # row 4: not a month
            ["mql", None, "2026-03", 10],  # row 5: Marketing's KPI
        ],
    )
    fixed = _xlsx(
        tmp_path,
        "march-fixed.xlsx",
        [
            ["pipeline", None, "2026-03", 1234.5],
            ["pipeline", None, "2026-04", 1500],
        ],
    )
    login(page, people.head_sales)
    page.goto(f"/plans/{people.plan.pk}/imports/")
    assert page.locator("h1").inner_text() == "Import & export"
    page.set_input_files("#id_measurements-file", broken)
    page.click("#import-measurements button[type=submit]")
    page.wait_for_selector("table.problems")
    rows = page.locator("table.problems tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == ["3", "4", "5"]
    assert "pipline" in rows.nth(0).inner_text()
    assert "YYYY-MM" in rows.nth(1).inner_text()
    assert "You may not enter values for MQLs" in rows.nth(2).inner_text()
    assert page.locator("#import-button").count() == 0
    shot(page, "import-journey-1-errors")
    assert Measurement.objects.count() == 0

    page.set_input_files("#id_measurements-file", fixed)
    page.click(".reupload button[type=submit]")
    page.wait_for_selector("#import-button")
    assert "Import 2 rows" in page.locator("#import-button").inner_text()
    shot(page, "import-journey-2-preview")
    assert Measurement.objects.count() == 0

    page.click("#import-button")
    page.wait_for_selector(".import-done")
    shot(page, "import-journey-3-done")
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [1234.5, 1500]

    page.click(".import-done a.button")
    page.wait_for_load_state("networkidle")
    values = page.eval_on_selector_all(
        "input", "els => els.map(e => e.value).filter(v => v).join(' ')"
    )
    assert "1,234.5" in values or "1234.5" in values or "1.234,5" in values
    assert not page.console_errors
