"""The whole plan as one Excel workbook (SPEC §5): every part of the plan, text never turned
into formulas, a fixed number of queries whatever the plan's size."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from planning.models import Membership
from tests.factories import (
    BudgetLineFactory,
    DepartmentFactory,
    GoalCheckpointFactory,
    GoalFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MembershipFactory,
    MilestoneFactory,
    PriorityFactory,
    ResourceRequirementFactory,
    SpendFactory,
    SwotEntryFactory,
    UserFactory,
)
from tracking import exports
from tracking.models import Alert

EVIL = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
]


def _add_department(plan, n: int, title: str = ""):
    """One department with a bit of everything, so that a bigger plan has more of each."""
    department = DepartmentFactory(plan=plan, name=f"Dept {n}", code=f"d{n}")
    user = UserFactory(username=f"member{n}")
    MembershipFactory(
        user=user, plan=plan, role=Membership.Role.DEPARTMENT_HEAD, department=department
    )
    swot = SwotEntryFactory(plan=plan, department=department, title=f"SWOT {n}")
    priority = PriorityFactory(plan=plan, title=f"Priority {n}")
    goal = GoalFactory(plan=plan, department=department, owner=user, title=title or f"Goal {n}")
    goal.swot_entries.add(swot)
    goal.priorities.add(priority)
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    GoalCheckpointFactory(goal=goal, quarter=2, planned_value=Decimal("4"))
    first = InitiativeFactory(plan=plan, department=department, goal=goal, owner=user)
    second = InitiativeFactory(plan=plan, department=department, goal=goal, owner=user)
    second.depends_on.add(first)
    MilestoneFactory(initiative=first)
    ResourceRequirementFactory(plan=plan, goal=goal, urgent=True, important=True)
    ResourceRequirementFactory(plan=plan, goal=None, initiative=first)
    for month in (1, 2):
        BudgetLineFactory(plan=plan, department=department, month=dt.date(2026, month, 1))
        SpendFactory(plan=plan, department=department, month=dt.date(2026, month, 1))
    kpi = KpiFactory(plan=plan, department=department, goal=goal, code=f"kpi-{n}")
    KpiTargetFactory(kpi=kpi, month=dt.date(2026, 1, 1))
    MeasurementFactory(plan=plan, goal=None, kpi=kpi, period=dt.date(2026, 1, 1))
    MeasurementFactory(plan=plan, goal=goal, period=dt.date(2026, 1, 1))
    Alert.objects.create(
        plan=plan,
        rule=Alert.Rule.GOAL_BEHIND,
        subject_type="goal",
        subject_id=goal.pk,
        period=dt.date(2026, 3, 1),
        department=department,
        owner=user,
        facts={"text": f"{goal.title} is behind"},
    )
    return department, goal


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _column(sheet, name: str) -> list:
    header = [c.value for c in sheet[1]]
    index = header.index(name)
    return [row[index].value for row in sheet.iter_rows(min_row=2)]


def test_the_workbook_holds_every_part_of_the_plan(people):
    _department, goal = _add_department(people.plan, 1, title="Hire four enterprise AEs")
    Alert.objects.create(
        plan=people.plan,
        rule=Alert.Rule.BURN_EARLY,
        subject_type="department",
        subject_id=1,
        period=dt.date(2026, 4, 1),
        facts={"text": "resolved one"},
        state=Alert.State.RESOLVED,
    )
    book = _book(exports.plan_workbook(people.plan))
    assert book.sheetnames == [
        "Plan",
        "Departments",
        "Members",
        "Priorities",
        "SWOT",
        "Goals",
        "Initiatives",
        "Milestones",
        "Resources",
        "Budget",
        "KPIs",
        "Measurements",
        "Spend",
        "Open alerts",
    ]
    assert "Hire four enterprise AEs" in _column(book["Goals"], "Title")
    goal_row = _column(book["Goals"], "goal_id").index(goal.pk) + 2
    header = [c.value for c in book["Goals"][1]]
    assert book["Goals"].cell(goal_row, header.index("Q2") + 1).value == 4
    assert "Department head" in _column(book["Members"], "Role")
    assert {"Sales", "Marketing", "Dept 1"} <= set(_column(book["Departments"], "Name"))
    assert _column(book["KPIs"], "kpi_code") == ["kpi-1"]
    assert _column(book["KPIs"], "Target 2026-01") == [10]
    initiative_ids = _column(book["Initiatives"], "initiative_id")
    depends = _column(book["Initiatives"], "Depends on (initiative ids)")
    assert [d for d in depends if d] == [str(initiative_ids[0])]
    assert "Do now" in _column(book["Resources"], "Quadrant")
    assert _column(book["Budget"], "2026-01") == [1000]
    assert _column(book["Budget"], "Year") == [2000]
    assert _column(book["Measurements"], "month") == ["2026-01", "2026-01"]
    assert _column(book["Spend"], "department_code") == ["d1", "d1"]
    assert _column(book["Open alerts"], "Message") == ["Hire four enterprise AEs is behind"]


@pytest.mark.parametrize("text", EVIL)
def test_text_that_looks_like_a_formula_stays_text(people, text):
    department, goal = _add_department(people.plan, 1, title=text)
    goal.description = text
    goal.save()
    data = exports.plan_workbook(people.plan)
    sheet = _book(data)["Goals"]
    header = [c.value for c in sheet[1]]
    title = sheet.cell(2, header.index("Title") + 1)
    assert title.value == text
    assert title.data_type == "s"
    assert title.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_negative_numbers_stay_numbers(people):
    _department, goal = _add_department(people.plan, 1)
    goal.baseline = Decimal("-5")
    goal.save()
    sheet = _book(exports.plan_workbook(people.plan))["Goals"]
    assert _column(sheet, "Baseline") == [-5]


def test_the_number_of_queries_does_not_grow_with_the_plan(people):
    _add_department(people.plan, 1)
    with CaptureQueriesContext(connection) as small:
        exports.plan_workbook(people.plan)
    for n in range(2, 7):
        _add_department(people.plan, n)
    with CaptureQueriesContext(connection) as big:
        data = exports.plan_workbook(people.plan)
    assert len(_column(_book(data)["Goals"], "goal_id")) == 6
    assert len(big) == len(small) <= 20


def test_every_member_may_export_and_outsiders_see_nothing(people, client_for):
    _add_department(people.plan, 1)
    url = reverse("tracking:export-plan", args=[people.plan.pk])
    response = client_for(people.viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    assert _book(response.content)["Plan"]["B2"].value == "FY 2026"
    assert client_for(people.outsider).get(url).status_code == 404


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_exported_measurements_sheet_imports_again(
    people, settings, tmp_path, monkeypatch, language
):
    """Round trip: the Measurements sheet uses the import columns, so a person can edit it
    and upload the workbook as it is — also when it was exported in German ("Messwerte")."""
    from django.utils import translation

    from tracking.services import imports as service

    settings.IMPORT_DIR = str(tmp_path)
    monkeypatch.setattr(service, "import_open_until", lambda today=None: dt.date(2026, 6, 1))
    _add_department(people.plan, 1)
    with translation.override(language):
        data = exports.plan_workbook(people.plan)
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = service.import_validate(
        plan=people.plan,
        user=people.leader,
        kind="measurements",
        upload=SimpleUploadedFile("plan.xlsx", data),
    )
    assert job.errors == []
    assert job.summary["counts"] == {"insert": 0, "replace": 0, "unchanged": 2}
