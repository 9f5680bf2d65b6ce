"""A real Celery worker process, started by the test, runs a task through Redis that writes to
PostgreSQL, and the test sees the row (issue: foundation, "Checked by")."""

import pytest

from planning.models import Notification
from planning.tasks import send_notification
from tests.worker import celery_worker, require_broker_and_postgresql, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_process_writes_a_row_that_the_test_sees(people):
    require_broker_and_postgresql()
    with celery_worker() as queue:
        send_notification.apply_async(
            kwargs={
                "user_id": people.leader.pk,
                "plan_id": people.plan.pk,
                "text": "Written by the worker",
            },
            queue=queue,
        )
        row = wait_for(lambda: Notification.objects.filter(text="Written by the worker").first())
    assert row is not None, "the worker did not write the notification within 30 s"
    assert row.user_id == people.leader.pk
