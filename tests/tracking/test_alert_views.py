"""The alert page: who sees and does what (SPEC §3.1), filters, acknowledge with htmx,
"Recompute now", the webhook form, and a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DepartmentFactory, UserFactory
from tests.tracking.test_alerts_service import hires_goal
from tracking.models import Alert

State = Alert.State


def make_alert(
    plan,
    department=None,
    owner=None,
    rule=Alert.Rule.GOAL_BEHIND,
    state=State.OPEN,
    severity=Alert.Severity.WARNING,
    subject_id=1,
    message="Something is behind",
):
    return Alert.objects.create(
        plan=plan,
        rule=rule,
        subject_type="goal",
        subject_id=subject_id,
        period=dt.date(2026, 3, 1),
        department=department,
        owner=owner,
        state=state,
        severity=severity,
        facts={"text": message},
    )


def list_url(plan, query=""):
    return reverse("tracking:alert-list", kwargs={"plan_id": plan.pk}) + query


def ack_url(alert):
    return reverse("tracking:alert-acknowledge", kwargs={"plan_id": alert.plan_id, "pk": alert.pk})


# ---------------------------------------------------------------------------------------------
# Seeing


@pytest.mark.parametrize(
    "who", ["leader", "head_sales", "head_marketing", "finance", "contributor_sales", "viewer"]
)
def test_every_member_sees_the_plans_open_alerts(people, client_for, who):
    make_alert(people.plan, people.sales, message="Hire 4 enterprise AEs is 50 % behind plan")
    response = client_for(getattr(people, who)).get(list_url(people.plan))
    assert response.status_code == 200
    assert "Hire 4 enterprise AEs is 50 % behind plan" in response.content.decode()


def test_outsider_does_not_learn_the_plan_exists(people, client_for):
    response = client_for(people.outsider).get(list_url(people.plan))
    assert response.status_code == 404


def test_empty_plan_says_what_to_do_first(people, client_for):
    page = client_for(people.viewer).get(list_url(people.plan)).content.decode()
    assert "No alerts yet" in page
    assert "<h1>Alerts</h1>" in page


def test_resolved_alerts_are_hidden_unless_asked_for(people, client_for):
    make_alert(people.plan, message="Still open", subject_id=1)
    make_alert(people.plan, message="Long gone", subject_id=2, state=State.RESOLVED)
    client = client_for(people.viewer)
    page = client.get(list_url(people.plan)).content.decode()
    assert "Still open" in page and "Long gone" not in page
    page = client.get(list_url(people.plan, "?state=resolved")).content.decode()
    assert "Long gone" in page and "Still open" not in page
    page = client.get(list_url(people.plan, "?state=all")).content.decode()
    assert "Long gone" in page and "Still open" in page


def test_filters_by_department_rule_severity_and_mine(people, client_for):
    make_alert(
        people.plan,
        people.sales,
        message="Sales goal behind",
        subject_id=1,
        owner=people.head_sales,
    )
    make_alert(
        people.plan,
        people.marketing,
        message="Marketing burns early",
        subject_id=2,
        rule=Alert.Rule.BURN_EARLY,
        severity=Alert.Severity.CRITICAL,
    )
    client = client_for(people.head_sales)

    def shown(query):
        page = client.get(list_url(people.plan, query)).content.decode()
        return [m for m in ("Sales goal behind", "Marketing burns early") if m in page]

    assert shown(f"?department={people.sales.pk}") == ["Sales goal behind"]
    assert shown("?rule=burn_early") == ["Marketing burns early"]
    assert shown("?severity=critical") == ["Marketing burns early"]
    assert shown("?mine=on") == ["Sales goal behind"]
    assert shown("") == ["Sales goal behind", "Marketing burns early"]


def test_department_filter_offers_only_this_plans_departments(people, client_for):
    DepartmentFactory(name="Someone else's team")
    page = client_for(people.viewer).get(list_url(people.plan)).content.decode()
    assert "Sales" in page and "Someone else&#x27;s team" not in page


def test_critical_open_alerts_come_first(people, client_for):
    make_alert(people.plan, message="A warning", subject_id=1)
    make_alert(
        people.plan, message="A critical one", subject_id=2, severity=Alert.Severity.CRITICAL
    )
    page = client_for(people.viewer).get(list_url(people.plan)).content.decode()
    assert page.index("A critical one") < page.index("A warning")


def test_alert_links_to_its_goal(people, client_for):
    goal = hires_goal(people.plan, people.sales)
    make_alert(people.plan, people.sales, subject_id=goal.pk)
    page = client_for(people.viewer).get(list_url(people.plan)).content.decode()
    assert (
        reverse("planning:goal-detail", kwargs={"plan_id": people.plan.pk, "pk": goal.pk}) in page
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_page_query_count_does_not_grow_with_alerts(people, client_for):
    client = client_for(people.head_sales)
    make_alert(people.plan, people.sales, owner=people.leader)
    small = count_queries(client, list_url(people.plan))
    for i in range(40):
        department = DepartmentFactory(plan=people.plan, head=UserFactory())
        make_alert(people.plan, department, owner=UserFactory(), subject_id=100 + i)
    assert count_queries(client, list_url(people.plan)) == small


# ---------------------------------------------------------------------------------------------
# Acknowledging


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("leader", True),
        ("head_sales", True),  # head of the alert's department
        ("head_marketing", False),
        ("finance", False),
        ("contributor_sales", False),
        ("viewer", False),
    ],
)
def test_who_may_acknowledge_a_sales_alert(people, client_for, who, allowed):
    alert = make_alert(people.plan, people.sales)
    client = client_for(getattr(people, who))
    page = client.get(list_url(people.plan)).content.decode()
    assert (ack_url(alert) in page) is allowed  # the button only for those who may
    response = client.post(ack_url(alert))
    alert.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert alert.state == State.ACKNOWLEDGED
        assert alert.acknowledged_by == getattr(people, who)
    else:
        assert response.status_code == 403
        assert alert.state == State.OPEN


def test_owner_may_acknowledge_their_alert_in_any_department(people, client_for):
    alert = make_alert(people.plan, people.marketing, owner=people.contributor_sales)
    response = client_for(people.contributor_sales).post(ack_url(alert))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == State.ACKNOWLEDGED


def test_acknowledge_with_htmx_swaps_the_row_and_the_nav_badge(people, client_for):
    alert = make_alert(people.plan, people.sales, subject_id=1)
    make_alert(people.plan, people.sales, subject_id=2)
    response = client_for(people.head_sales).post(ack_url(alert), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="alert-{alert.pk}"' in html and "Acknowledged" in html
    assert ack_url(alert) not in html  # no button on an acknowledged alert
    assert 'id="nav-open-alerts" hx-swap-oob="true"' in html
    assert '<span class="badge" title="open alerts">1</span>' in html
    assert 'id="alert-totals" hx-swap-oob="true"' in html


def test_alert_of_another_plan_is_not_found(people, client_for):
    other = make_alert(DepartmentFactory().plan)
    url = reverse("tracking:alert-acknowledge", kwargs={"plan_id": people.plan.pk, "pk": other.pk})
    assert client_for(people.leader).post(url).status_code == 404


def test_acknowledge_needs_post(people, client_for):
    alert = make_alert(people.plan, people.sales)
    assert client_for(people.leader).get(ack_url(alert)).status_code == 405


# ---------------------------------------------------------------------------------------------
# Recompute now and the webhook (leadership)


def test_leadership_recomputes_now_and_sees_the_result(people, client_for):
    hires_goal(people.plan, people.sales)
    url = reverse("tracking:alert-recompute", kwargs={"plan_id": people.plan.pk})
    client = client_for(people.leader)
    assert "Recompute now" in client.get(list_url(people.plan)).content.decode()
    response = client.post(url, follow=True)
    assert "Alerts checked:" in response.content.decode()


@pytest.mark.parametrize("who", ["head_sales", "finance", "contributor_sales", "viewer"])
def test_only_leadership_may_recompute_or_set_the_webhook(people, client_for, who):
    client = client_for(getattr(people, who))
    page = client.get(list_url(people.plan)).content.decode()
    assert "Recompute now" not in page and "Save webhook" not in page
    plan_id = people.plan.pk
    assert client.post(reverse("tracking:alert-recompute", args=[plan_id])).status_code == 403
    response = client.post(
        reverse("tracking:alert-webhook", args=[plan_id]),
        {"webhook_url": "https://hooks.example.com/x"},
    )
    assert response.status_code == 403
    people.plan.refresh_from_db()
    assert people.plan.webhook_url == ""


def test_leadership_sets_and_clears_the_webhook(people, client_for):
    client = client_for(people.leader)
    url = reverse("tracking:alert-webhook", args=[people.plan.pk])
    response = client.post(url, {"webhook_url": "https://hooks.slack.com/services/T/B/x"})
    assert response.status_code == 302
    people.plan.refresh_from_db()
    assert people.plan.webhook_url == "https://hooks.slack.com/services/T/B/x"
    assert people.plan.history.count() >= 2  # the change is in the plan's history
    client.post(url, {"webhook_url": ""})
    people.plan.refresh_from_db()
    assert people.plan.webhook_url == ""


@pytest.mark.parametrize("bad", ["not a url", "ftp://files.example.com/hook", "javascript:x"])
def test_bad_webhook_is_refused_next_to_the_field_and_nothing_is_saved(people, client_for, bad):
    response = client_for(people.leader).post(
        reverse("tracking:alert-webhook", args=[people.plan.pk]), {"webhook_url": bad}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html
    assert f'value="{bad}"' in html  # what was typed is kept
    people.plan.refresh_from_db()
    assert people.plan.webhook_url == ""
