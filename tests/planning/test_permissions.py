"""SPEC §3.1 as a table: role × object × action → allowed, against the permissions module."""

import pytest

from planning.permissions import Action, plan_access
from tests.factories import (
    BudgetLineFactory,
    CommentFactory,
    GoalFactory,
    InitiativeFactory,
    KpiFactory,
    MeasurementFactory,
    MilestoneFactory,
    ResourceRequirementFactory,
    SpendFactory,
    SwotEntryFactory,
)

ROLES = [
    "leader",
    "head_sales",
    "head_marketing",
    "finance",
    "contributor_sales",
    "viewer",
    "outsider",
]


@pytest.fixture
def things(people):
    plan, sales = people.plan, people.sales
    goal = GoalFactory(plan=plan, department=sales, owner=people.leader)
    initiative = InitiativeFactory(plan=plan, department=sales, goal=goal, owner=people.leader)
    kpi = KpiFactory(plan=plan, department=sales)
    return {
        "sales swot": SwotEntryFactory(plan=plan, department=sales),
        "company swot": SwotEntryFactory(plan=plan, department=None),
        "sales goal": goal,
        "sales initiative": initiative,
        "sales milestone": MilestoneFactory(initiative=initiative),
        "sales resource": ResourceRequirementFactory(plan=plan, goal=goal),
        "sales kpi": kpi,
        "sales kpi value": MeasurementFactory(plan=plan, kpi=kpi, goal=None),
        "sales budget": BudgetLineFactory(plan=plan, department=sales),
        "sales spend": SpendFactory(plan=plan, department=sales),
        "sales": sales,
        "plan": None,
    }


# (action, object, roles allowed) — every other role is refused.
TABLE = [
    (
        Action.VIEW,
        "plan",
        {"leader", "head_sales", "head_marketing", "finance", "contributor_sales", "viewer"},
    ),
    (Action.EDIT, "sales swot", {"leader", "head_sales"}),
    (Action.EDIT, "company swot", {"leader"}),
    (Action.EDIT, "sales goal", {"leader", "head_sales"}),
    (Action.EDIT, "sales initiative", {"leader", "head_sales"}),
    (Action.EDIT, "sales milestone", {"leader", "head_sales"}),
    (Action.EDIT, "sales resource", {"leader", "head_sales"}),
    (Action.EDIT, "sales kpi", {"leader", "head_sales"}),
    (Action.EDIT, "sales", {"leader", "head_sales"}),
    (Action.UPDATE_STATUS, "sales goal", {"leader", "head_sales", "contributor_sales"}),
    (Action.UPDATE_STATUS, "sales initiative", {"leader", "head_sales", "contributor_sales"}),
    (Action.UPDATE_STATUS, "sales milestone", {"leader", "head_sales", "contributor_sales"}),
    (Action.MEASURE, "sales kpi", {"leader", "head_sales", "contributor_sales"}),
    (Action.MEASURE, "sales kpi value", {"leader", "head_sales", "contributor_sales"}),
    (Action.MEASURE, "sales goal", {"leader", "head_sales", "contributor_sales"}),
    (Action.EDIT_BUDGET, "sales budget", {"leader", "finance"}),
    (Action.EDIT, "sales budget", {"leader", "finance"}),
    (Action.EDIT, "sales spend", {"leader", "finance"}),
    (
        Action.COMMENT,
        "sales goal",
        {"leader", "head_sales", "head_marketing", "finance", "contributor_sales"},
    ),
    (Action.SUBMIT, "sales", {"leader", "head_sales"}),
    (Action.APPROVE, "plan", {"leader"}),
    (Action.MANAGE_PLAN, "plan", {"leader"}),
    (Action.RUN_REVIEW, "plan", {"leader"}),
]


@pytest.mark.parametrize("action,thing,allowed", TABLE, ids=lambda v: str(v)[:30])
@pytest.mark.parametrize("role", ROLES)
def test_role_may_do_exactly_what_spec_3_1_says(people, things, action, thing, allowed, role):
    access = plan_access(getattr(people, role), people.plan)
    assert access.can(action, things[thing]) is (role in allowed)


def test_owner_of_a_goal_in_another_department_may_update_its_status_and_measure_it(people):
    goal = GoalFactory(plan=people.plan, department=people.sales, owner=people.head_marketing)
    access = plan_access(people.head_marketing, people.plan)
    assert access.can(Action.UPDATE_STATUS, goal)
    assert access.can(Action.MEASURE, goal)
    assert not access.can(Action.EDIT, goal)


def test_membership_of_another_plan_gives_nothing_in_this_plan(people):
    from tests.factories import MembershipFactory, PlanFactory

    other = PlanFactory()
    MembershipFactory(user=people.outsider, plan=other, role="leadership")
    access = plan_access(people.outsider, people.plan)
    assert not access.is_member
    assert not access.can(Action.VIEW)


def test_anonymous_visitor_has_no_access(people):
    from django.contrib.auth.models import AnonymousUser

    assert not plan_access(AnonymousUser(), people.plan).can(Action.VIEW)


def test_comment_rights_follow_the_roles(people):
    comment = CommentFactory(plan=people.plan, goal=GoalFactory(plan=people.plan))
    assert plan_access(people.viewer, people.plan).can(Action.COMMENT, comment) is False
    assert plan_access(people.finance, people.plan).can(Action.COMMENT, comment) is True


def test_only_its_author_changes_a_comment(people):
    comment = CommentFactory(
        plan=people.plan, goal=GoalFactory(plan=people.plan), author=people.finance
    )
    allowed = {
        name
        for name in ("leader", "head_sales", "finance", "contributor_sales", "viewer", "outsider")
        if plan_access(getattr(people, name), people.plan).can(Action.EDIT, comment)
    }
    assert allowed == {"finance"}
