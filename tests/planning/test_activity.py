"""Activity (SPEC §5): history of every change with old → new, comments, plan changes,
filters, paging at a fixed query count; notifications with "mark all read"."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import activity
from planning.concurrency import save_versioned
from planning.models import Notification, PlanChange
from planning.services.comments import comment_create
from planning.services.swot import swot_entry_create
from tests.factories import (
    BudgetLineFactory,
    DepartmentFactory,
    GoalCheckpointFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    PlanFactory,
    ResourceRequirementFactory,
)


def feed_url(plan, query=""):
    url = reverse("planning:activity", args=[plan.pk])
    return f"{url}?{query}" if query else url


def test_a_change_shows_who_what_and_old_to_new(people, client_for):
    goal = GoalFactory(
        plan=people.plan,
        department=people.sales,
        owner=people.head_sales,
        title="Hire four AEs",
        target=Decimal("4"),
    )
    goal.history.update(history_user=people.head_sales)
    save_versioned(
        goal,
        expected_version=1,
        changes={"target": Decimal("5"), "owner": people.leader, "direction": "decrease"},
    )
    events = activity.events_for_page(people.plan, activity.events_query(people.plan))
    changed = events[0]
    assert (changed.action, changed.title, changed.kind) == ("changed", "Hire four AEs", "goal")
    by_field = {c.label: (c.old, c.new) for c in changed.changes}
    assert by_field["Target"] == ("4", "5")
    assert by_field["Owner"][1] == people.leader.get_full_name()
    assert by_field["Direction"] == ("Increase", "Decrease")
    assert "Version" not in by_field
    assert events[1].action == "created" and events[1].who == people.head_sales


def test_links_between_goals_and_swot_entries_show_as_names(people):
    goal = GoalFactory(plan=people.plan, department=people.sales, title="Shorter cycles")
    entry = swot_entry_create(plan=people.plan, kind="W", title="Slow enterprise deals")
    save_versioned(goal, expected_version=1, changes={"swot_entries": [entry]})
    events = activity.events_for_page(people.plan, activity.events_query(people.plan, kind="goal"))
    linked = [c for e in events for c in e.changes if c.label == "Swot entries"]
    assert [(c.old, c.new) for c in linked] == [("—", "Slow enterprise deals")]


def test_page_lists_changes_comments_and_plan_changes(people, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales, title="Shorter cycles")
    swot_entry_create(plan=people.plan, kind="T", title="Compliance certifications")
    comment_create(plan=people.plan, author=people.finance, subject=goal, text="Budget @leader?")
    PlanChange.objects.create(
        plan=people.plan,
        subject_type="goal",
        subject_id=goal.pk,
        subject_label=goal.title,
        field="target",
        old_value="4",
        new_value="5",
        reason="Market grew",
        changed_by=people.leader,
    )
    page = client_for(people.viewer).get(feed_url(people.plan)).content.decode()
    for text in (
        "Shorter cycles",
        "Compliance certifications",
        "commented on",
        '<span class="mention">@leader</span>',
        "recorded a plan change",
        "Market grew",
    ):
        assert text in page
    assert 'id="notifications"' in page


def test_deleted_objects_stay_in_the_feed(people, client_for):
    entry = swot_entry_create(plan=people.plan, kind="S", title="Gone soon")
    entry.delete()
    rows = activity.events_query(people.plan, kind="swot")
    events = activity.events_for_page(people.plan, rows)
    assert [e.action for e in events] == ["deleted", "created"]
    assert events[0].title == "Gone soon" and events[0].url is None


def test_filter_by_department_and_kind(people, client_for):
    GoalFactory(plan=people.plan, department=people.sales, title="Sales goal")
    GoalFactory(plan=people.plan, department=people.marketing, title="Marketing goal")
    swot_entry_create(plan=people.plan, kind="S", title="Sales strength", department=people.sales)
    client = client_for(people.viewer)
    sales = client.get(feed_url(people.plan, f"department={people.sales.pk}")).content.decode()
    assert "Sales goal" in sales and "Sales strength" in sales and "Marketing goal" not in sales
    goals = client.get(feed_url(people.plan, "kind=swot")).content.decode()
    assert "Sales strength" in goals and "Sales goal" not in goals


def test_outsider_gets_404(people, client_for):
    assert client_for(people.outsider).get(feed_url(people.plan)).status_code == 404


def test_the_feed_is_paginated_newest_first(people, client_for):
    for n in range(35):
        swot_entry_create(plan=people.plan, kind="S", title=f"Entry {n:02d}")
    client = client_for(people.viewer)
    first = client.get(feed_url(people.plan)).content.decode()
    assert "Entry 34" in first and "Entry 04" not in first and "Page 1 of 2" in first
    second = client.get(feed_url(people.plan, "page=2")).content.decode()
    assert "Entry 04" in second and "Entry 34" not in second


# --- notifications --------------------------------------------------------------------------


def test_notifications_are_listed_and_marked_read(people, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales, owner=people.head_sales)
    comment_create(plan=people.plan, author=people.leader, subject=goal, text="@head_sales ok?")
    other_plan = PlanFactory()
    Notification.objects.create(user=people.head_sales, plan=other_plan, text="Elsewhere")
    client = client_for(people.head_sales)
    page = client.get(feed_url(people.plan)).content.decode()
    assert "mentioned you" in page and "Mark all read" in page and "Elsewhere" not in page
    response = client.post(reverse("planning:notifications-read", args=[people.plan.pk]))
    assert response["Location"].endswith("#notifications")
    assert not Notification.objects.filter(plan=people.plan, read=False).exists()
    assert Notification.objects.get(plan=other_plan).read is False


def test_opening_a_notification_marks_it_read_and_follows_its_link(people, client_for):
    note = Notification.objects.create(
        user=people.viewer, plan=people.plan, text="See", url="/plans/1/goals/1/#comment-3"
    )
    evil = Notification.objects.create(
        user=people.viewer, plan=people.plan, text="x", url="https://evil.example/"
    )
    client = client_for(people.viewer)
    open_url = reverse("planning:notification-open", args=[people.plan.pk, note.pk])
    assert client.get(open_url)["Location"] == "/plans/1/goals/1/#comment-3"
    note.refresh_from_db()
    assert note.read
    evil_url = reverse("planning:notification-open", args=[people.plan.pk, evil.pk])
    assert "evil" not in client.get(evil_url)["Location"]
    others = reverse("planning:notification-open", args=[people.plan.pk, note.pk])
    assert client_for(people.leader).get(others).status_code == 404


# --- cost -----------------------------------------------------------------------------------


def _fill(plan, departments, per_department, author):
    for department in departments:
        for n in range(per_department):
            goal = GoalFactory(plan=plan, department=department, owner=author)
            GoalCheckpointFactory(goal=goal, quarter=1)
            save_versioned(goal, expected_version=1, changes={"target": Decimal(n + 9)})
            initiative = InitiativeFactory(
                plan=plan, department=department, goal=goal, owner=author
            )
            MilestoneFactory(initiative=initiative)
            ResourceRequirementFactory(plan=plan, goal=goal)
            if n < 2:  # keeps the newest page free of budget lines at both sizes
                BudgetLineFactory(plan=plan, department=department, month=dt.date(2026, n + 1, 1))
            swot_entry_create(plan=plan, kind="W", title=f"W{n}", department=department)
            comment_create(plan=plan, author=author, subject=goal, text="Fine")
        PlanChange.objects.create(
            plan=plan,
            subject_type="goal",
            subject_id=goal.pk,
            subject_label=goal.title,
            field="target",
            old_value="1",
            new_value="2",
            reason="why",
            changed_by=author,
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_feed_query_count_does_not_grow_with_the_plan(people, client_for):
    """Same mix of kinds on the page: the same number of queries at 1x and 10x."""
    queries = ["", "kind=goal", "kind=goal&page=2", f"department={people.sales.pk}"]
    _fill(people.plan, [people.sales, people.marketing], 8, people.leader)
    client = client_for(people.leader)
    small = [_queries(client, feed_url(people.plan, q)) for q in queries]
    big = PlanFactory(name="Big")
    MembershipFactory(user=people.leader, plan=big, role="leadership")
    departments = [DepartmentFactory(plan=big) for _ in range(10)]
    _fill(big, departments, 16, people.leader)
    queries[-1] = f"department={departments[-1].pk}"
    assert [_queries(client, feed_url(big, q)) for q in queries] == small


def test_feed_queries_are_bounded_by_the_kinds_not_the_rows(people, client_for):
    """Any page: one query per kind and per related model at most, never one per row."""
    _fill(people.plan, [people.sales, people.marketing], 12, people.leader)
    client = client_for(people.leader)
    empty = _queries(client, feed_url(people.plan, "kind=priority"))
    bound = empty + len(activity.kinds()) + 6  # records per kind + names per related model
    for page in (1, 2, 3, 4):
        assert _queries(client, feed_url(people.plan, f"page={page}")) <= bound


def test_other_apps_add_their_models_to_the_feed(people, monkeypatch):
    """The contract for tracking and reviews: register a HistorySource in AppConfig.ready()."""
    from tests.factories import SpendFactory
    from tracking.models import Spend

    source = activity.HistorySource(
        "spend", "Spend", Spend, title=lambda record, names: f"{record.month:%b %Y}"
    )
    monkeypatch.setitem(activity._SOURCES, "spend", source)
    spend = SpendFactory(plan=people.plan, department=people.sales, amount=Decimal("1000"))
    save_versioned(spend, expected_version=1, changes={"amount": Decimal("1250.50")})
    rows = activity.events_query(people.plan, kind="spend", department_id=people.sales.pk)
    events = activity.events_for_page(people.plan, rows)
    assert [(e.action, e.title) for e in events] == [
        ("changed", "Jan 2026"),
        ("created", "Jan 2026"),
    ]
    assert [(c.label, c.old, c.new) for c in events[0].changes] == [("Amount", "1,000", "1,250.5")]
