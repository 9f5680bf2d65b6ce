"""The Eisenhower rule of SPEC §2 step 3 on plain values, no database."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from planning.eisenhower import Quadrant, gap, is_open, matrix, quadrant


@pytest.mark.parametrize(
    "urgent, important, expected",
    [
        (True, True, Quadrant.DO_NOW),
        (False, True, Quadrant.SCHEDULE),
        (True, False, Quadrant.DELEGATE),
        (False, False, Quadrant.LATER),
    ],
)
def test_each_combination_of_urgent_and_important_lands_in_its_quadrant(
    urgent, important, expected
):
    assert quadrant(urgent=urgent, important=important) is expected


def test_a_quadrant_knows_the_flags_that_put_a_gap_there():
    for q in Quadrant:
        assert quadrant(urgent=q.urgent, important=q.important) is q


def test_quadrants_have_names_people_use():
    assert [q.label for q in Quadrant] == ["Do now", "Schedule", "Delegate", "Later"]


def test_gap_is_needed_minus_available_and_never_negative():
    assert gap(needed=Decimal(4), available=Decimal(1)) == 3
    assert gap(needed=Decimal(1), available=Decimal(4)) == 0
    assert not is_open(needed=Decimal(2), available=Decimal(2))
    assert is_open(needed=Decimal("2.5"), available=Decimal(2))


def test_example_plan_hiring_enterprise_leads_is_do_now():
    """SPEC §7: hiring enterprise sales leads is urgent and important."""
    hiring = SimpleNamespace(needed=Decimal(4), available=Decimal(0), urgent=True, important=True)
    crm = SimpleNamespace(needed=Decimal(30), available=Decimal(20), urgent=False, important=True)
    covered = SimpleNamespace(needed=Decimal(1), available=Decimal(1), urgent=True, important=True)
    boxes = matrix([hiring, crm, covered])
    assert boxes[Quadrant.DO_NOW] == [hiring]
    assert boxes[Quadrant.SCHEDULE] == [crm]
    assert boxes[Quadrant.DELEGATE] == boxes[Quadrant.LATER] == []
    assert list(boxes) == [Quadrant.DO_NOW, Quadrant.SCHEDULE, Quadrant.DELEGATE, Quadrant.LATER]
