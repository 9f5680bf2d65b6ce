"""Overdue action items of a review raise alerts (SPEC §4.5); done ones resolve them."""

import datetime as dt

from reviews.models import ActionItem, MonthlyReview
from tracking.models import Alert
from tracking.services.alerts import alerts_recompute


def _item(people, due, status=ActionItem.Status.OPEN):
    review, _ = MonthlyReview.objects.get_or_create(
        plan=people.plan, month=dt.date(2026, 3, 1), defaults={"date": dt.date(2026, 4, 5)}
    )
    return ActionItem.objects.create(
        review=review,
        title="Call the auditor",
        owner=people.head_sales,
        due_date=due,
        status=status,
    )


def _alerts(people):
    return Alert.objects.filter(plan=people.plan, rule=Alert.Rule.ACTION_ITEM_OVERDUE)


def test_an_open_action_item_past_its_due_date_raises_an_alert_for_its_owner(people):
    item = _item(people, dt.date(2026, 4, 30))
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 5, 10))
    alert = _alerts(people).get()
    assert (alert.subject_id, alert.owner, alert.state) == (item.pk, people.head_sales, "open")
    assert "Call the auditor" in alert.message


def test_an_action_item_not_yet_due_or_done_raises_nothing(people):
    _item(people, dt.date(2026, 5, 30))
    _item(people, dt.date(2026, 4, 1), status=ActionItem.Status.DONE)
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 5, 10))
    assert not _alerts(people).exists()


def test_marking_it_done_resolves_the_alert(people):
    item = _item(people, dt.date(2026, 4, 30))
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 5, 10))
    item.status = ActionItem.Status.DONE
    item.save()
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 5, 11))
    assert _alerts(people).get().state == Alert.State.RESOLVED
