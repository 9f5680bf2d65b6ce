"""The leader writes a company goal with the live SMART check, two people edit it at once, and
after approval a target change asks for a reason (SPEC §2 steps 2 and 4, §4.1, §6)."""

import pytest
from django.urls import reverse

from planning.models import Goal, PlanChange
from planning.services.approval import department_submit, plan_approve, submission_approve
from tests.factories import PriorityFactory, ResourceRequirementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def criterion(page, key, passed):
    page.wait_for_selector(
        f'#smart-panel [data-criterion="{key}"][data-passed="{"true" if passed else "false"}"]'
    )


def test_leader_writes_a_smart_goal_edits_concurrently_and_explains_a_change(
    page, new_page, login, shot, people
):
    plan = people.plan
    priority = PriorityFactory(plan=plan, title="Enterprise expansion")
    login(page, people.leader)

    # An empty cascade says what to do first.
    page.goto(reverse("planning:goal-tree", args=[plan.pk]))
    assert "No goals yet" in page.inner_text("main")
    page.get_by_role("link", name="Add the first goal").click()

    # Typing a vague goal: the panel shows what is missing, live and unsaved.
    page.fill("#id_title", "Grow enterprise sales")
    page.fill("#id_description", "More deals")
    # The panel answers for what is typed: the title is there, the description is too short.
    page.wait_for_function(
        """() => {
          const hint = document.querySelector('#smart-panel [data-criterion="specific"]');
          return hint && !hint.textContent.includes('a title')
            && hint.textContent.includes('description of at least one sentence');
        }"""
    )
    criterion(page, "specific", False)
    criterion(page, "measurable", False)
    criterion(page, "time_bound", False)
    shot(page, "h1-goal-smart-failing")

    # Completing it: every criterion but Achievable passes before saving.
    page.fill("#id_description", "Hire four enterprise AEs with five years of B2B SaaS experience.")
    page.select_option("#id_department", str(people.sales.pk))
    page.select_option("#id_owner", str(people.head_sales.pk))
    page.fill("#id_metric_name", "Enterprise AEs onboarded")
    page.fill("#id_unit", "people")
    page.fill("#id_baseline", "0")
    page.fill("#id_target", "4")
    page.fill("#id_due_date", "2026-06-30")
    page.fill("#id_checkpoint_1", "2")
    page.fill("#id_checkpoint_2", "4")
    page.fill("#id_rationale", "A recruiting partner placed three such AEs at a peer last year.")
    page.check(f'input[name="priorities"][value="{priority.pk}"]')
    for key in ("specific", "measurable", "relevant", "time_bound"):
        criterion(page, key, True)
    criterion(page, "achievable", False)
    assert Goal.objects.count() == 0  # the check saved nothing
    page.get_by_role("button", name="Create goal").click()
    page.wait_for_url("**/goals/*/")
    goal = Goal.objects.get(title="Grow enterprise sales")
    assert {c.quarter for c in goal.checkpoints.all()} == {1, 2}

    # With a resource requirement (from the inventory) the goal passes all five.
    ResourceRequirementFactory(plan=plan, goal=goal, description="Recruiting partner")
    page.reload()
    assert "SMART 5/5" in page.inner_text(".goal-side")
    shot(page, "h1-goal-detail-smart")

    # Two people edit the same goal: the second to save is told and sees both versions.
    edit_url = reverse("planning:goal-edit", args=[plan.pk, goal.pk])
    other = new_page()
    login(other, people.head_sales)
    other.goto(edit_url)
    page.goto(edit_url)
    page.fill("#id_target", "5")
    page.get_by_role("button", name="Save goal").click()
    page.wait_for_url(f"**{goal.get_absolute_url()}")

    other.fill("#id_title", "Grow enterprise sales with four AEs")
    other.get_by_role("button", name="Save goal").click()
    other.wait_for_selector("#edit-conflict")
    assert other.input_value("#id_title") == "Grow enterprise sales with four AEs"
    differing = [r.lower() for r in other.locator("#edit-conflict tr.differs").all_inner_texts()]
    assert any(row.startswith("target") and row.endswith("5") for row in differing)
    assert any(row.startswith("title") for row in differing)
    shot(other, "h1-goal-conflict")
    other.get_by_role("button", name="Save goal").click()  # keep mine
    other.wait_for_url(f"**{goal.get_absolute_url()}")
    goal.refresh_from_db()
    assert goal.title == "Grow enterprise sales with four AEs"
    assert goal.target == 4  # "keep mine" saved the whole form as the head of Sales saw it
    assert goal.version == 3

    # The plan is approved: a target change now asks why, and is recorded.
    for department in (people.sales, people.marketing):
        department_submit(plan=plan, department=department, user=people.leader)
        submission_approve(plan=plan, department=department, user=people.leader)
    plan_approve(plan=plan, user=people.leader)
    page.goto(edit_url)
    assert page.locator("[data-reason-block]").is_hidden()
    page.fill("#id_target", "3")
    page.wait_for_selector("[data-reason-block]:not([hidden])")
    page.get_by_role("button", name="Save goal").click()
    page.wait_for_selector("#id_change_reason-error")
    assert "say why" in page.inner_text("#id_change_reason-error")
    assert page.input_value("#id_target") == "3"
    shot(page, "h1-goal-reason-required")
    page.fill("#id_change_reason", "One AE offer fell through; hiring moves to Q3.")
    page.get_by_role("button", name="Save goal").click()
    page.wait_for_url(f"**{goal.get_absolute_url()}")
    change = PlanChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == ("target", "4", "3")
    assert "One AE offer fell through" in page.inner_text("#history")

    page.goto(reverse("planning:plan-baseline", args=[plan.pk]))
    assert page.locator("#baseline-goals td[data-changed]").count() == 1
    shot(page, "h1-baseline")
    assert not page.console_errors and not other.console_errors
