"""Dependencies between initiatives (SPEC §4.4), as pure functions over plain values.

An initiative X that depends on Y is **blocked** at date d when Y is not done and either Y's
planned end is after X's start (X was planned to start before Y delivers), or Y is overdue
(d > Y's planned end). "Team A blocks team B" when an initiative of A blocks one of B. Cycles
in depends_on are refused with a clear error that names the cycle.

Edges are pairs `(x, y)` meaning "x depends on y". Nothing here touches the database: the
roadmap, the alert task and the dependency dashboard fetch the rows and call these functions.

Two readings of the rule, chosen here once for every caller:
- a **cancelled** Y blocks nobody: it will never be delivered, so waiting for it is no longer
  the question (the dependency itself should be removed or replaced by the plan owner);
- a **done or cancelled** X is not blocked: nothing is left of it to hold up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

DONE = "done"
CANCELLED = "cancelled"
_FINISHED = frozenset({DONE, CANCELLED})


@dataclass(frozen=True)
class Node:
    """What the rule needs to know of one initiative. `status` is an Initiative.Status value."""

    id: int
    department_id: int
    start: dt.date
    planned_end: dt.date
    status: str


def find_cycle(
    edges: Iterable[tuple[int, int]], new_edge: tuple[int, int] | None = None
) -> list[int] | None:
    """A cycle in the "depends on" graph as the ids along it, first == last
    (`[a, b, c, a]`: a depends on b, b on c, c on a), or None.

    With `new_edge`, only cycles that the new edge would close are looked for, and the answer
    starts with it (`[x, y, …, x]` for new edge (x, y)); the shortest such cycle is returned.
    Without it, any cycle among `edges` is returned."""
    graph = _graph(edges)
    if new_edge is None:
        return _any_cycle(graph)
    x, y = new_edge
    if x == y:
        return [x, x]
    path = _shortest_path(graph, y, x)
    return [x, *path] if path else None


def is_blocked(x: Node, y: Node, at: dt.date) -> bool:
    """Is X, which depends on Y, blocked at date `at`? (SPEC §4.4; see the module docstring
    for cancelled and finished initiatives.)"""
    if x.status in _FINISHED or y.status in _FINISHED:
        return False
    return y.planned_end > x.start or at > y.planned_end


def blocked_mask(
    x_status: np.ndarray,
    x_start: np.ndarray,
    y_status: np.ndarray,
    y_end: np.ndarray,
    at: dt.date,
) -> np.ndarray:
    """`is_blocked` for many edges at once: element i says whether X_i (status, start) is
    blocked by Y_i (status, planned end) at `at`. Dates as datetime64[D] arrays (or anything
    numpy turns into them); the same answers as `is_blocked` edge by edge."""
    finished = list(_FINISHED)
    open_ = ~np.isin(np.asarray(x_status, dtype=object), finished) & ~np.isin(
        np.asarray(y_status, dtype=object), finished
    )
    starts = np.asarray(x_start, dtype="datetime64[D]")
    ends = np.asarray(y_end, dtype="datetime64[D]")
    return open_ & ((ends > starts) | (np.datetime64(at, "D") > ends))


def blockers(
    nodes: Mapping[int, Node], edges: Iterable[tuple[int, int]], at: dt.date
) -> list[tuple[int, int]]:
    """The (x_id, y_id) pairs among `edges` where Y blocks X at `at`, in edge order.
    Edges naming an initiative missing from `nodes` are ignored."""
    found = []
    for x_id, y_id in edges:
        x, y = nodes.get(x_id), nodes.get(y_id)
        if x is not None and y is not None and is_blocked(x, y, at):
            found.append((x_id, y_id))
    return found


def team_blocks(
    nodes: Mapping[int, Node], pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """(blocking department, blocked department) → number of distinct blocked initiatives,
    for blocking pairs (x_id, y_id) as returned by `blockers`; pairs inside one department
    are left out ("team A blocks team B" is about two teams)."""
    blocked: dict[tuple[int, int], set[int]] = defaultdict(set)
    for x_id, y_id in pairs:
        x, y = nodes.get(x_id), nodes.get(y_id)
        if x is None or y is None or x.department_id == y.department_id:
            continue
        blocked[(y.department_id, x.department_id)].add(x_id)
    return {teams: len(ids) for teams, ids in blocked.items()}


def _graph(edges: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    graph: dict[int, set[int]] = defaultdict(set)
    for x, y in edges:
        graph[x].add(y)
    # Sorted neighbours make the answer the same on every run.
    return {node: sorted(targets) for node, targets in graph.items()}


def _shortest_path(graph: Mapping[int, list[int]], source: int, target: int) -> list[int]:
    """Ids from `source` to `target` along edges (breadth first), or [] when unreachable."""
    previous: dict[int, int | None] = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            path = []
            step: int | None = node
            while step is not None:
                path.append(step)
                step = previous[step]
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return []


def _any_cycle(graph: Mapping[int, list[int]]) -> list[int] | None:
    """Depth-first search without recursion (plans hold up to 10,000 initiatives)."""
    state: dict[int, int] = {}  # 1 = on the current path, 2 = finished
    for root in sorted(graph):
        if root in state:
            continue
        path = [root]
        state[root] = 1
        stack = [iter(graph.get(root, ()))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph.get(nxt, ())))
    return None
