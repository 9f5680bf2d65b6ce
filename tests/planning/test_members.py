"""Members and plan settings: everyone reads, leadership writes; bad input changes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import Membership
from tests.factories import UserFactory


def url(people, name="planning:members"):
    return reverse(name, args=[people.plan.pk])


@pytest.mark.parametrize("role", ["head_sales", "finance", "contributor_sales", "viewer"])
def test_members_are_listed_for_every_member_but_only_leadership_may_add(people, client_for, role):
    client = client_for(getattr(people, role))
    page = client.get(url(people))
    assert page.status_code == 200
    assert b"head_marketing" in page.content
    assert b"Add a member" not in page.content
    newcomer = UserFactory(username="newcomer")
    response = client.post(url(people), {"user": "newcomer", "role": "viewer"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=newcomer).exists()


def test_outsider_gets_404(people, client_for):
    assert client_for(people.outsider).get(url(people)).status_code == 404


def test_leader_adds_a_department_head_by_email(people, client_for):
    newcomer = UserFactory(username="newcomer", email="New.Comer@example.com")
    response = client_for(people.leader).post(
        url(people),
        {"user": "new.comer@example.com", "role": "department_head", "department": people.sales.pk},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.role, membership.department) == ("department_head", people.sales)
    assert newcomer.notifications.count() == 1


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"user": "nobody", "role": "viewer"}, "user", "No account"),
        ({"user": "newcomer", "role": "contributor"}, "department", "need a department"),
        ({"user": "newcomer", "role": "finance", "department": "SALES"}, "department", ""),
        (
            {"user": "head_sales", "role": "department_head", "department": "SALES"},
            "role",
            "already has this role",
        ),
        ({"user": "", "role": "viewer"}, "user", "required"),
        ({"user": "newcomer", "role": "owner"}, "role", "valid choice"),
    ],
)
def test_bad_member_input_is_explained_and_changes_nothing(
    people, client_for, data, field, message
):
    UserFactory(username="newcomer")
    if data.get("department") == "SALES":
        data = {**data, "department": people.sales.pk}
    before = Membership.objects.count()
    response = client_for(people.leader).post(url(people), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert Membership.objects.count() == before


def test_the_last_leader_cannot_be_removed(people, client_for):
    membership = Membership.objects.get(user=people.leader, plan=people.plan)
    client = client_for(people.leader)
    response = client.post(
        reverse("planning:member-remove", args=[people.plan.pk, membership.pk]), follow=True
    )
    assert b"at least one person in leadership" in response.content
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_leader_removes_a_viewer_but_a_head_may_not(people, client_for):
    membership = Membership.objects.get(user=people.viewer, plan=people.plan)
    remove = reverse("planning:member-remove", args=[people.plan.pk, membership.pk])
    assert client_for(people.head_sales).post(remove).status_code == 403
    assert client_for(people.leader).post(remove).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_thresholds_are_typed_as_percentages(people, client_for):
    response = client_for(people.leader).post(
        url(people, "planning:plan-settings"),
        {"name": "FY 2026", "currency": "eur", "behind_threshold": "15", "burn_threshold": "75"},
    )
    assert response.status_code == 302
    people.plan.refresh_from_db()
    assert people.plan.behind_threshold == Decimal("0.150")
    assert people.plan.burn_threshold == Decimal("0.750")
    assert people.plan.currency == "EUR"


@pytest.mark.parametrize(
    "data",
    [
        {"behind_threshold": "150", "burn_threshold": "80", "currency": "USD"},
        {"behind_threshold": "-1", "burn_threshold": "80", "currency": "USD"},
        {"behind_threshold": "ten", "burn_threshold": "80", "currency": "USD"},
        {"behind_threshold": "10", "burn_threshold": "80", "currency": "DOLLARS"},
    ],
)
def test_bad_settings_change_nothing(people, client_for, data):
    response = client_for(people.leader).post(
        url(people, "planning:plan-settings"), {"name": "Renamed", **data}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    people.plan.refresh_from_db()
    assert people.plan.name == "FY 2026"


def test_only_leadership_may_open_the_settings(people, client_for):
    assert client_for(people.finance).get(url(people, "planning:plan-settings")).status_code == 403
