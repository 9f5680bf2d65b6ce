"""Values pushed by other systems (issue 4: "typed in a month grid, imported, or pushed by API")."""

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import GoalFactory, KpiFactory, MeasurementFactory, PlanFactory
from tracking.models import Measurement

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _june_2026(monkeypatch):
    """Values are taken up to the current month; these tests live in June 2026."""
    monkeypatch.setattr(
        "tracking.services.measurements.open_until", lambda today=None: dt.date(2026, 6, 1)
    )


@pytest.fixture
def subjects(people):
    return {
        "pipeline": KpiFactory(plan=people.plan, department=people.sales, code="Pipeline"),
        "mql": KpiFactory(plan=people.plan, department=people.marketing, code="mql"),
        "hires": GoalFactory(plan=people.plan, department=people.sales, owner=people.head_sales),
    }


def url(plan) -> str:
    return f"/api/plans/{plan.pk}/measurements/"


def push(client, plan, *values):
    return client.post(url(plan), {"values": list(values)}, content_type="application/json")


def stored(subject, month=MARCH):
    field = "kpi" if hasattr(subject, "code") else "goal"
    return Measurement.objects.filter(**{field: subject, "period": month}).first()


def test_a_head_pushes_kpi_and_goal_values_like_the_month_grid_saves_them(
    people, subjects, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = push(
            client_for(people.head_sales),
            people.plan,
            {"kpi": "PIPELINE", "month": "2026-03", "value": 1250000},
            {"goal": subjects["hires"].pk, "month": "2026-03-01", "value": "3.5"},
        )
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "deleted": 0, "unchanged": 0}
    value = stored(subjects["pipeline"])
    assert (value.value, value.source, value.entered_by) == (
        Decimal("1250000"),
        "api",
        people.head_sales,
    )
    assert stored(subjects["hires"]).value == Decimal("3.5")
    recomputes = [c for c in callbacks if getattr(c, "recompute_plan_id", None) == people.plan.pk]
    assert len(recomputes) == 1  # the alerts follow, as after a grid save


def test_without_a_version_a_value_replaces_the_stored_one_and_history_keeps_both(
    people, subjects, client_for
):
    MeasurementFactory(plan=people.plan, kpi=subjects["pipeline"], goal=None, period=MARCH, value=5)
    response = push(
        client_for(people.head_sales),
        people.plan,
        {"kpi": "pipeline", "month": "2026-03", "value": 7},
        {"kpi": "pipeline", "month": "2026-04", "value": None},  # nothing stored: unchanged
    )
    assert response.json() == {"created": 0, "updated": 1, "deleted": 0, "unchanged": 1}
    value = stored(subjects["pipeline"])
    assert (value.value, value.version) == (Decimal("7"), 2)
    assert [h.value for h in value.history.order_by("history_id")] == [Decimal("5"), Decimal("7")]


def test_with_a_version_someone_elses_newer_value_is_a_conflict_and_nothing_is_written(
    people, subjects, client_for
):
    value = MeasurementFactory(
        plan=people.plan, kpi=subjects["pipeline"], goal=None, period=MARCH, value=5
    )
    Measurement.objects.filter(pk=value.pk).update(version=3, entered_by=people.leader)
    response = push(
        client_for(people.head_sales),
        people.plan,
        {"kpi": "pipeline", "month": "2026-04", "value": 1},
        {"kpi": "pipeline", "month": "2026-03", "value": 9, "version": 1},
    )
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["index"] == 1 and error["conflict"] is True
    assert (error["stored"], error["version"]) == ("5.0000", 3)
    assert error["stored_by"] == (people.leader.get_full_name() or people.leader.username)
    assert stored(subjects["pipeline"]).value == Decimal("5")
    assert stored(subjects["pipeline"], APRIL) is None  # all or nothing
    # Sending the stored version keeps one's own value.
    again = push(
        client_for(people.head_sales),
        people.plan,
        {"kpi": "pipeline", "month": "2026-03", "value": 9, "version": 3},
    )
    assert again.status_code == 200
    assert stored(subjects["pipeline"]).value == Decimal("9")


def test_null_clears_a_month(people, subjects, client_for):
    MeasurementFactory(plan=people.plan, kpi=subjects["pipeline"], goal=None, period=MARCH, value=5)
    response = push(
        client_for(people.head_sales),
        people.plan,
        {"kpi": "pipeline", "month": "2026-03", "value": None},
    )
    assert response.json()["deleted"] == 1
    assert stored(subjects["pipeline"]) is None


def test_every_bad_value_is_reported_with_its_index_and_nothing_is_written(
    people, subjects, client_for
):
    other_goal = GoalFactory(plan=PlanFactory())
    response = push(
        client_for(people.leader),
        people.plan,
        {"kpi": "pipeline", "month": "2026-03", "value": 1},  # fine, but not written
        {"kpi": "no-such-kpi", "month": "2026-03", "value": 1},
        {"kpi": "pipeline", "month": "March", "value": 1},
        {"kpi": "pipeline", "goal": subjects["hires"].pk, "month": "2026-03", "value": 1},
        {"goal": other_goal.pk, "month": "2026-03", "value": 1},
        {"kpi": "mql", "month": "2026-03", "value": "a lot"},
        {"kpi": "mql", "month": "2026-09", "value": 1},  # has not started yet
        {"kpi": "PIPELINE", "month": "2026-03", "value": 2},  # the first one again
    )
    assert response.status_code == 400
    assert not Measurement.objects.exists()
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [
        (1, "kpi"),
        (2, "month"),
        (3, "subject"),
        (4, "value"),
        (5, "value"),
        (6, "value"),
        (7, "month"),
    ]
    messages = [e["message"] for e in errors]
    assert "2026-03" in messages[1] and "no longer exists" in messages[3]
    assert "given twice (see value 0)" in messages[6]


@pytest.mark.parametrize(
    "body",
    [
        {"values": []},
        {"values": "pipeline=5"},
        {"numbers": [1, 2]},
        [{"kpi": "pipeline", "month": "2026-03", "value": 1}],
        {"values": [{"kpi": "pipeline", "month": "2026-03", "value": 1}] * 1001},
        {"values": [{"kpi": "pipeline", "month": "2026-03", "value": 1}, "pipeline=5"]},
    ],
    ids=["empty", "not-a-list", "no-values", "not-an-object", "too-many", "a-value-not-an-object"],
)
def test_malformed_requests_are_refused_with_a_message(people, subjects, client_for, body):
    response = client_for(people.leader).post(
        url(people.plan), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    assert not Measurement.objects.exists()


def test_broken_json_is_a_400(people, client_for):
    response = client_for(people.leader).post(
        url(people.plan), "{values: ", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["head_marketing", "viewer", "finance"])
def test_a_value_the_person_may_not_enter_is_403_and_nothing_is_written(
    people, subjects, client_for, who
):
    response = push(
        client_for(getattr(people, who)),
        people.plan,
        {"kpi": "mql", "month": "2026-03", "value": 1},
        {"kpi": "pipeline", "month": "2026-03", "value": 1},
    )
    assert response.status_code == 403
    assert not Measurement.objects.exists()


def test_outsiders_get_404_and_strangers_401(people, subjects, client_for):
    body = {"values": [{"kpi": "pipeline", "month": "2026-03", "value": 1}]}
    outsider = client_for(people.outsider)
    assert outsider.get(url(people.plan)).status_code == 404
    assert outsider.post(url(people.plan), body, content_type="application/json").status_code == 404
    assert Client().get(url(people.plan)).status_code == 401
    assert not Measurement.objects.exists()


def test_a_script_signs_in_with_basic_authentication(people, subjects):
    people.head_sales.set_password("a long script password")
    people.head_sales.save()
    token = base64.b64encode(b"head_sales:a long script password").decode()
    script = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Basic {token}")
    body = {"values": [{"kpi": "pipeline", "month": "2026-03", "value": 4}]}
    response = script.post(url(people.plan), json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert stored(subjects["pipeline"]).entered_by == people.head_sales
    wrong = Client(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"head_sales:nope").decode())
    assert wrong.get(url(people.plan)).status_code == 401


def test_a_signed_in_session_needs_the_csrf_token_to_push(people, subjects):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.head_sales)
    response = push(browser, people.plan, {"kpi": "pipeline", "month": "2026-03", "value": 4})
    assert response.status_code == 403
    assert not Measurement.objects.exists()


def test_members_read_values_filtered_by_kpi_goal_and_months(people, subjects, client_for):
    for month, value in ((MARCH, 1), (APRIL, 2), (dt.date(2026, 5, 1), 3)):
        MeasurementFactory(
            plan=people.plan, kpi=subjects["pipeline"], goal=None, period=month, value=value
        )
    MeasurementFactory(plan=people.plan, kpi=None, goal=subjects["hires"], period=MARCH, value=9)
    MeasurementFactory(plan=PlanFactory(), period=MARCH, value=100)  # another plan: never shown
    viewer = client_for(people.viewer)
    everything = viewer.get(url(people.plan)).json()
    assert everything["count"] == 4
    pipeline = viewer.get(
        url(people.plan), {"kpi": "pipeline", "month_from": "2026-04", "month_to": "2026-05"}
    ).json()
    assert [(r["kpi"], r["month"], r["value"]) for r in pipeline["results"]] == [
        ("Pipeline", "2026-04", "2.0000"),
        ("Pipeline", "2026-05", "3.0000"),
    ]
    goal = viewer.get(url(people.plan), {"goal": subjects["hires"].pk}).json()
    assert [(r["goal"], r["kpi"], r["value"]) for r in goal["results"]] == [
        (subjects["hires"].pk, None, "9.0000")
    ]
    assert viewer.get(url(people.plan), {"month_from": "May"}).status_code == 400
