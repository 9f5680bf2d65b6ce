"""SPEC §4.3 on plain values: budget burned early, shares, run-rate forecast, run-out month;
the vectorised API gives the same answers as the scalar one."""

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from tracking.burn import burn_position, burn_positions, months_elapsed

EQUAL = [500_000 / 12] * 12  # the worked example: 500,000 in equal monthly phasing
JAN1 = dt.date(2026, 1, 1)


def test_worked_example_june_82_percent_used_while_half_was_planned_is_flagged():
    june = burn_position(monthly_budget=EQUAL, monthly_spend=[410_000], months=6, threshold=0.8)
    assert june.budget == pytest.approx(500_000)
    assert june.spent_share == pytest.approx(0.82)
    assert june.planned_share == pytest.approx(0.5)
    assert june.burn_early is True


def test_worked_example_october_same_spend_is_not_flagged_because_the_plan_expected_it():
    october = burn_position(monthly_budget=EQUAL, monthly_spend=[410_000], months=10, threshold=0.8)
    assert october.spent_share == pytest.approx(0.82)
    assert october.planned_share == pytest.approx(0.8333, abs=1e-4)
    assert october.burn_early is False


def test_below_the_threshold_is_not_flagged():
    june = burn_position(monthly_budget=EQUAL, monthly_spend=[399_000], months=6, threshold=0.8)
    assert june.burn_early is False


def test_exactly_at_the_threshold_is_flagged():
    june = burn_position(monthly_budget=EQUAL, monthly_spend=[400_000], months=6, threshold=0.8)
    assert june.burn_early is True


def test_plan_expecting_exactly_the_threshold_is_not_early():
    # Bp = 80 % in month m: the plan expected that much to be gone.
    budget = [80] + [0] * 10 + [20]
    result = burn_position(monthly_budget=budget, monthly_spend=[90], months=1, threshold=0.8)
    assert result.planned_share == pytest.approx(0.8)
    assert result.burn_early is False


def test_run_rate_forecast_and_the_month_the_budget_runs_out():
    june = burn_position(monthly_budget=EQUAL, monthly_spend=[410_000], months=6, threshold=0.8)
    assert june.forecast == pytest.approx(820_000)
    # 68,333 a month: 7 months spend 478,333, the 8th passes 500,000.
    assert june.runs_out_month == 8


def test_budget_lasting_the_year_has_no_run_out_month():
    result = burn_position(
        monthly_budget=EQUAL, monthly_spend=[30_000] * 6, months=6, threshold=0.8
    )
    assert result.forecast == pytest.approx(360_000)
    assert result.runs_out_month is None


def test_spending_exactly_the_budget_over_the_year_runs_out_in_month_twelve():
    result = burn_position(
        monthly_budget=[10] * 12, monthly_spend=[10] * 6, months=6, threshold=0.8
    )
    assert result.runs_out_month == 12


def test_zero_budget_gives_no_shares_no_flag_and_no_division_error():
    result = burn_position(monthly_budget=[], monthly_spend=[100], months=3, threshold=0.8)
    assert result.budget == 0
    assert result.spent_share is None and result.planned_share is None
    assert result.burn_early is False
    assert result.runs_out_month == 1  # nothing to spend: gone from the first month


def test_nothing_spent_has_no_run_out_month():
    result = burn_position(monthly_budget=EQUAL, monthly_spend=[], months=4, threshold=0.8)
    assert result.spent == 0
    assert result.forecast == 0
    assert result.runs_out_month is None


def test_before_the_first_month_ends_there_is_no_forecast():
    result = burn_position(monthly_budget=EQUAL, monthly_spend=[5], months=0, threshold=0.8)
    assert result.forecast is None and result.runs_out_month is None
    assert result.spent == 0  # spend of months not yet ended does not count


def test_months_without_spend_count_as_zero():
    result = burn_position(
        monthly_budget=EQUAL, monthly_spend=[100, 0, 0, 50], months=4, threshold=0.8
    )
    assert result.spent == 150
    assert result.forecast == pytest.approx(450)


@pytest.mark.parametrize(
    "as_of, months",
    [
        (dt.date(2025, 12, 31), 0),
        (dt.date(2026, 1, 30), 0),
        (dt.date(2026, 1, 31), 1),
        (dt.date(2026, 6, 30), 6),
        (dt.date(2026, 7, 15), 6),
        (dt.date(2026, 12, 31), 12),
        (dt.date(2027, 5, 31), 12),
    ],
)
def test_months_elapsed_counts_ended_plan_months(as_of, months):
    assert months_elapsed(JAN1, as_of) == months


# ---------------------------------------------------------------------------------------------
# Vectorised API


def rows(amounts: dict[int, list[float]], start=JAN1):
    return pd.DataFrame(
        [
            {
                "department_id": d,
                "month": dt.date(
                    start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1
                ),
                "amount": a,
            }
            for d, values in amounts.items()
            for i, a in enumerate(values)
            if a is not None
        ],
        columns=["department_id", "month", "amount"],
    )


def test_vectorised_worked_example_in_june_and_october():
    result = burn_positions(
        rows({1: EQUAL}),
        rows({1: [410_000]}),
        plan_start=JAN1,
        as_of=[dt.date(2026, 6, 30), dt.date(2026, 10, 31)],
        threshold=0.8,
    )
    assert list(result["burn_early"]) == [True, False]
    assert list(result["month_index"]) == [6, 10]
    assert result["spent_share"].tolist() == pytest.approx([0.82, 0.82])
    assert result["runs_out_month"].iloc[0] == 8
    assert result["runs_out_month"].isna().iloc[1]


def test_vectorised_sums_categories_and_ignores_months_outside_the_year():
    budget = pd.DataFrame(
        [
            {"department_id": 1, "month": dt.date(2026, 1, 1), "amount": 60},
            {"department_id": 1, "month": dt.date(2026, 1, 1), "amount": 40},  # second category
            {"department_id": 1, "month": dt.date(2027, 1, 1), "amount": 999},  # next year
        ]
    )
    spend = pd.DataFrame(columns=["department_id", "month", "amount"])
    result = burn_positions(
        budget,
        spend,
        plan_start=JAN1,
        as_of=dt.date(2026, 1, 31),
        threshold=0.8,
        department_ids=[1, 2],
    )
    assert result.set_index("department_id")["budget"].to_dict() == {1: 100.0, 2: 0.0}


def test_vectorised_zero_budget_department_has_no_shares():
    result = burn_positions(
        rows({}), rows({5: [100]}), plan_start=JAN1, as_of=dt.date(2026, 3, 31), threshold=0.8
    )
    row = result.iloc[0]
    assert np.isnan(row.spent_share) and not row.burn_early


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_matches_scalar_on_random_departments(seed):
    rng = random.Random(seed)
    start = dt.date(2026, rng.choice([1, 4, 10]), 1)
    budgets = {
        d: [rng.choice([0, None, round(rng.uniform(0, 50_000), 2)]) for _ in range(12)]
        for d in range(1, 31)
    }
    spends = {
        d: [rng.choice([0, None, round(rng.uniform(0, 80_000), 2)]) for _ in range(12)]
        for d in range(1, 31)
    }
    dates = [
        dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        - dt.timedelta(days=1)
        for i in range(0, 14)
    ]
    result = burn_positions(
        rows(budgets, start), rows(spends, start), plan_start=start, as_of=dates, threshold=0.8
    )
    assert len(result) == 30 * len(dates)
    for r in result.itertuples(index=False):
        months = months_elapsed(start, r.as_of.date())
        expected = burn_position(
            monthly_budget=[v or 0 for v in budgets[r.department_id]],
            monthly_spend=[v or 0 for v in spends[r.department_id]],
            months=months,
            threshold=0.8,
        )
        assert r.month_index == expected.month_index
        assert bool(r.burn_early) == expected.burn_early
        assert r.budget == pytest.approx(expected.budget)
        assert r.spent == pytest.approx(expected.spent)
        assert r.planned == pytest.approx(expected.planned)
        for got, want in [(r.spent_share, expected.spent_share), (r.forecast, expected.forecast)]:
            assert np.isnan(got) if want is None else got == pytest.approx(want)
        got_month = None if pd.isna(r.runs_out_month) else int(r.runs_out_month)
        assert got_month == expected.runs_out_month
