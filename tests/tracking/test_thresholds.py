"""SPEC §4.5 on plain values: KPIs outside their warning/critical thresholds (shares of the
month's target, respecting direction) and overdue milestones."""

import datetime as dt

import pandas as pd
import pytest

from tracking.constants import KpiLevel
from tracking.thresholds import days_overdue, is_overdue, kpi_check, kpi_checks, overdue


def check(value, target=100, direction="increase", warning=0.05, critical=0.15):
    return kpi_check(
        value=value, target=target, direction=direction, warning=warning, critical=critical
    )


@pytest.mark.parametrize(
    "value, level",
    [
        (110, KpiLevel.OK),
        (100, KpiLevel.OK),
        (96, KpiLevel.OK),
        (95, KpiLevel.OK),
        (94, KpiLevel.WARNING),
        (85, KpiLevel.WARNING),
        (84, KpiLevel.CRITICAL),
        (0, KpiLevel.CRITICAL),
    ],
)
def test_kpi_that_should_rise_warns_and_turns_critical_by_share_of_target(value, level):
    assert check(value).level == level


@pytest.mark.parametrize(
    "value, level",
    [
        (40, KpiLevel.OK),
        (60, KpiLevel.OK),
        (63, KpiLevel.OK),
        (64, KpiLevel.WARNING),
        (69, KpiLevel.WARNING),
        (70, KpiLevel.CRITICAL),
    ],
)
def test_kpi_that_should_fall_is_outside_when_above_target(value, level):
    # Sales cycle of at most 60 days: 5 % is 3 days, 15 % is 9 days.
    result = check(value, target=60, direction="decrease")
    assert result.level == level


def test_shortfall_is_the_share_of_the_target():
    assert check(80).shortfall == pytest.approx(0.2)
    assert check(120).shortfall == pytest.approx(-0.2)
    assert check(66, target=60, direction="decrease").shortfall == pytest.approx(0.1)


def test_negative_target_uses_its_size():
    # Cash flow of -100 or better: -110 is 10 % short.
    assert check(-110, target=-100).level == KpiLevel.WARNING


def test_zero_target_missed_is_critical_and_met_is_fine():
    assert check(1, target=0, direction="decrease").level == KpiLevel.CRITICAL
    assert check(0, target=0, direction="decrease").level == KpiLevel.OK
    assert check(-1, target=0, direction="increase").level == KpiLevel.CRITICAL


def test_no_value_or_no_target_is_no_data():
    assert check(None).level == KpiLevel.NO_DATA
    assert check(5, target=None).level == KpiLevel.NO_DATA


def kpi_frames():
    kpis = pd.DataFrame(
        [
            {
                "kpi_id": 1,
                "direction": "increase",
                "warning_threshold": 0.05,
                "critical_threshold": 0.15,
            },
            {
                "kpi_id": 2,
                "direction": "decrease",
                "warning_threshold": 0.05,
                "critical_threshold": 0.15,
            },
            {
                "kpi_id": 3,
                "direction": "increase",
                "warning_threshold": 0.05,
                "critical_threshold": 0.15,
            },
        ]
    )
    targets = pd.DataFrame(
        [
            {"kpi_id": k, "month": dt.date(2026, m, 1), "target": t}
            for k, t in [(1, 100), (2, 60), (3, 10)]
            for m in range(1, 13)
        ]
    )
    measurements = pd.DataFrame(
        [
            {"kpi_id": 1, "period": dt.date(2026, 1, 1), "value": 50},
            {"kpi_id": 1, "period": dt.date(2026, 2, 1), "value": 90},  # latest up to March
            {"kpi_id": 1, "period": dt.date(2026, 5, 1), "value": 10},  # after as-of: ignored
            {"kpi_id": 2, "period": dt.date(2026, 3, 1), "value": 61},
        ]
    )
    return kpis, targets, measurements


def test_vectorised_kpi_checks_judge_each_kpi_on_its_latest_month_up_to_as_of():
    result = kpi_checks(*kpi_frames(), dt.date(2026, 3, 31)).set_index("kpi_id")
    assert list(result.index) == [1, 2]  # KPI 3 has no value: left out
    assert result.loc[1, "period"] == pd.Timestamp(2026, 2, 1)
    assert result.loc[1, "level"] == KpiLevel.WARNING
    assert result.loc[2, "level"] == KpiLevel.OK


def test_vectorised_kpi_checks_match_the_scalar_check():
    kpis, targets, measurements = kpi_frames()
    grid = [(k, v) for k in (1, 2) for v in (0, 50, 59, 60, 62.9, 63.1, 69, 85, 94, 100, 120)]
    measurements = pd.DataFrame(
        [{"kpi_id": k, "period": dt.date(2026, 1, 1), "value": v} for k, v in grid]
    ).iloc[[i for i in range(len(grid))]]
    for k, v in grid:
        one = measurements[(measurements.kpi_id == k) & (measurements.value == v)]
        row = kpi_checks(kpis, targets, one, dt.date(2026, 1, 31)).iloc[0]
        target = 100 if k == 1 else 60
        direction = "increase" if k == 1 else "decrease"
        assert row.level == check(v, target=target, direction=direction).level, (k, v)


def test_vectorised_kpi_checks_with_nothing_measured_is_empty():
    kpis, targets, _ = kpi_frames()
    empty = pd.DataFrame(columns=["kpi_id", "period", "value"])
    assert kpi_checks(kpis, targets, empty, dt.date(2026, 3, 31)).empty


def test_milestone_is_overdue_after_its_due_date_when_not_done():
    due = dt.date(2026, 3, 1)
    assert not is_overdue(due, False, dt.date(2026, 3, 1))  # due today: not yet
    assert is_overdue(due, False, dt.date(2026, 3, 2))
    assert not is_overdue(due, True, dt.date(2026, 6, 1))
    assert not is_overdue(None, False, dt.date(2026, 6, 1))
    assert days_overdue(due, dt.date(2026, 3, 31)) == 30


def test_vectorised_overdue_keeps_late_open_items_with_days():
    items = pd.DataFrame(
        [
            {"id": 1, "due_date": dt.date(2026, 3, 1), "done": False},
            {"id": 2, "due_date": dt.date(2026, 3, 1), "done": True},
            {"id": 3, "due_date": dt.date(2026, 4, 1), "done": False},
            {"id": 4, "due_date": dt.date(2026, 1, 1), "done": False},
        ]
    )
    late = overdue(items, dt.date(2026, 4, 1))
    assert late["id"].tolist() == [1, 4]
    assert late["days_overdue"].tolist() == [31, 90]
    for item in items.itertuples():
        assert (item.id in late["id"].tolist()) == is_overdue(
            item.due_date, item.done, dt.date(2026, 4, 1)
        )
