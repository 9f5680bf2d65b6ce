"""No lost updates (SPEC §6): eight people save the same goal at once, on PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from planning.concurrency import EditConflict
from planning.models import Goal
from planning.services.goals import goal_update
from tests.factories import GoalFactory

WRITERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writers_lose_no_update():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    goal = GoalFactory(target=Decimal("0"))
    start = threading.Barrier(WRITERS)
    conflicts, errors = [], []

    def writer():
        try:
            start.wait()
            while True:
                # Each attempt is a person who loads the form, adds one and saves.
                current = Goal.objects.get(pk=goal.pk)
                try:
                    goal_update(
                        goal=current,
                        user=None,
                        expected_version=current.version,
                        changes={"target": current.target + 1},
                    )
                    return
                except EditConflict:
                    conflicts.append(1)  # told, reloads and tries again
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    goal.refresh_from_db()
    assert goal.target == WRITERS
    assert goal.version == 1 + WRITERS
    saved = sorted(h.target for h in goal.history.filter(history_type="~").order_by("history_date"))
    assert saved == [Decimal(n) for n in range(1, WRITERS + 1)]
    print(f"{len(conflicts)} conflicts were reported and retried")
