"""Entering KPI and goal values in the month grid (SPEC §2 step 5, §3 Measurement)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    GoalCheckpointFactory,
    GoalFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    PlanFactory,
    UserFactory,
)
from tracking.cells import (
    MEASUREMENT_RULES,
    MONEY_RULES,
    CellError,
    CellsRejected,
    format_value,
    parse_value,
)
from tracking.forms import MonthGridForm
from tracking.models import Measurement
from tracking.services import measurements as measurement_service
from tracking.services.measurements import MeasurementCell, cell_key, measurements_save

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


# ---------------------------------------------------------------------------------------------
# Reading a cell (pure, no database)


@pytest.mark.parametrize(
    ("typed", "separator", "expected"),
    [
        ("1234.5", ".", "1234.5"),
        ("1,234.5", ".", "1234.5"),
        ("1.234,5", ",", "1234.5"),
        ("1,5", ",", "1.5"),
        (" 12 % ", ".", "12"),
        ("-3", ".", "-3"),
        ("1 234 567", ".", "1234567"),
        ("0.123456", ".", "0.1235"),
        (".5", ".", "0.5"),
    ],
)
def test_a_typed_number_is_read_in_the_language_of_the_person(typed, separator, expected):
    assert parse_value(typed, decimal_separator=separator) == Decimal(expected)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_an_empty_cell_means_no_value(typed):
    assert parse_value(typed) is None


@pytest.mark.parametrize("typed", ["abc", "12abc", "1,5", "1.2.3", "%", "-", "1e5", "NaN", "inf"])
def test_text_that_is_not_a_number_is_refused_with_a_message(typed):
    with pytest.raises(CellError) as error:
        parse_value(typed, decimal_separator=".")
    assert "Enter a number" in error.value.message


def test_a_german_decimal_point_is_not_mistaken_for_thousands():
    with pytest.raises(CellError) as error:
        parse_value("1.5", decimal_separator=",")
    assert "like 1.234,5" in error.value.message


def test_a_number_beyond_what_can_be_stored_is_refused():
    assert parse_value("999999999999", rules=MEASUREMENT_RULES) == Decimal("999999999999")
    with pytest.raises(CellError, match="too large"):
        parse_value("1000000000000", rules=MEASUREMENT_RULES)


def test_money_cannot_be_negative():
    with pytest.raises(CellError, match="positive"):
        parse_value("-10", rules=MONEY_RULES)


@pytest.mark.parametrize("value", ["0", "1234.5", "-1234567.25", "0.0001", "100", "1000000"])
@pytest.mark.parametrize("separator", [".", ","])
def test_a_shown_value_reads_back_as_the_same_value(value, separator):
    shown = format_value(Decimal(value), decimal_separator=separator)
    assert parse_value(shown, decimal_separator=separator) == Decimal(value)


def test_values_are_shown_with_thousands_and_without_trailing_zeros():
    assert format_value(Decimal("1234.5000")) == "1,234.5"
    assert format_value(Decimal("1234.5000"), decimal_separator=",") == "1.234,5"
    assert format_value(None) == ""


def test_only_cells_whose_text_changed_count_as_typed():
    state = {"kpi-1:2026-01": [3, "12"], "kpi-1:2026-02": [0, ""], "kpi-1:2026-03": [2, "7"]}
    form = MonthGridForm(
        {
            "grid_state": json.dumps(state),
            "cell.kpi-1:2026-01": "12",
            "cell.kpi-1:2026-02": "5",
            "cell.kpi-1:2026-03": "",
        }
    )
    typed = form.typed_cells()
    assert set(typed) == {"kpi-1:2026-02", "kpi-1:2026-03"}
    assert typed["kpi-1:2026-03"].version == 2


def test_a_damaged_grid_state_counts_every_filled_cell_as_typed_from_empty():
    form = MonthGridForm({"grid_state": "not json", "cell.kpi-1:2026-01": "4"})
    assert form.typed_cells()["kpi-1:2026-01"].version == 0


# ---------------------------------------------------------------------------------------------
# Saving (service)


@pytest.fixture
def sales_kpi(people):
    return KpiFactory(plan=people.plan, department=people.sales, name="Qualification rate")


@pytest.fixture
def marketing_kpi(people):
    return KpiFactory(plan=people.plan, department=people.marketing, name="Campaign conversion")


def _cell(kpi, raw, period=JAN, version=0, kind="kpi"):
    return MeasurementCell(kind, kpi.pk, period, raw, version)


def test_a_new_value_replaces_the_old_one_and_history_keeps_both(people, sales_kpi):
    user = people.contributor_sales
    measurements_save(plan=people.plan, user=user, cells=[_cell(sales_kpi, "20")])
    first = Measurement.objects.get(kpi=sales_kpi, period=JAN)
    measurements_save(
        plan=people.plan, user=user, cells=[_cell(sales_kpi, "24", version=first.version)]
    )
    rows = Measurement.objects.filter(kpi=sales_kpi, period=JAN)
    assert rows.count() == 1
    assert rows.get().value == Decimal("24")
    history = sorted(h.value for h in Measurement.history.filter(kpi_id=sales_kpi.pk, period=JAN))
    assert history == [Decimal("20"), Decimal("24")]


def test_a_save_records_who_entered_the_value_and_how(people, sales_kpi):
    measurements_save(
        plan=people.plan, user=people.head_sales, cells=[_cell(sales_kpi, "5")], source="api"
    )
    row = Measurement.objects.get(kpi=sales_kpi)
    assert (row.entered_by, row.source) == (people.head_sales, "api")


def test_deleting_a_person_keeps_their_values_and_history_without_them(people, sales_kpi):
    """Who entered a value is kept in step by Django, not by a database constraint (imports
    are faster without it): deleting the person must still clear it everywhere."""
    person = people.contributor_sales
    measurements_save(plan=people.plan, user=person, cells=[_cell(sales_kpi, "5")])
    person.delete()
    row = Measurement.objects.get(kpi=sales_kpi)
    assert row.entered_by_id is None and row.value == Decimal("5")
    history = Measurement.history.filter(kpi_id=sales_kpi.pk)
    assert history.count() == 1 and history.get().history_user_id is None


def test_emptying_a_cell_removes_the_value_and_history_keeps_it(people, sales_kpi):
    row = MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None, value=Decimal("8"))
    summary = measurements_save(
        plan=people.plan, user=people.leader, cells=[_cell(sales_kpi, "", version=row.version)]
    )
    assert summary.deleted == 1
    assert not Measurement.objects.filter(kpi=sales_kpi).exists()
    kinds = sorted(h.history_type for h in Measurement.history.filter(kpi_id=sales_kpi.pk))
    assert kinds == ["+", "-"]


def test_saving_the_same_value_again_writes_nothing(people, sales_kpi):
    row = MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None, value=Decimal("8"))
    summary = measurements_save(
        plan=people.plan, user=people.leader, cells=[_cell(sales_kpi, "8.0", version=row.version)]
    )
    assert (summary.changed, summary.unchanged) == (0, 1)
    assert Measurement.history.filter(kpi_id=sales_kpi.pk).count() == 1


def test_one_bad_cell_saves_nothing_and_says_which_cell(people, sales_kpi):
    cells = [_cell(sales_kpi, "12", period=JAN), _cell(sales_kpi, "twelve", period=FEB)]
    with pytest.raises(CellsRejected) as rejected:
        measurements_save(plan=people.plan, user=people.leader, cells=cells)
    assert set(rejected.value.problems) == {cell_key("kpi", sales_kpi.pk, FEB)}
    assert not Measurement.objects.exists()


def test_a_month_outside_the_plan_year_is_refused(people, sales_kpi):
    with pytest.raises(CellsRejected) as rejected:
        measurements_save(
            plan=people.plan, user=people.leader, cells=[_cell(sales_kpi, "1", dt.date(2027, 1, 1))]
        )
    assert "outside the plan year" in next(iter(rejected.value.problems.values())).message


def test_a_month_that_has_not_started_takes_no_value(people, sales_kpi):
    with pytest.raises(CellsRejected) as rejected:
        measurements_save(
            plan=people.plan,
            user=people.leader,
            cells=[_cell(sales_kpi, "1", period=MAR)],
            today=dt.date(2026, 2, 15),
        )
    assert "not started" in next(iter(rejected.value.problems.values())).message
    measurements_save(
        plan=people.plan,
        user=people.leader,
        cells=[_cell(sales_kpi, "1", period=FEB)],
        today=dt.date(2026, 2, 15),
    )
    assert Measurement.objects.filter(kpi=sales_kpi, period=FEB).exists()


def test_two_saves_from_the_same_version_tell_the_second_saver_with_both_values(people, sales_kpi):
    row = MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None, value=Decimal("10"))
    started_from = row.version
    measurements_save(
        plan=people.plan,
        user=people.head_sales,
        cells=[_cell(sales_kpi, "11", version=started_from)],
    )
    with pytest.raises(CellsRejected) as rejected:
        measurements_save(
            plan=people.plan,
            user=people.contributor_sales,
            cells=[_cell(sales_kpi, "12", version=started_from)],
        )
    problem = rejected.value.problems[cell_key("kpi", sales_kpi.pk, JAN)]
    assert problem.conflict
    assert problem.theirs == Decimal("11")
    assert problem.theirs_by == people.head_sales.get_full_name()
    assert Measurement.objects.get(kpi=sales_kpi).value == Decimal("11")
    # Choosing "keep mine" = saving again from the version the conflict reported.
    measurements_save(
        plan=people.plan,
        user=people.contributor_sales,
        cells=[_cell(sales_kpi, "12", version=problem.current_version)],
    )
    assert Measurement.objects.get(kpi=sales_kpi).value == Decimal("12")


def test_two_people_filling_the_same_empty_cell_the_second_is_told(people, sales_kpi):
    measurements_save(plan=people.plan, user=people.head_sales, cells=[_cell(sales_kpi, "3")])
    with pytest.raises(CellsRejected) as rejected:
        measurements_save(
            plan=people.plan, user=people.contributor_sales, cells=[_cell(sales_kpi, "4")]
        )
    assert next(iter(rejected.value.problems.values())).theirs == Decimal("3")
    assert Measurement.objects.filter(kpi=sales_kpi).count() == 1


def test_typing_what_the_other_person_saved_is_no_conflict(people, sales_kpi):
    measurements_save(plan=people.plan, user=people.head_sales, cells=[_cell(sales_kpi, "3")])
    summary = measurements_save(
        plan=people.plan, user=people.contributor_sales, cells=[_cell(sales_kpi, "3")]
    )
    assert summary.unchanged == 1


def test_a_contributor_may_not_enter_another_departments_values(people, marketing_kpi):
    with pytest.raises(PermissionDenied):
        measurements_save(
            plan=people.plan, user=people.contributor_sales, cells=[_cell(marketing_kpi, "1")]
        )
    assert not Measurement.objects.exists()


def test_a_goal_owner_measures_their_goal_in_another_department(people):
    goal = GoalFactory(plan=people.plan, department=people.marketing, owner=people.head_sales)
    measurements_save(
        plan=people.plan, user=people.head_sales, cells=[_cell(goal, "2", kind="goal")]
    )
    assert Measurement.objects.get(goal=goal).value == Decimal("2")


def test_every_write_queues_an_alert_recompute(people, sales_kpi, monkeypatch):
    calls = []
    monkeypatch.setattr(
        measurement_service, "alerts_schedule_recompute", lambda **kw: calls.append(kw)
    )
    measurements_save(plan=people.plan, user=people.leader, cells=[_cell(sales_kpi, "1")])
    measurements_save(plan=people.plan, user=people.leader, cells=[])
    assert calls == [{"plan_id": people.plan.pk}]


# ---------------------------------------------------------------------------------------------
# The grid page


def _grid_url(people, department=None):
    url = reverse("tracking:measurement-grid", args=[people.plan.pk])
    return f"{url}?department={(department or people.sales).pk}"


def _post(client, people, cells: dict, state=None, department=None):
    data = {"grid_state": json.dumps(state or {}), "department": (department or people.sales).pk}
    data |= {f"cell.{key}": value for key, value in cells.items()}
    return client.post(_grid_url(people, department), data)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 302),
        ("head_sales", 302),
        ("contributor_sales", 302),
        ("head_marketing", 403),
        ("finance", 403),
        ("viewer", 403),
    ],
)
def test_who_may_enter_sales_values(people, sales_kpi, client_for, who, status):
    key = cell_key("kpi", sales_kpi.pk, JAN)
    response = _post(client_for(getattr(people, who)), people, {key: "5"})
    assert response.status_code == status
    assert Measurement.objects.filter(kpi=sales_kpi).exists() == (status == 302)


def test_a_contributor_of_sales_is_refused_marketing_values(people, marketing_kpi, client_for):
    key = cell_key("kpi", marketing_kpi.pk, JAN)
    response = _post(
        client_for(people.contributor_sales), people, {key: "5"}, department=people.marketing
    )
    assert response.status_code == 403
    assert not Measurement.objects.exists()


def test_an_outsider_does_not_see_the_grid(people, client_for):
    assert client_for(people.outsider).get(_grid_url(people)).status_code == 404


def test_the_grid_shows_the_departments_kpis_goals_and_stored_values(people, sales_kpi, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales, title="Hire four AEs")
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    KpiTargetFactory(kpi=sales_kpi, month=JAN, target=Decimal("25"))
    MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None, value=Decimal("1234.5"))
    KpiFactory(plan=people.plan, department=people.marketing, name="Marketing only")
    page = client_for(people.contributor_sales).get(_grid_url(people)).content.decode()
    assert "Qualification rate" in page and "Hire four AEs" in page
    assert "Marketing only" not in page
    assert 'value="1,234.5"' in page
    assert "/ 25" in page  # the month's target next to the value
    assert f'name="cell.{cell_key("goal", goal.pk, MAR)}"' in page


def test_a_viewer_sees_values_but_no_inputs(people, sales_kpi, client_for):
    MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None, value=Decimal("7"))
    page = client_for(people.viewer).get(_grid_url(people)).content.decode()
    assert "cell-input" not in page
    assert "Save changes" not in page
    assert ">7<" in page


def test_bad_input_is_marked_on_its_cell_keeps_the_typing_and_saves_nothing(
    people, sales_kpi, client_for
):
    good, bad = cell_key("kpi", sales_kpi.pk, JAN), cell_key("kpi", sales_kpi.pk, FEB)
    response = _post(client_for(people.contributor_sales), people, {good: "5", bad: "lots"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved yet" in page
    assert 'value="lots"' in page and 'value="5"' in page
    assert "Enter a number" in page
    assert not Measurement.objects.exists()


def test_a_saved_grid_says_how_many_values_were_saved(people, sales_kpi, client_for):
    keys = [cell_key("kpi", sales_kpi.pk, m) for m in (JAN, FEB)]
    response = _post(client_for(people.contributor_sales), people, dict.fromkeys(keys, "3"))
    assert response.status_code == 302
    page = client_for(people.contributor_sales).get(response.url).content.decode()
    assert "Saved 2 values." in page


def test_a_conflict_in_the_grid_shows_both_values_and_keeps_mine_on_the_next_save(
    people, sales_kpi, client_for
):
    row = MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None, value=Decimal("10"))
    key = cell_key("kpi", sales_kpi.pk, JAN)
    state = {key: [row.version, "10"]}
    assert _post(client_for(people.head_sales), people, {key: "11"}, state).status_code == 302
    response = _post(client_for(people.contributor_sales), people, {key: "12"}, state)
    page = response.content.decode()
    assert "Someone else saved these cells" in page
    assert 'value="12"' in page  # mine, still in the cell
    assert 'data-theirs="11"' in page  # theirs, to take with one click
    assert Measurement.objects.get(kpi=sales_kpi).value == Decimal("11")
    new_state = json.loads(response.context["grid"].state_json)
    assert new_state[key] == [row.version + 1, "11"]
    _post(client_for(people.contributor_sales), people, {key: "12"}, new_state)
    assert Measurement.objects.get(kpi=sales_kpi).value == Decimal("12")


def test_the_history_of_a_cell_lists_earlier_values_with_who_and_when(
    people, sales_kpi, client_for
):
    user = people.contributor_sales
    measurements_save(plan=people.plan, user=user, cells=[_cell(sales_kpi, "20")])
    version = Measurement.objects.get(kpi=sales_kpi).version
    measurements_save(plan=people.plan, user=user, cells=[_cell(sales_kpi, "24", version=version)])
    url = reverse("tracking:measurement-history", args=[people.plan.pk])
    page = client_for(people.viewer).get(f"{url}?key={cell_key('kpi', sales_kpi.pk, JAN)}")
    text = page.content.decode()
    assert text.index(">24<") < text.index(">20<")  # newest first
    assert user.get_full_name() in text


def test_the_history_of_another_plans_kpi_is_not_found(people, client_for):
    other = KpiFactory(plan=PlanFactory())
    url = reverse("tracking:measurement-history", args=[people.plan.pk])
    response = client_for(people.leader).get(f"{url}?key={cell_key('kpi', other.pk, JAN)}")
    assert response.status_code == 404


def _department_with(people, department, n):
    owner = UserFactory()
    for i in range(n):
        kpi = KpiFactory(plan=people.plan, department=department, goal=None)
        goal = GoalFactory(plan=people.plan, department=department, owner=owner)
        kpi.goal = goal if i % 2 else None
        kpi.save()
        GoalCheckpointFactory(goal=goal, quarter=1)
        for month in (JAN, FEB):
            KpiTargetFactory(kpi=kpi, month=month)
            MeasurementFactory(plan=people.plan, kpi=kpi, goal=None, period=month)
            MeasurementFactory(plan=people.plan, goal=goal, period=month)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_grid_costs_the_same_queries_for_a_small_and_a_ten_times_larger_department(
    people, client_for
):
    _department_with(people, people.sales, 2)
    _department_with(people, people.marketing, 20)
    client = client_for(people.contributor_sales)
    small = _count_queries(client, _grid_url(people, people.sales))
    large = _count_queries(client, _grid_url(people, people.marketing))
    assert small == large
    assert small <= 15


# ---------------------------------------------------------------------------------------------
# Twice at once (PostgreSQL: real concurrent transactions)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stored_before", [False, True])
def test_two_people_saving_one_cell_at_once_one_wins_and_the_other_is_told(
    people, sales_kpi, monkeypatch, stored_before
):
    import threading

    from django.db import connections

    from tests.conftest import needs_service

    needs_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    monkeypatch.setattr(measurement_service, "alerts_schedule_recompute", lambda **kw: None)
    version = 0
    if stored_before:
        version = MeasurementFactory(plan=people.plan, kpi=sales_kpi, goal=None).version
    barrier, outcomes = threading.Barrier(2), []

    def save(user, value):
        try:
            barrier.wait()
            measurements_save(
                plan=people.plan, user=user, cells=[_cell(sales_kpi, value, version=version)]
            )
            outcomes.append("saved")
        except CellsRejected as rejected:
            outcomes.append(next(iter(rejected.problems.values())).conflict)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(people.head_sales, "11")),
        threading.Thread(target=save, args=(people.contributor_sales, "12")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes, key=str) == sorted(["saved", True], key=str)
    assert Measurement.objects.filter(kpi=sales_kpi).count() == 1


def test_a_german_speaker_types_and_reads_values_with_a_decimal_comma(
    people, sales_kpi, client_for
):
    from planning.models import UserProfile

    UserProfile.objects.create(user=people.contributor_sales, language="de")
    client = client_for(people.contributor_sales)
    key = cell_key("kpi", sales_kpi.pk, JAN)
    assert _post(client, people, {key: "1.234,5"}).status_code == 302
    assert Measurement.objects.get(kpi=sales_kpi).value == Decimal("1234.5")
    assert 'value="1.234,5"' in client.get(_grid_url(people)).content.decode()
