"""The SMART check (SPEC §4.1) on plain values: every criterion passes and fails."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from planning.smart import GoalFacts, is_sentence, quarter_of, smart_check

QUARTER_ENDS = (
    dt.date(2026, 3, 31),
    dt.date(2026, 6, 30),
    dt.date(2026, 9, 30),
    dt.date(2026, 12, 31),
)

SMART_GOAL = GoalFacts(
    plan_start=dt.date(2026, 1, 1),
    quarter_ends=QUARTER_ENDS,
    title="Hire four enterprise account executives",
    description="Hire four AEs with five years of B2B SaaS experience by the end of Q2.",
    has_owner=True,
    has_department=True,
    metric_name="AEs onboarded",
    unit="people",
    baseline=Decimal("0"),
    target=Decimal("4"),
    rationale="A recruiting partner placed three such AEs at a peer company last year.",
    resource_count=1,
    initiative_count=0,
    has_parent=True,
    due_date=dt.date(2026, 6, 30),
    checkpoint_quarters=frozenset({1, 2}),
)


def check(**changes):
    return smart_check(dataclasses.replace(SMART_GOAL, **changes))


def test_a_complete_goal_passes_all_five_criteria():
    result = smart_check(SMART_GOAL)
    assert result.passed
    assert result.passed_count == 5
    assert [c.key for c in result.criteria] == [
        "specific",
        "measurable",
        "achievable",
        "relevant",
        "time_bound",
    ]
    assert all(c.hint for c in result.criteria)


# Specific ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"title": "  "}, "a title"),
        ({"description": ""}, "description"),
        ({"description": "Grow revenue"}, "description"),  # two words, too short
        ({"description": "Revenueeeeeeeeeeeeeeeeeeeeeeee"}, "description"),  # one long word
        ({"has_owner": False}, "an owner"),
        ({"has_department": False}, "a department"),
    ],
)
def test_specific_fails_and_names_what_is_missing(changes, missing):
    result = check(**changes)
    assert not result.criterion("specific").passed
    assert missing in result.criterion("specific").hint
    assert not result.passed
    assert result.passed_count == 4


def test_specific_lists_every_missing_part_in_one_line():
    hint = check(title="", has_owner=False, has_department=False).criterion("specific").hint
    assert "a title" in hint and "an owner" in hint and "a department" in hint
    assert "\n" not in hint


def test_a_description_of_a_sentence_needs_twenty_characters_and_three_words():
    assert is_sentence("Raise the contract value.")
    assert is_sentence("Raise the contract value")  # the full stop is not required
    assert not is_sentence("Raise ACV by 60 %")  # 17 characters
    assert not is_sentence("   Short text here  ")


# Measurable ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"metric_name": ""}, "a metric"),
        ({"unit": ""}, "a unit"),
        ({"baseline": None}, "a baseline number"),
        ({"target": None}, "a target number"),
    ],
)
def test_measurable_fails_without_metric_unit_baseline_or_target(changes, missing):
    criterion = check(**changes).criterion("measurable")
    assert not criterion.passed
    assert missing in criterion.hint


def test_measurable_fails_when_the_target_equals_the_baseline():
    criterion = check(baseline=Decimal("4"), target=Decimal("4.000")).criterion("measurable")
    assert not criterion.passed
    assert "equals the baseline" in criterion.hint


def test_measurable_passes_for_a_decrease_from_nine_to_five():
    assert check(baseline=Decimal("9"), target=Decimal("5")).criterion("measurable").passed


def test_a_zero_baseline_is_a_number_not_a_missing_value():
    assert check(baseline=Decimal("0"), target=Decimal("1")).criterion("measurable").passed


# Achievable ----------------------------------------------------------------------------------


def test_achievable_fails_without_a_rationale():
    criterion = check(rationale=" ").criterion("achievable")
    assert not criterion.passed
    assert "rationale" in criterion.hint


def test_achievable_fails_without_resource_or_initiative():
    criterion = check(resource_count=0, initiative_count=0).criterion("achievable")
    assert not criterion.passed
    assert "resource requirement or initiative" in criterion.hint


def test_achievable_passes_with_an_initiative_instead_of_a_resource():
    assert check(resource_count=0, initiative_count=1).criterion("achievable").passed


# Relevant ------------------------------------------------------------------------------------


def test_relevant_fails_without_any_link():
    criterion = check(has_parent=False, swot_count=0, priority_count=0).criterion("relevant")
    assert not criterion.passed
    assert "parent goal" in criterion.hint


@pytest.mark.parametrize("link", [{"has_parent": True}, {"swot_count": 1}, {"priority_count": 2}])
def test_relevant_passes_with_a_parent_a_swot_entry_or_a_priority(link):
    facts = {"has_parent": False, "swot_count": 0, "priority_count": 0, **link}
    assert check(**facts).criterion("relevant").passed


# Time-bound ----------------------------------------------------------------------------------


def test_time_bound_fails_without_a_due_date():
    criterion = check(due_date=None).criterion("time_bound")
    assert not criterion.passed
    assert "due date" in criterion.hint


@pytest.mark.parametrize("due", [dt.date(2025, 12, 31), dt.date(2027, 1, 1)])
def test_time_bound_fails_when_the_due_date_is_outside_the_plan_year(due):
    criterion = check(due_date=due, checkpoint_quarters=frozenset({1, 2, 3, 4}))
    assert not criterion.criterion("time_bound").passed
    assert "outside the plan year" in criterion.criterion("time_bound").hint


def test_time_bound_needs_a_checkpoint_for_every_quarter_up_to_the_due_date():
    criterion = check(checkpoint_quarters=frozenset({1})).criterion("time_bound")
    assert not criterion.passed
    assert "Q2" in criterion.hint and "Q1" not in criterion.hint


def test_time_bound_names_all_missing_quarters():
    hint = (
        check(due_date=dt.date(2026, 12, 31), checkpoint_quarters=frozenset({2}))
        .criterion("time_bound")
        .hint
    )
    assert "Q1, Q3, Q4" in hint


def test_time_bound_includes_the_quarter_of_the_due_date():
    # Due 31 January lies in Q1: a Q1 checkpoint is needed, nothing after it.
    assert (
        not check(due_date=dt.date(2026, 1, 31), checkpoint_quarters=frozenset())
        .criterion("time_bound")
        .passed
    )
    assert (
        check(due_date=dt.date(2026, 1, 31), checkpoint_quarters=frozenset({1}))
        .criterion("time_bound")
        .passed
    )


def test_checkpoints_after_the_due_date_are_not_required():
    assert (
        check(due_date=dt.date(2026, 6, 30), checkpoint_quarters=frozenset({1, 2}))
        .criterion("time_bound")
        .passed
    )


def test_time_bound_passes_on_the_first_and_last_day_of_the_plan_year():
    assert (
        check(due_date=dt.date(2026, 1, 1), checkpoint_quarters=frozenset({1}))
        .criterion("time_bound")
        .passed
    )
    assert (
        check(due_date=dt.date(2026, 12, 31), checkpoint_quarters=frozenset({1, 2, 3, 4}))
        .criterion("time_bound")
        .passed
    )


def test_quarters_follow_a_fiscal_year_that_starts_in_april():
    ends = (dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31), dt.date(2027, 3, 31))
    assert quarter_of(dt.date(2026, 4, 1), ends) == 1
    assert quarter_of(dt.date(2027, 1, 15), ends) == 4
    assert quarter_of(dt.date(2027, 4, 1), ends) is None


def test_an_empty_goal_fails_everything_but_says_what_to_do():
    result = smart_check(GoalFacts(plan_start=dt.date(2026, 1, 1), quarter_ends=QUARTER_ENDS))
    assert result.passed_count == 0
    assert len(result.failing) == 5
    assert all(c.hint.startswith("Missing") for c in result.failing)
