"""SPEC §4.4 on plain values: cycles, blocked initiatives, who blocks whom."""

import datetime as dt
import random

import pytest

from planning.dependencies import (
    Node,
    blocked_mask,
    blockers,
    find_cycle,
    is_blocked,
    team_blocks,
)

D = dt.date
SALES, ENGINEERING, MARKETING = 1, 2, 3
MARCH_1, APRIL_30 = D(2026, 3, 1), D(2026, 4, 30)


def node(id, department=SALES, start=MARCH_1, end=APRIL_30, status="in_progress"):
    return Node(id=id, department_id=department, start=start, planned_end=end, status=status)


# Cycles


def test_no_cycle_in_a_chain():
    assert find_cycle([(1, 2), (2, 3), (3, 4)]) is None


def test_empty_graph_has_no_cycle():
    assert find_cycle([]) is None
    assert find_cycle([], new_edge=(1, 2)) is None


def test_self_loop_is_a_cycle():
    assert find_cycle([], new_edge=(5, 5)) == [5, 5]
    assert find_cycle([(5, 5)]) == [5, 5]


def test_two_cycle_is_named_from_the_new_edge():
    # "Website relaunch (1) → CRM migration (2) → Website relaunch (1)"
    assert find_cycle([(2, 1)], new_edge=(1, 2)) == [1, 2, 1]


def test_long_cycle_is_found_with_its_whole_path():
    edges = [(2, 3), (3, 4), (4, 5), (5, 1)]
    assert find_cycle(edges, new_edge=(1, 2)) == [1, 2, 3, 4, 5, 1]


def test_existing_cycle_is_found_without_a_new_edge():
    cycle = find_cycle([(10, 11), (1, 2), (2, 3), (3, 1)])
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == [1, 2, 3]


def test_shortest_cycle_through_the_new_edge_is_named():
    edges = [(2, 3), (3, 4), (4, 1), (2, 1)]
    assert find_cycle(edges, new_edge=(1, 2)) == [1, 2, 1]


def test_new_edge_that_closes_no_cycle_is_fine_even_in_a_diamond():
    edges = [(1, 2), (1, 3), (2, 4), (3, 4)]
    assert find_cycle(edges, new_edge=(1, 4)) is None
    assert find_cycle(edges) is None


def test_duplicate_edges_do_not_confuse_the_search():
    assert find_cycle([(1, 2), (1, 2), (2, 3)], new_edge=(3, 1)) == [3, 1, 2, 3]


def test_a_long_chain_does_not_hit_the_recursion_limit():
    edges = [(i, i + 1) for i in range(5000)]
    assert find_cycle(edges) is None
    assert find_cycle(edges, new_edge=(5000, 0))[:3] == [5000, 0, 1]


# Blocked (SPEC §4.4)


def test_blocked_when_dependency_ends_after_dependent_starts():
    x = node(1, start=D(2026, 3, 1))
    y = node(2, department=ENGINEERING, end=D(2026, 3, 15))
    assert is_blocked(x, y, at=D(2026, 2, 1))


def test_not_blocked_when_dependency_is_planned_to_finish_first():
    x = node(1, start=D(2026, 4, 1))
    y = node(2, end=D(2026, 3, 31))
    assert not is_blocked(x, y, at=D(2026, 3, 31))


def test_dependency_ending_on_the_start_day_does_not_block():
    x = node(1, start=D(2026, 4, 1))
    y = node(2, end=D(2026, 4, 1))
    assert not is_blocked(x, y, at=D(2026, 4, 1))


def test_overdue_dependency_blocks_even_if_it_was_planned_to_finish_first():
    x = node(1, start=D(2026, 6, 1))
    y = node(2, end=D(2026, 4, 30), status="in_progress")
    assert not is_blocked(x, y, at=D(2026, 4, 30))
    assert is_blocked(x, y, at=D(2026, 5, 1))


def test_done_dependency_never_blocks():
    x = node(1, start=D(2026, 3, 1))
    y = node(2, end=D(2026, 5, 1), status="done")
    assert not is_blocked(x, y, at=D(2026, 12, 31))


def test_cancelled_dependency_does_not_block():
    x = node(1, start=D(2026, 3, 1))
    y = node(2, end=D(2026, 5, 1), status="cancelled")
    assert not is_blocked(x, y, at=D(2026, 12, 31))


def test_not_started_dependency_blocks_like_one_in_progress():
    x = node(1, start=D(2026, 3, 1))
    y = node(2, end=D(2026, 5, 1), status="not_started")
    assert is_blocked(x, y, at=D(2026, 1, 1))


def test_finished_dependent_is_not_blocked():
    y = node(2, end=D(2026, 5, 1))
    assert not is_blocked(node(1, status="done"), y, at=D(2026, 6, 1))
    assert not is_blocked(node(1, status="cancelled"), y, at=D(2026, 6, 1))


def test_blockers_lists_only_blocking_pairs_in_edge_order():
    nodes = {
        1: node(1, start=D(2026, 3, 1)),
        2: node(2, department=ENGINEERING, end=D(2026, 3, 20)),  # ends after 1 starts
        3: node(3, department=ENGINEERING, end=D(2026, 2, 1), status="done"),
        4: node(4, department=MARKETING, start=D(2026, 9, 1)),
    }
    edges = [(1, 2), (1, 3), (4, 2), (1, 99)]
    assert blockers(nodes, edges, at=D(2026, 3, 10)) == [(1, 2)]
    # once 2 is overdue it blocks 4 too
    assert blockers(nodes, edges, at=D(2026, 3, 21)) == [(1, 2), (4, 2)]


@pytest.mark.parametrize("seed", range(3))
def test_blocked_mask_gives_the_answers_of_is_blocked_edge_by_edge(seed):
    rng = random.Random(seed)
    statuses = ["not_started", "in_progress", "done", "cancelled"]

    def any_node(i):
        start = D(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
        end = start + dt.timedelta(days=rng.randint(0, 120))
        return node(i, start=start, end=end, status=rng.choice(statuses))

    pairs = [(any_node(2 * i), any_node(2 * i + 1)) for i in range(500)]
    at = D(2026, 6, 15)
    mask = blocked_mask(
        [x.status for x, _y in pairs],
        [x.start for x, _y in pairs],
        [y.status for _x, y in pairs],
        [y.planned_end for _x, y in pairs],
        at,
    )
    assert mask.tolist() == [is_blocked(x, y, at) for x, y in pairs]
    assert 0 < mask.sum() < len(pairs)  # both answers occur


# Team A blocks team B


def test_team_blocks_counts_blocked_initiatives_across_departments():
    nodes = {
        1: node(1, department=SALES),
        2: node(2, department=SALES),
        3: node(3, department=ENGINEERING),
        4: node(4, department=ENGINEERING),
        5: node(5, department=MARKETING),
    }
    pairs = [(1, 3), (1, 4), (2, 3), (5, 3), (3, 4)]
    assert team_blocks(nodes, pairs) == {(ENGINEERING, SALES): 2, (ENGINEERING, MARKETING): 1}


def test_team_blocks_leaves_out_blocks_inside_one_department():
    nodes = {1: node(1), 2: node(2)}
    assert team_blocks(nodes, [(1, 2)]) == {}
