"""Plan approval (SPEC §2 step 4): submit, approve or return, approve the plan, baseline,
plan changes after approval."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import baseline
from planning.goal_selectors import plan_snapshot
from planning.models import (
    ApprovalState,
    DepartmentSubmission,
    Goal,
    Notification,
    Plan,
    PlanBaseline,
    PlanChange,
)
from planning.services.approval import (
    department_submit,
    plan_approve,
    submission_approve,
    submission_return,
)
from planning.services.goals import goal_update
from tests.factories import BudgetLineFactory, GoalFactory, InitiativeFactory
from tests.planning.goal_helpers import smart_goal

pytestmark = pytest.mark.django_db


def url(name, plan, *args):
    return reverse(f"planning:{name}", args=[plan.pk, *args])


@pytest.fixture
def goals(people):
    """One SMART goal per department; Sales also has an initiative and budget lines."""
    sales = smart_goal(
        people.plan,
        people.sales,
        people.head_sales,
        title="Hire four AEs",
        budget=Decimal("180000"),
    )
    marketing = smart_goal(
        people.plan, people.marketing, people.head_marketing, parent=sales, title="400 MQLs"
    )
    InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        goal=sales,
        owner=people.head_sales,
        title="Recruit AEs",
        start=dt.date(2026, 1, 5),
        estimate_days=100,
        buffer_pct=30,
    )
    for month in (1, 2):
        BudgetLineFactory(
            plan=people.plan,
            department=people.sales,
            month=dt.date(2026, month, 1),
            amount=Decimal("1000"),
        )
    return {"sales": sales, "marketing": marketing}


def submission(people, department):
    return DepartmentSubmission.objects.get(plan=people.plan, department=department)


# Submitting ---------------------------------------------------------------------------------


def test_the_head_submits_their_department_and_the_plan_goes_into_review(people, client_for, goals):
    response = client_for(people.head_sales).post(
        url("approval-submit", people.plan, people.sales.pk)
    )
    assert response.status_code == 302
    part = submission(people, people.sales)
    assert part.state == ApprovalState.SUBMITTED and part.submitted_by == people.head_sales
    people.plan.refresh_from_db()
    assert people.plan.status == Plan.Status.IN_REVIEW
    goals["sales"].refresh_from_db()
    assert goals["sales"].approval_state == ApprovalState.SUBMITTED
    goals["marketing"].refresh_from_db()
    assert goals["marketing"].approval_state == ApprovalState.DRAFT


def test_submitting_is_refused_while_a_goal_fails_smart_and_names_it(people, client_for, goals):
    GoalFactory(plan=people.plan, department=people.sales, title="Be better at sales")
    response = client_for(people.head_sales).post(
        url("approval-submit", people.plan, people.sales.pk), follow=True
    )
    assert "Be better at sales" in response.content.decode()
    assert "fail the SMART check" in response.content.decode()
    assert not DepartmentSubmission.objects.filter(state=ApprovalState.SUBMITTED).exists()
    people.plan.refresh_from_db()
    assert people.plan.status == Plan.Status.DRAFT


@pytest.mark.parametrize("role", ["head_marketing", "contributor_sales", "finance", "viewer"])
def test_only_the_head_or_leadership_submits_a_department(people, client_for, goals, role):
    response = client_for(getattr(people, role)).post(
        url("approval-submit", people.plan, people.sales.pk)
    )
    assert response.status_code == 403
    assert not DepartmentSubmission.objects.exists()


def test_an_outsider_cannot_submit(people, client_for, goals):
    response = client_for(people.outsider).post(
        url("approval-submit", people.plan, people.sales.pk)
    )
    assert response.status_code == 404


def test_submitting_twice_is_refused(people, goals):
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    with pytest.raises(ValidationError, match="already submitted"):
        department_submit(plan=people.plan, department=people.sales, user=people.head_sales)


# Deciding -----------------------------------------------------------------------------------


def test_leadership_returns_a_part_with_a_comment_and_the_head_is_told(people, client_for, goals):
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    response = client_for(people.leader).post(
        url("approval-decide", people.plan, people.sales.pk),
        {"decision": "return", "comment": "The AE budget is missing onboarding costs."},
    )
    assert response.status_code == 302
    part = submission(people, people.sales)
    assert part.state == ApprovalState.RETURNED
    assert part.comment == "The AE budget is missing onboarding costs."
    note = Notification.objects.get(user=people.head_sales)
    assert "onboarding costs" in note.text and note.url == url("approval", people.plan)
    goals["sales"].refresh_from_db()
    assert goals["sales"].approval_state == ApprovalState.RETURNED
    # Returned parts can be submitted again.
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    assert submission(people, people.sales).state == ApprovalState.SUBMITTED


def test_returning_without_a_comment_is_refused(people, client_for, goals):
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    response = client_for(people.leader).post(
        url("approval-decide", people.plan, people.sales.pk),
        {"decision": "return", "comment": "  "},
        follow=True,
    )
    assert "Say what needs to change" in response.content.decode()
    assert submission(people, people.sales).state == ApprovalState.SUBMITTED
    assert not Notification.objects.exists()


@pytest.mark.parametrize("role", ["head_sales", "finance", "viewer"])
def test_only_leadership_decides(people, client_for, goals, role):
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    response = client_for(getattr(people, role)).post(
        url("approval-decide", people.plan, people.sales.pk), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert submission(people, people.sales).state == ApprovalState.SUBMITTED


def test_a_part_that_was_not_submitted_cannot_be_approved(people, goals):
    with pytest.raises(ValidationError, match="Only a submitted part"):
        submission_approve(plan=people.plan, department=people.sales, user=people.leader)


# Approving the plan -------------------------------------------------------------------------


def _approve_departments(people):
    for department in (people.sales, people.marketing):
        department_submit(plan=people.plan, department=department, user=people.leader)
        submission_approve(plan=people.plan, department=department, user=people.leader)


def test_the_plan_cannot_be_approved_until_every_department_is(people, goals):
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    submission_approve(plan=people.plan, department=people.sales, user=people.leader)
    with pytest.raises(ValidationError, match="Marketing"):
        plan_approve(plan=people.plan, user=people.leader)
    people.plan.refresh_from_db()
    assert people.plan.status == Plan.Status.IN_REVIEW
    assert not PlanBaseline.objects.exists()


def test_approving_the_plan_freezes_the_baseline(people, client_for, goals):
    _approve_departments(people)
    response = client_for(people.leader).post(url("approval-plan", people.plan))
    assert response.status_code == 302 and response.url == url("plan-baseline", people.plan)
    people.plan.refresh_from_db()
    assert people.plan.status == Plan.Status.APPROVED and people.plan.approved_at is not None
    assert set(Goal.objects.values_list("approval_state", flat=True)) == {"approved"}

    snapshot = PlanBaseline.objects.get(plan=people.plan).snapshot
    sales_goal = next(g for g in snapshot["goals"] if g["title"] == "Hire four AEs")
    assert sales_goal["target"] == "4" and sales_goal["due_date"] == "2026-06-30"
    assert sales_goal["budget"] == "180000"
    assert sales_goal["owner_id"] == people.head_sales.pk
    assert sales_goal["checkpoints"] == {"1": "2", "2": "4"}
    (initiative,) = snapshot["initiatives"]
    assert (initiative["start"], initiative["planned_end"]) == ("2026-01-05", "2026-05-15")
    assert snapshot["budgets"] == [
        {"department_id": people.sales.pk, "department": "Sales", "total": "2000"}
    ]


def test_only_leadership_approves_the_plan(people, client_for, goals):
    _approve_departments(people)
    response = client_for(people.head_sales).post(url("approval-plan", people.plan))
    assert response.status_code == 403
    people.plan.refresh_from_db()
    assert people.plan.status == Plan.Status.IN_REVIEW


def test_an_approved_plan_takes_no_more_submissions(people, goals):
    _approve_departments(people)
    plan_approve(plan=people.plan, user=people.leader)
    with pytest.raises(ValidationError, match="already approved"):
        submission_return(
            plan=people.plan, department=people.sales, user=people.leader, comment="Too late"
        )


# After approval -----------------------------------------------------------------------------


def test_after_approval_a_target_change_needs_a_reason_and_is_recorded(people, goals):
    _approve_departments(people)
    plan_approve(plan=people.plan, user=people.leader)
    goal = Goal.objects.get(pk=goals["sales"].pk)
    with pytest.raises(ValidationError) as refused:
        goal_update(
            goal=goal,
            user=people.leader,
            expected_version=goal.version,
            changes={"target": Decimal("3")},
        )
    assert "change_reason" in refused.value.error_dict
    goal.refresh_from_db()
    assert goal.target == 4

    goal_update(
        goal=goal,
        user=people.leader,
        expected_version=goal.version,
        changes={"target": Decimal("3"), "budget": Decimal("150000")},
        reason="One AE hire moved to next year.",
    )
    changes = {c.field: c for c in PlanChange.objects.filter(plan=people.plan)}
    assert (changes["target"].old_value, changes["target"].new_value) == ("4", "3")
    assert (changes["budget"].old_value, changes["budget"].new_value) == ("180000", "150000")
    assert all(c.reason == "One AE hire moved to next year." for c in changes.values())
    assert set(changes["target"].notified.all()) == {people.head_sales}


def test_the_baseline_page_highlights_what_changed(people, client_for, goals):
    _approve_departments(people)
    plan_approve(plan=people.plan, user=people.leader)
    goal = Goal.objects.get(pk=goals["sales"].pk)
    goal_update(
        goal=goal,
        user=people.leader,
        expected_version=goal.version,
        changes={"target": Decimal("5")},
        reason="We found a fifth AE.",
    )
    response = client_for(people.viewer).get(url("plan-baseline", people.plan))
    assert response.status_code == 200
    rows = {r.label: r for r in response.context["comparison"].goals}
    assert rows["Hire four AEs"].state == "changed"
    assert rows["400 MQLs"].state == "same"
    target = rows["Hire four AEs"].cells[2]
    assert (target.before, target.now, target.changed) == (Decimal(4), Decimal(5), True)
    html = response.content.decode()
    assert "data-changed" in html and "We found a fifth AE." in html


def test_the_approval_page_lists_each_department_with_its_goals(people, client_for, goals):
    GoalFactory(plan=people.plan, department=people.marketing, title="Vague")
    response = client_for(people.viewer).get(url("approval", people.plan))
    parts = {p.department.name: p for p in response.context["parts"]}
    assert [r.goal.title for r in parts["Sales"].rows] == ["Hire four AEs"]
    assert [r.goal.title for r in parts["Marketing"].failing] == ["Vague"]
    assert "Submit for approval" not in response.content.decode()  # viewers don't submit


def test_the_approval_page_costs_the_same_queries_at_ten_times_the_size(people, client_for, goals):
    client = client_for(people.leader)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("approval", people.plan)).status_code == 200
        return len(queries)

    small = count()
    for i in range(20):
        smart_goal(people.plan, people.sales if i % 2 else people.marketing, people.head_sales)
    assert count() == small


# Baseline comparison on plain values --------------------------------------------------------


def test_compare_marks_added_removed_and_changed_rows():
    before = {
        "goals": [
            {
                "id": 1,
                "title": "A",
                "department": "Sales",
                "owner": "Ann",
                "baseline": "0",
                "target": "4.0000",
                "due_date": "2026-06-30",
                "budget": None,
                "checkpoints": {"1": "2"},
            },
            {
                "id": 2,
                "title": "B",
                "department": "Sales",
                "owner": "Ann",
                "baseline": "0",
                "target": "1",
                "due_date": "2026-03-31",
                "budget": None,
                "checkpoints": {},
            },
        ],
        "initiatives": [],
        "budgets": [],
    }
    after = {
        "goals": [
            {**before["goals"][0], "target": "4", "checkpoints": {"1": "2.0000", "2": "4"}},
            {
                "id": 3,
                "title": "C",
                "department": "Sales",
                "owner": "Bob",
                "baseline": "0",
                "target": "1",
                "due_date": "2026-03-31",
                "budget": None,
                "checkpoints": {},
            },
        ],
        "initiatives": [],
        "budgets": [],
    }
    rows = {r.key: r for r in baseline.compare(before, after).goals}
    assert rows[1].state == "changed"
    assert [c.changed for c in rows[1].cells] == [False, False, False, False, False, True]
    assert rows[2].state == "removed" and rows[3].state == "added"


def test_a_snapshot_compared_with_itself_has_no_changes(people, goals):
    snapshot = plan_snapshot(people.plan)
    assert baseline.compare(snapshot, snapshot).changed_count == 0


def test_a_returned_part_is_told_in_the_heads_language(people, client_for, goals):
    from planning.models import UserProfile

    UserProfile.objects.create(user=people.head_sales, language="de")
    department_submit(plan=people.plan, department=people.sales, user=people.head_sales)
    client_for(people.leader).post(
        url("approval-decide", people.plan, people.sales.pk),
        {"decision": "return", "comment": "Onboarding costs are missing."},
    )
    note = Notification.objects.get(user=people.head_sales)
    assert "hat den Teil Sales von" in note.text and "zurückgegeben" in note.text
