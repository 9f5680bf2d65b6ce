"""Tracking's changes appear in the plan's activity feed: a replaced KPI value shows old → new."""

from decimal import Decimal

from django.urls import reverse

from planning import activity
from planning.concurrency import save_versioned
from tests.factories import KpiFactory, MeasurementFactory


def test_a_replaced_kpi_value_shows_old_and_new_in_the_activity_feed(people, client_for):
    kpi = KpiFactory(plan=people.plan, department=people.sales, name="Win rate")
    value = MeasurementFactory(plan=people.plan, kpi=kpi, goal=None, value=Decimal("20"))
    save_versioned(value, expected_version=1, changes={"value": Decimal("25")})
    rows = activity.events_query(people.plan, kind="measurement", department_id=people.sales.pk)
    events = activity.events_for_page(people.plan, rows)
    assert [(e.action, e.title) for e in events] == [
        ("changed", "Win rate · Jan 2026"),
        ("created", "Win rate · Jan 2026"),
    ]
    assert [(c.old, c.new) for c in events[0].changes] == [("20", "25")]
    page = client_for(people.viewer).get(reverse("planning:activity", args=[people.plan.pk]))
    assert b"Win rate" in page.content


def test_tracking_kinds_are_offered_in_the_activity_filter():
    kinds = dict(activity.kinds())
    assert {"kpi", "kpi_target", "measurement", "spend"} <= set(kinds)
