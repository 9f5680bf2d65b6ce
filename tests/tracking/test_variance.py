"""SPEC §4.2 on plain values: planned path, actual value, shortfall and status; the vectorised
API gives the same answers as the scalar one."""

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from tracking.constants import STATUS_COLOURS, STATUS_ICONS, GoalStatus
from tracking.variance import (
    actual_value,
    goal_position,
    goal_positions,
    month_end,
    planned_value,
    quarter_end,
)

JAN1 = dt.date(2026, 1, 1)
HIRES = dict(  # the worked example: 4 hires by 30 June, Q1 = 2, Q2 = 4
    plan_start=JAN1,
    baseline=0,
    target=4,
    due_date=dt.date(2026, 6, 30),
    checkpoints={1: 2, 2: 4},
)


def position(measurements, at, threshold=0.10, **overrides):
    goal = {**HIRES, **overrides}
    return goal_position(**goal, measurements=measurements, at=at, threshold=threshold)


def test_worked_example_one_hire_by_march_is_fifty_percent_behind():
    result = position([(dt.date(2026, 3, 1), 1)], dt.date(2026, 3, 31))
    assert result.planned == 2
    assert result.actual == 1
    assert result.shortfall == 0.5
    assert result.status == GoalStatus.BEHIND


def test_worked_example_two_hires_by_march_is_on_track():
    result = position([(dt.date(2026, 3, 1), 2)], dt.date(2026, 3, 31))
    assert (result.shortfall, result.status) == (0, GoalStatus.ON_TRACK)


def test_ahead_of_plan_is_on_track_with_negative_shortfall():
    result = position([(dt.date(2026, 3, 1), 3)], dt.date(2026, 3, 31))
    assert result.shortfall == -0.5
    assert result.status == GoalStatus.ON_TRACK


def test_exactly_ten_percent_behind_is_at_risk_and_more_is_behind():
    goal = dict(baseline=0, target=100, checkpoints={1: 10, 2: 100})
    at_ten = position([(dt.date(2026, 3, 1), 9)], dt.date(2026, 3, 31), **goal)
    assert at_ten.shortfall == pytest.approx(0.1)
    assert at_ten.status == GoalStatus.AT_RISK
    beyond = position([(dt.date(2026, 3, 1), 8.99)], dt.date(2026, 3, 31), **goal)
    assert beyond.status == GoalStatus.BEHIND


def test_threshold_comes_from_the_plan():
    result = position([(dt.date(2026, 3, 1), 1)], dt.date(2026, 3, 31), threshold=0.6)
    assert result.status == GoalStatus.AT_RISK


def test_planned_value_is_linear_between_plan_start_and_first_checkpoint():
    # 1 Jan → 31 Mar is 89 days; 14 Feb is day 44.
    value = planned_value(**HIRES, at=dt.date(2026, 2, 14))
    assert value == pytest.approx(2 * 44 / 89)


def test_planned_value_is_linear_between_checkpoints():
    # 31 Mar (2) → 30 Jun (4) is 91 days; 30 Apr is day 30.
    assert planned_value(**HIRES, at=dt.date(2026, 4, 30)) == pytest.approx(2 + 2 * 30 / 91)


def test_planned_value_after_the_due_date_is_the_target():
    assert planned_value(**HIRES, at=dt.date(2026, 9, 30)) == 4
    assert planned_value(**HIRES, at=dt.date(2026, 12, 31)) == 4


def test_planned_value_before_the_plan_starts_is_the_baseline():
    assert planned_value(**HIRES, at=dt.date(2025, 12, 31)) == 0
    assert planned_value(**HIRES, at=JAN1) == 0


def test_due_date_inside_a_quarter_is_the_last_point_and_later_checkpoints_are_ignored():
    # Due 31 May with target 5; the Q2 checkpoint (30 June) lies after the due date.
    goal = dict(HIRES, due_date=dt.date(2026, 5, 31), target=5, checkpoints={1: 2, 2: 9})
    assert planned_value(**goal, at=dt.date(2026, 3, 31)) == 2
    # 31 Mar (2) → 31 May (5) is 61 days; 30 Apr is day 30.
    assert planned_value(**goal, at=dt.date(2026, 4, 30)) == pytest.approx(2 + 3 * 30 / 61)
    assert planned_value(**goal, at=dt.date(2026, 6, 30)) == 5


def test_without_due_date_the_path_ends_at_the_last_checkpoint():
    goal = dict(HIRES, due_date=None, checkpoints={1: 2, 2: 3})
    assert planned_value(**goal, at=dt.date(2026, 12, 31)) == 3


def test_plan_year_starting_in_april_dates_checkpoints_at_its_own_quarter_ends():
    assert quarter_end(dt.date(2026, 4, 1), 1) == dt.date(2026, 6, 30)
    assert quarter_end(dt.date(2026, 4, 1), 4) == dt.date(2027, 3, 31)
    goal = dict(
        plan_start=dt.date(2026, 4, 1),
        baseline=0,
        target=8,
        due_date=dt.date(2027, 3, 31),
        checkpoints={1: 2, 2: 4, 3: 6, 4: 8},
    )
    assert planned_value(**goal, at=dt.date(2026, 9, 30)) == 4


def test_a_measurement_counts_from_the_last_day_of_its_month():
    values = [(dt.date(2026, 3, 1), 1)]
    assert actual_value(values, dt.date(2026, 3, 30)) is None
    assert actual_value(values, dt.date(2026, 3, 31)) == 1
    assert month_end(dt.date(2026, 2, 10)) == dt.date(2026, 2, 28)


def test_actual_value_is_the_latest_measurement_up_to_the_date():
    values = [(dt.date(2026, 1, 1), 1), (dt.date(2026, 4, 1), 5), (dt.date(2026, 2, 1), 2)]
    assert actual_value(values, dt.date(2026, 3, 31)) == 2
    assert actual_value(values, dt.date(2026, 12, 31)) == 5


def test_no_measurement_while_progress_is_planned_is_no_data():
    result = position([], dt.date(2026, 3, 31))
    assert result.status == GoalStatus.NO_DATA
    assert result.shortfall is None
    assert result.planned == 2


def test_no_shortfall_while_nothing_is_planned_yet():
    goal = dict(checkpoints={1: 0, 2: 4})  # flat first quarter: P = 0 on 31 March
    result = position([(dt.date(2026, 3, 1), 0)], dt.date(2026, 3, 31), **goal)
    assert result.shortfall is None
    assert result.status == GoalStatus.ON_TRACK
    assert position([], dt.date(2026, 3, 31), **goal).status == GoalStatus.ON_TRACK


def test_planned_dip_is_not_a_shortfall():
    goal = dict(baseline=10, target=20, checkpoints={1: 8, 2: 20})  # P < 0 at 31 March
    result = position([(dt.date(2026, 3, 1), 5)], dt.date(2026, 3, 31), **goal)
    assert result.shortfall is None
    assert result.status == GoalStatus.ON_TRACK


def test_decrease_goal_flips_the_signs():
    # Churn from 10 % down to 6 % by 30 June, Q1 = 8 %.
    goal = dict(baseline=10, target=6, checkpoints={1: 8, 2: 6}, direction="decrease")
    behind = position([(dt.date(2026, 3, 1), 9)], dt.date(2026, 3, 31), **goal)
    assert behind.shortfall == pytest.approx(0.5)
    assert behind.status == GoalStatus.BEHIND
    ahead = position([(dt.date(2026, 3, 1), 7)], dt.date(2026, 3, 31), **goal)
    assert ahead.status == GoalStatus.ON_TRACK


def test_after_the_due_date_shortfall_is_measured_against_the_target():
    result = position([(dt.date(2026, 8, 1), 3)], dt.date(2026, 9, 30))
    assert result.planned == 4
    assert result.shortfall == pytest.approx(0.25)
    assert result.status == GoalStatus.BEHIND


def test_goal_without_baseline_has_no_planned_value_and_no_data():
    result = position([(dt.date(2026, 3, 1), 1)], dt.date(2026, 3, 31), baseline=None)
    assert result.planned is None
    assert result.status == GoalStatus.NO_DATA


def test_each_status_has_icon_and_okabe_ito_colour():
    assert [(GoalStatus(s).icon, GoalStatus(s).colour) for s in GoalStatus.values] == [
        ("✔", "#0072B2"),
        ("▲", "#E69F00"),
        ("✖", "#D55E00"),
        ("–", "#999999"),
    ]
    assert set(STATUS_ICONS) == set(STATUS_COLOURS) == set(GoalStatus.values)


# ---------------------------------------------------------------------------------------------
# Vectorised API


def frames(goals: dict[int, dict], measurements: dict[int, list]):
    g = pd.DataFrame(
        [
            {
                "goal_id": i,
                "plan_start": d["plan_start"],
                "baseline": d["baseline"],
                "target": d["target"],
                "due_date": d["due_date"],
                "direction": d.get("direction", "increase"),
            }
            for i, d in goals.items()
        ]
    )
    cp = pd.DataFrame(
        [
            {"goal_id": i, "quarter": q, "planned_value": v}
            for i, d in goals.items()
            for q, v in d["checkpoints"].items()
        ],
        columns=["goal_id", "quarter", "planned_value"],
    )
    m = pd.DataFrame(
        [
            {"goal_id": i, "period": p, "value": v}
            for i, rows in measurements.items()
            for p, v in rows
        ],
        columns=["goal_id", "period", "value"],
    )
    return g, cp, m


def test_vectorised_worked_example():
    g, cp, m = frames({7: HIRES}, {7: [(dt.date(2026, 3, 1), 1)]})
    result = goal_positions(g, cp, m, dt.date(2026, 3, 31), 0.10)
    row = result.iloc[0]
    assert (row.goal_id, row.planned, row.actual, row.shortfall, row.status) == (
        7,
        2.0,
        1.0,
        0.5,
        "behind",
    )


def test_vectorised_with_no_goals_or_dates_is_empty():
    g, cp, m = frames({}, {})
    assert goal_positions(g, cp, m, dt.date(2026, 3, 31), 0.1).empty
    g, cp, m = frames({1: HIRES}, {})
    assert goal_positions(g, cp, m, [], 0.1).empty


def random_goal(rng: random.Random) -> dict:
    start = dt.date(2026, rng.choice([1, 4, 7]), 1)
    baseline = rng.choice([None, 0, 10, rng.uniform(-50, 50)])
    target = rng.choice([None, 0, 20, rng.uniform(-100, 100)])
    due = rng.choice(
        [
            None,
            quarter_end(start, rng.randint(1, 4)),
            start + dt.timedelta(days=rng.randint(0, 364)),
        ]
    )
    quarters = rng.sample([1, 2, 3, 4], rng.randint(0, 4))
    return {
        "plan_start": start,
        "baseline": baseline,
        "target": target,
        "due_date": due,
        "direction": rng.choice(["increase", "decrease"]),
        "checkpoints": {q: round(rng.uniform(-100, 100), 2) for q in quarters},
    }


def random_measurements(rng: random.Random) -> list:
    months = rng.sample(range(1, 13), rng.randint(0, 6))
    return [
        (dt.date(2026, m, rng.choice([1, 15])), round(rng.uniform(-100, 100), 2)) for m in months
    ]


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_matches_scalar_on_random_goals(seed):
    rng = random.Random(seed)
    goals = {i: random_goal(rng) for i in range(1, 201)}
    measured = {i: random_measurements(rng) for i in goals}
    dates = [month_end(dt.date(2026, m, 1)) for m in range(1, 13)] + [dt.date(2026, 5, 17)]
    g, cp, m = frames(goals, measured)
    result = goal_positions(g, cp, m, dates, 0.10)
    assert len(result) == len(goals) * len(dates)
    for row in result.itertuples(index=False):
        d = goals[row.goal_id]
        expected = goal_position(
            **d, measurements=measured[row.goal_id], at=row.as_of.date(), threshold=0.10
        )
        assert row.status == expected.status, (row, expected)
        for got, want in [
            (row.planned, expected.planned),
            (row.actual, expected.actual),
            (row.shortfall, expected.shortfall),
        ]:
            if want is None:
                assert np.isnan(got)
            else:
                assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
