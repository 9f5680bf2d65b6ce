"""Goal tree, editor, goal page: permissions per role, bad input, conflicts, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Goal, GoalCheckpoint, Notification, Plan, PlanChange
from planning.services.goals import goal_update
from tests.factories import (
    DepartmentFactory,
    GoalFactory,
    InitiativeFactory,
    PlanFactory,
    SwotEntryFactory,
    UserFactory,
)
from tests.planning.goal_helpers import form_data, smart_goal

pytestmark = pytest.mark.django_db


def url(name, plan, *args):
    return reverse(f"planning:{name}", args=[plan.pk, *args])


@pytest.fixture
def company_goal(people):
    """A company goal (no parent) of the Sales department, owned by the head of Sales."""
    return smart_goal(people.plan, people.sales, people.head_sales, title="Reach 10 M revenue")


@pytest.fixture
def marketing_goal(people, company_goal):
    return smart_goal(
        people.plan,
        people.marketing,
        people.head_marketing,
        parent=company_goal,
        title="Generate 400 leads",
    )


# Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["leader", "head_sales", "head_marketing", "finance", "contributor_sales", "viewer"]
)
def test_every_member_sees_the_tree_and_the_goal_page(people, client_for, company_goal, role):
    client = client_for(getattr(people, role))
    assert client.get(url("goal-tree", people.plan)).status_code == 200
    assert client.get(url("goal-detail", people.plan, company_goal.pk)).status_code == 200


@pytest.mark.parametrize("name", ["goal-tree", "goal-create", "approval", "plan-baseline"])
def test_an_outsider_gets_404_for_plan_pages(people, client_for, name):
    assert client_for(people.outsider).get(url(name, people.plan)).status_code == 404


def test_an_outsider_gets_404_for_goal_pages_and_posts(people, client_for, company_goal):
    client = client_for(people.outsider)
    for name in ("goal-detail", "goal-edit"):
        assert client.get(url(name, people.plan, company_goal.pk)).status_code == 404
    response = client.post(url("goal-edit", people.plan, company_goal.pk), form_data(company_goal))
    assert response.status_code == 404


def test_a_goal_of_another_plan_is_not_found(people, client_for):
    other = GoalFactory(plan=PlanFactory())
    response = client_for(people.leader).get(url("goal-detail", people.plan, other.pk))
    assert response.status_code == 404


def test_the_tree_nests_department_goals_under_the_company_goal(
    people, client_for, company_goal, marketing_goal
):
    response = client_for(people.viewer).get(url("goal-tree", people.plan))
    rows = [(r.goal.title, r.depth) for r in response.context["rows"]]
    assert rows == [("Reach 10 M revenue", 0), ("Generate 400 leads", 1)]
    assert all(r.smart.passed for r in response.context["rows"])


def test_the_tree_filters_by_department_and_names_the_parent(
    people, client_for, company_goal, marketing_goal
):
    response = client_for(people.viewer).get(
        url("goal-tree", people.plan), {"department": people.marketing.pk}
    )
    rows = response.context["rows"]
    assert [r.goal.title for r in rows] == ["Generate 400 leads"]
    assert rows[0].parent_outside == company_goal
    assert "under “Reach 10 M revenue”" in response.content.decode()


def test_the_tree_shows_the_smart_state_of_a_failing_goal(people, client_for):
    GoalFactory(plan=people.plan, department=people.sales, title="Vague goal", description="")
    response = client_for(people.viewer).get(url("goal-tree", people.plan))
    (row,) = response.context["rows"]
    assert not row.smart.passed
    assert f"{row.smart.passed_count}/5" in response.content.decode()


def test_an_empty_plan_says_what_to_do_first(people, client_for):
    response = client_for(people.leader).get(url("goal-tree", people.plan))
    assert "Start with the company goals" in response.content.decode()


def _edit_links(response, plan, goal):
    return url("goal-edit", plan, goal.pk) in response.content.decode()


@pytest.mark.parametrize(
    ("role", "sales_editable", "marketing_editable", "can_create"),
    [
        ("leader", True, True, True),
        ("head_sales", True, False, True),
        ("head_marketing", False, True, True),
        ("finance", False, False, False),
        ("contributor_sales", False, False, False),
        ("viewer", False, False, False),
    ],
)
def test_edit_and_create_buttons_only_for_who_may_use_them(
    people,
    client_for,
    company_goal,
    marketing_goal,
    role,
    sales_editable,
    marketing_editable,
    can_create,
):
    response = client_for(getattr(people, role)).get(url("goal-tree", people.plan))
    assert _edit_links(response, people.plan, company_goal) is sales_editable
    assert _edit_links(response, people.plan, marketing_goal) is marketing_editable
    assert (url("goal-create", people.plan) in response.content.decode()) is can_create


def test_goal_page_shows_edit_only_to_editors_and_status_to_contributors(
    people, client_for, company_goal
):
    detail = url("goal-detail", people.plan, company_goal.pk)
    edit = url("goal-edit", people.plan, company_goal.pk)
    viewer = client_for(people.viewer).get(detail)
    assert edit not in viewer.content.decode() and viewer.context["status_form"] is None
    contributor = client_for(people.contributor_sales).get(detail)
    assert edit not in contributor.content.decode()
    assert contributor.context["status_form"] is not None
    assert not contributor.context["can_approve"]
    leader = client_for(people.leader).get(detail)
    assert edit in leader.content.decode() and leader.context["can_approve"]


def test_goal_page_lists_resources_link_children_and_history(
    people, client_for, company_goal, marketing_goal
):
    goal_update(
        goal=company_goal,
        user=people.leader,
        expected_version=company_goal.version,
        changes={"target": Decimal("5")},
    )
    response = client_for(people.viewer).get(url("goal-detail", people.plan, company_goal.pk))
    html = response.content.decode()
    assert f"{reverse('planning:resource-inventory', args=[people.plan.pk])}?goal=" in html
    assert response.context["children"] == [marketing_goal]
    changes = [(c.label, c.old, c.new) for e in response.context["history"] for c in e.changes]
    assert ("Target", "4", "5") in changes


# Tree query count ---------------------------------------------------------------------------


def _grow(plan, departments, count):
    parent = None
    for i in range(count):
        department = departments[i % len(departments)]
        goal = GoalFactory(plan=plan, department=department, parent=parent, owner=UserFactory())
        GoalCheckpoint.objects.create(goal=goal, quarter=1, planned_value=1)
        goal.swot_entries.add(SwotEntryFactory(plan=plan))
        InitiativeFactory(plan=plan, department=department, goal=goal)
        parent = goal if i % 3 == 0 else parent


def _tree_queries(client, plan):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("goal-tree", plan))
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


def test_the_tree_costs_the_same_queries_for_a_plan_ten_times_larger(people, client_for):
    client = client_for(people.leader)
    _grow(people.plan, [people.sales, people.marketing], 3)
    small, small_rows = _tree_queries(client, people.plan)
    _grow(people.plan, [people.sales, people.marketing], 27)
    large, large_rows = _tree_queries(client, people.plan)
    assert (small_rows, large_rows) == (3, 30)
    assert small == large


# Creating -----------------------------------------------------------------------------------


def test_the_leader_creates_a_company_goal_with_checkpoints(people, client_for):
    data = form_data(department=people.sales.pk, owner=people.head_sales.pk)
    response = client_for(people.leader).post(url("goal-create", people.plan), data)
    goal = Goal.objects.get(title=data["title"])
    assert response.status_code == 302 and response.url == goal.get_absolute_url()
    assert goal.plan == people.plan and goal.parent is None and goal.budget == 180000
    assert {c.quarter: c.planned_value for c in goal.checkpoints.all()} == {1: 2, 2: 4}


def test_add_child_goal_preselects_the_parent(people, client_for, company_goal):
    response = client_for(people.head_marketing).get(
        url("goal-create", people.plan) + f"?parent={company_goal.pk}"
    )
    form = response.context["form"]
    assert form.initial["parent"] == company_goal.pk
    assert form.initial["department"] == people.marketing.pk  # their own, not the parent's
    assert form.initial["owner"] == people.head_marketing.pk


def test_a_head_creates_a_goal_in_their_department(people, client_for, company_goal):
    data = form_data(
        department=people.sales.pk, owner=people.contributor_sales.pk, parent=company_goal.pk
    )
    response = client_for(people.head_sales).post(url("goal-create", people.plan), data)
    assert response.status_code == 302
    assert Goal.objects.get(title=data["title"]).parent == company_goal


def test_a_head_offers_only_their_own_department(people, client_for):
    response = client_for(people.head_sales).get(url("goal-create", people.plan))
    choices = [v for v, _label in response.context["form"].fields["department"].widget.choices]
    assert choices == ["", people.sales.pk]


def test_a_head_posting_another_department_gets_403(people, client_for):
    data = form_data(department=people.marketing.pk, owner=people.head_sales.pk)
    response = client_for(people.head_sales).post(url("goal-create", people.plan), data)
    assert response.status_code == 403
    assert not Goal.objects.exists()


@pytest.mark.parametrize("role", ["finance", "contributor_sales", "viewer"])
def test_readers_cannot_create_goals(people, client_for, role):
    client = client_for(getattr(people, role))
    assert client.get(url("goal-create", people.plan)).status_code == 403
    data = form_data(department=people.sales.pk, owner=people.head_sales.pk)
    assert client.post(url("goal-create", people.plan), data).status_code == 403
    assert not Goal.objects.exists()


# Editing: permissions -----------------------------------------------------------------------


def test_the_head_edits_a_goal_of_their_department(people, client_for, company_goal):
    data = form_data(company_goal, title="Reach 11 M revenue")
    response = client_for(people.head_sales).post(
        url("goal-edit", people.plan, company_goal.pk), data
    )
    assert response.status_code == 302
    company_goal.refresh_from_db()
    assert company_goal.title == "Reach 11 M revenue" and company_goal.version == 2


def test_the_head_of_another_department_gets_403(people, client_for, company_goal):
    client = client_for(people.head_marketing)
    assert client.get(url("goal-edit", people.plan, company_goal.pk)).status_code == 403
    response = client.post(
        url("goal-edit", people.plan, company_goal.pk), form_data(company_goal, title="Hijacked")
    )
    assert response.status_code == 403
    company_goal.refresh_from_db()
    assert company_goal.title == "Reach 10 M revenue"


def test_a_head_cannot_move_their_goal_into_another_department(people, client_for, company_goal):
    response = client_for(people.head_sales).post(
        url("goal-edit", people.plan, company_goal.pk),
        form_data(company_goal, department=people.marketing.pk),
    )
    assert response.status_code == 403
    company_goal.refresh_from_db()
    assert company_goal.department == people.sales


@pytest.mark.parametrize("role", ["finance", "contributor_sales", "viewer"])
def test_a_forged_edit_post_by_a_reader_gets_403(people, client_for, company_goal, role):
    response = client_for(getattr(people, role)).post(
        url("goal-edit", people.plan, company_goal.pk), form_data(company_goal, target="99")
    )
    assert response.status_code == 403
    company_goal.refresh_from_db()
    assert company_goal.target == 4


def test_a_contributor_of_the_department_changes_only_the_status(people, client_for, company_goal):
    response = client_for(people.contributor_sales).post(
        url("goal-status", people.plan, company_goal.pk),
        {"status": "achieved", "version": company_goal.version},
    )
    assert response.status_code == 302
    company_goal.refresh_from_db()
    assert company_goal.status == "achieved"


def test_the_owner_from_another_department_may_change_the_status(people, client_for):
    goal = smart_goal(people.plan, people.sales, people.head_marketing)
    response = client_for(people.head_marketing).post(
        url("goal-status", people.plan, goal.pk), {"status": "dropped", "version": goal.version}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "dropped"


@pytest.mark.parametrize("role", ["viewer", "finance", "head_marketing"])
def test_others_cannot_change_the_status(people, client_for, company_goal, role):
    response = client_for(getattr(people, role)).post(
        url("goal-status", people.plan, company_goal.pk),
        {"status": "dropped", "version": company_goal.version},
    )
    assert response.status_code == 403
    company_goal.refresh_from_db()
    assert company_goal.status == "active"


def test_only_leadership_approves_a_goal(people, client_for, company_goal):
    approve = url("goal-approve", people.plan, company_goal.pk)
    assert client_for(people.head_sales).post(approve).status_code == 403
    company_goal.refresh_from_db()
    assert company_goal.approval_state == "draft"
    assert client_for(people.leader).post(approve).status_code == 302
    company_goal.refresh_from_db()
    assert company_goal.approval_state == "approved"


def test_approving_a_goal_that_fails_smart_is_refused_with_the_criteria(people, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales, owner=people.head_sales)
    response = client_for(people.leader).post(
        url("goal-approve", people.plan, goal.pk), follow=True
    )
    goal.refresh_from_db()
    assert goal.approval_state == "draft"
    text = response.content.decode()
    assert "cannot be approved" in text and "Achievable" in text and "Time-bound" in text


# Editing: bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_date", "2027-01-15", "inside the plan year"),
        ("due_date", "not a date", "Enter a valid date"),
        ("title", "x" * 201, "at most 200 characters"),
        ("description", "x" * 5001, "at most 5000 characters"),
        ("baseline", "abc", "Enter a number"),
        ("target", "1e999", "no more than 16 digits"),
        ("checkpoint_2", "four", "Enter a number"),
        ("budget", "-5", "greater than or equal to 0"),
        ("title", "", "This field is required"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    people, client_for, company_goal, field, value, message
):
    response = client_for(people.leader).post(
        url("goal-edit", people.plan, company_goal.pk), form_data(company_goal, **{field: value})
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert value[:50] in response.content.decode()  # what was typed stays in the form
    company_goal.refresh_from_db()
    assert company_goal.version == 1


def test_a_parent_goal_from_another_plan_is_refused(people, client_for, company_goal):
    foreign = GoalFactory(plan=PlanFactory())
    response = client_for(people.leader).post(
        url("goal-edit", people.plan, company_goal.pk), form_data(company_goal, parent=foreign.pk)
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    company_goal.refresh_from_db()
    assert company_goal.parent is None


def test_a_goal_cannot_become_the_child_of_its_own_child(
    people, client_for, company_goal, marketing_goal
):
    response = client_for(people.leader).post(
        url("goal-edit", people.plan, company_goal.pk),
        form_data(company_goal, parent=marketing_goal.pk),
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors


def test_an_owner_who_is_not_a_member_is_refused(people, client_for):
    data = form_data(department=people.sales.pk, owner=people.outsider.pk)
    response = client_for(people.leader).post(url("goal-create", people.plan), data)
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Goal.objects.exists()


def test_a_swot_entry_of_another_plan_is_refused(people, client_for):
    foreign = SwotEntryFactory(plan=PlanFactory())
    data = form_data(department=people.sales.pk, owner=people.leader.pk, swot_entries=[foreign.pk])
    response = client_for(people.leader).post(url("goal-create", people.plan), data)
    assert response.status_code == 200 and "swot_entries" in response.context["form"].errors


def test_garbage_in_every_field_never_gives_a_500(people, client_for, company_goal):
    garbage = {name: "\x00<script>" for name in form_data(company_goal)}
    response = client_for(people.leader).post(
        url("goal-edit", people.plan, company_goal.pk), garbage
    )
    assert response.status_code == 200
    company_goal.refresh_from_db()
    assert company_goal.version == 1


# Editing: concurrency -----------------------------------------------------------------------


def test_a_conflicting_save_shows_both_versions_and_keeps_my_typing(
    people, client_for, company_goal
):
    mine = form_data(company_goal, target="6", title="My title")
    goal_update(
        goal=company_goal,
        user=people.leader,
        expected_version=company_goal.version,
        changes={"target": Decimal("5")},
    )  # someone else saves first

    client = client_for(people.head_sales)
    response = client.post(url("goal-edit", people.plan, company_goal.pk), mine)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this" in html
    rows = {r.label: r for r in response.context["conflict_rows"]}
    assert (rows["Target"].yours, rows["Target"].theirs) == ("6", "5")
    assert rows["Target"].differs and not rows["Metric"].differs
    assert 'value="My title"' in html
    assert response.context["form"]["version"].value() == 2
    company_goal.refresh_from_db()
    assert (company_goal.target, company_goal.title) == (5, "Reach 10 M revenue")

    response = client.post(url("goal-edit", people.plan, company_goal.pk), {**mine, "version": 2})
    assert response.status_code == 302
    company_goal.refresh_from_db()
    assert (company_goal.target, company_goal.title, company_goal.version) == (6, "My title", 3)


def test_a_conflicting_status_change_is_shown_not_lost(people, client_for, company_goal):
    goal_update(
        goal=company_goal, user=people.leader, expected_version=1, changes={"title": "Renamed"}
    )
    response = client_for(people.contributor_sales).post(
        url("goal-status", people.plan, company_goal.pk), {"status": "achieved", "version": 1}
    )
    assert response.status_code == 200
    assert response.context["conflict_rows"]
    company_goal.refresh_from_db()
    assert company_goal.status == "active"


# Live SMART check ---------------------------------------------------------------------------


def test_the_smart_check_reads_the_unsaved_form(people, client_for):
    client = client_for(people.leader)
    data = form_data(
        department=people.sales.pk, owner=people.leader.pk, description="Short", checkpoint_2=""
    )
    response = client.post(url("goal-smart-check", people.plan), data, HTTP_HX_REQUEST="true")
    smart = response.context["smart"]
    assert response.status_code == 200
    failing = {c.key for c in smart.failing}
    assert failing == {"specific", "achievable", "relevant", "time_bound"}
    assert 'data-criterion="specific" data-passed="false"' in response.content.decode()
    assert not Goal.objects.exists()


def test_the_smart_check_counts_the_saved_resources_of_the_goal(people, client_for, company_goal):
    data = form_data(company_goal, rationale="Because the market grows.")
    response = client_for(people.leader).post(
        url("goal-smart-check", people.plan, company_goal.pk), data
    )
    assert response.context["smart"].passed


def test_the_smart_check_treats_a_non_number_as_missing(people, client_for, company_goal):
    data = form_data(company_goal, baseline="lots")
    response = client_for(people.leader).post(
        url("goal-smart-check", people.plan, company_goal.pk), data
    )
    assert "a baseline number" in response.context["smart"].criterion("measurable").hint


def test_the_smart_check_of_another_plans_goal_is_not_found(people, client_for):
    other = GoalFactory(plan=PlanFactory())
    response = client_for(people.leader).post(url("goal-smart-check", people.plan, other.pk), {})
    assert response.status_code == 404


# After approval -----------------------------------------------------------------------------


@pytest.fixture
def approved(people):
    Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.APPROVED)
    people.plan.refresh_from_db()
    return people


def test_after_approval_changing_the_target_requires_a_reason(approved, client_for, company_goal):
    people = approved
    client = client_for(people.leader)
    edit = url("goal-edit", people.plan, company_goal.pk)
    response = client.post(edit, form_data(company_goal, target="5"))
    assert response.status_code == 200
    assert "say why" in " ".join(response.context["form"].errors["change_reason"])
    assert not PlanChange.objects.exists()

    response = client.post(
        edit, form_data(company_goal, target="5", change_reason="Two AEs quit in March.")
    )
    assert response.status_code == 302
    change = PlanChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == ("target", "4", "5")
    assert change.reason == "Two AEs quit in March." and change.changed_by == people.leader
    assert set(change.notified.all()) == {people.head_sales}  # owner and head of Sales
    assert Notification.objects.filter(user=people.head_sales, plan=people.plan).count() == 1


def test_after_approval_other_fields_change_without_a_reason(approved, client_for, company_goal):
    response = client_for(approved.leader).post(
        url("goal-edit", approved.plan, company_goal.pk),
        form_data(company_goal, title="Reach 10 M revenue in FY26"),
    )
    assert response.status_code == 302
    assert not PlanChange.objects.exists()


def test_after_approval_a_new_owner_is_told_and_the_old_one_too(approved, client_for):
    people = approved
    goal = smart_goal(people.plan, people.sales, people.contributor_sales)
    response = client_for(people.head_sales).post(
        url("goal-edit", people.plan, goal.pk),
        form_data(
            goal,
            owner=people.head_marketing.pk,
            due_date="2026-05-31",
            change_reason="Marketing takes this over.",
        ),
    )
    assert response.status_code == 302
    changes = {c.field: c for c in PlanChange.objects.all()}
    assert set(changes) == {"owner", "due_date"}
    assert changes["due_date"].new_value == "2026-05-31"
    # The head of Sales made the change: the two owners are told, not the head themself.
    assert set(changes["owner"].notified.all()) == {people.contributor_sales, people.head_marketing}


def test_the_reason_field_appears_only_after_approval(people, client_for, company_goal):
    edit = url("goal-edit", people.plan, company_goal.pk)
    assert "change_reason" not in client_for(people.leader).get(edit).context["form"].fields
    Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.APPROVED)
    assert "change_reason" in client_for(people.leader).get(edit).context["form"].fields


def test_due_dates_follow_the_plan_year_of_an_april_plan(client_for):
    plan = PlanFactory(start=dt.date(2026, 4, 1))
    leader = UserFactory()
    from planning.models import Membership

    Membership.objects.create(user=leader, plan=plan, role="leadership")
    department = DepartmentFactory(plan=plan)
    data = form_data(department=department.pk, owner=leader.pk, due_date="2026-03-31")
    response = client_for(leader).post(url("goal-create", plan), data)
    assert "inside the plan year" in " ".join(response.context["form"].errors["due_date"])


def test_large_ids_in_links_have_no_thousands_separators(people, client_for):
    goal = smart_goal(people.plan, people.sales, people.head_sales, id=12345)
    html = client_for(people.leader).get(url("goal-tree", people.plan)).content.decode()
    assert f"?parent={goal.pk}" in html and 'data-goal="12345"' in html
    assert "12,345" not in html
