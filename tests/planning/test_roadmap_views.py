"""Department roadmap and initiatives: who may do what, bad input, cycles, conflicts, cost."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Initiative, Milestone
from planning.services import roadmap as service
from tests.factories import (
    DepartmentFactory,
    GoalFactory,
    InitiativeFactory,
    MilestoneFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def engineering(people):
    return DepartmentFactory(plan=people.plan, name="Engineering", code="engineering")


@pytest.fixture
def crm(people, engineering):
    """An Engineering initiative that ends on 30 Apr 2026 (1 Mar + 46 days × 1.3)."""
    return InitiativeFactory(
        plan=people.plan,
        department=engineering,
        title="CRM migration",
        start=D(2026, 3, 1),
        estimate_days=46,
        buffer_pct=30,
    )


@pytest.fixture
def relaunch(people):
    """A Sales initiative owned by the head of Sales."""
    return InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        title="Website relaunch",
        owner=people.head_sales,
        start=D(2026, 4, 1),
        estimate_days=20,
    )


def url(name, plan, *args):
    return reverse(f"planning:{name}", args=[plan.pk, *args])


def form_data(people, **overrides):
    data = {
        "title": "Enterprise pilots",
        "description": "",
        "goal": "",
        "department": people.sales.pk,
        "owner": people.head_sales.pk,
        "start": "2026-03-02",
        "estimate_days": "40",
        "buffer_pct": "30",
        "status": "not_started",
    }
    data.update(overrides)
    return data


def edit_data(initiative, **overrides):
    data = {
        "title": initiative.title,
        "description": initiative.description,
        "goal": "",
        "department": initiative.department_id,
        "owner": initiative.owner_id,
        "start": initiative.start.isoformat(),
        "estimate_days": initiative.estimate_days,
        "buffer_pct": initiative.buffer_pct,
        "status": initiative.status,
        "version": initiative.version,
        "depends_on": list(initiative.depends_on.values_list("pk", flat=True)),
    }
    data.update(overrides)
    return data


# Reading the roadmap


def test_roadmap_shows_the_departments_initiatives_with_linked_ones_and_a_line(
    people, client_for, crm, relaunch
):
    relaunch.depends_on.add(crm)
    response = client_for(people.viewer).get(
        url("roadmap", people.plan) + f"?department={people.sales.pk}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Roadmap of Sales" in html
    assert "Website relaunch" in html and "CRM migration" in html  # linked from Engineering
    assert f'data-from="{crm.pk}" data-to="{relaunch.pk}"' in html  # the dependency line
    assert 'class="blocked-flag"' in html  # CRM ends 30 Apr, after the relaunch starts 1 Apr
    assert "Website relaunch: 1 Apr – 27 Apr 2026, Not started, Blocked" in html  # bar label


def test_roadmap_without_department_shows_every_department(people, client_for, crm, relaunch):
    html = client_for(people.viewer).get(url("roadmap", people.plan)).content.decode()
    assert "Roadmaps of all departments" in html
    assert "Engineering" in html and "Sales" in html
    assert "No initiatives yet" in html and "Marketing" in html


def test_head_sees_edit_links_on_own_roadmap(people, client_for, relaunch):
    html = client_for(people.head_sales).get(url("roadmap", people.plan)).content.decode()
    assert f'href="{url("initiative-edit", people.plan, relaunch.pk)}"' in html


def test_a_large_plan_lists_departments_and_who_blocks_whom(
    people, client_for, crm, relaunch, monkeypatch
):
    monkeypatch.setattr(service, "ALL_DEPARTMENTS_LIMIT", 1)
    relaunch.depends_on.add(crm)  # CRM (Engineering) ends 30 Apr, after the relaunch starts
    html = client_for(people.viewer).get(url("roadmap", people.plan)).content.decode()
    assert "too many initiatives to draw at once" in html
    assert "Engineering (1)" in html  # Sales waits for Engineering
    assert "<line" not in html


def test_large_plan_overview_query_count_does_not_grow(client, monkeypatch):
    monkeypatch.setattr(service, "ALL_DEPARTMENTS_LIMIT", 1)
    user = UserFactory()
    client.force_login(user)
    counts = []
    for n in (1, 10):
        plan, _ = _plan_of_size(n, with_member=user)
        with CaptureQueriesContext(connection) as queries:
            assert "too many initiatives" in client.get(url("roadmap", plan)).content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_empty_roadmap_says_what_to_do_first(people, client_for):
    html = (
        client_for(people.head_sales)
        .get(url("roadmap", people.plan) + f"?department={people.sales.pk}")
        .content.decode()
    )
    assert "Sales has no initiatives yet." in html
    assert url("initiative-create", people.plan) in html


def test_roadmap_of_a_department_of_another_plan_is_404(people, client_for):
    other = DepartmentFactory(plan=PlanFactory())
    response = client_for(people.leader).get(
        url("roadmap", people.plan) + f"?department={other.pk}"
    )
    assert response.status_code == 404


def test_blocked_initiatives_are_evaluated_today(people, crm, relaunch):
    relaunch.depends_on.add(crm)
    crm.status = Initiative.Status.DONE
    crm.save()
    data = service.roadmap_for(people.plan, department=people.sales, today=D(2026, 5, 1))
    assert data.blocked_count == 0


def _plan_of_size(n, *, with_member):
    plan = PlanFactory()
    departments = [DepartmentFactory(plan=plan) for _ in range(2 * n)]
    previous = None
    for department in departments:
        for k in range(3):
            initiative = InitiativeFactory(
                plan=plan, department=department, start=D(2026, 1 + k, 1)
            )
            MilestoneFactory(initiative=initiative)
            if previous is not None:
                initiative.depends_on.add(previous)
            previous = initiative
    from tests.factories import MembershipFactory

    MembershipFactory(user=with_member, plan=plan, role="leadership")
    return plan, departments[0]


@pytest.mark.parametrize("by_department", [False, True])
def test_roadmap_query_count_does_not_grow_with_the_plan(client, by_department):
    user = UserFactory()
    client.force_login(user)
    counts = []
    for n in (1, 10):
        plan, department = _plan_of_size(n, with_member=user)
        query = f"?department={department.pk}" if by_department else ""
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("roadmap", plan) + query)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_initiative_page_query_count_does_not_grow_with_dependencies(people, client_for):
    client = client_for(people.leader)
    counts = []
    for n in (1, 10):
        x = InitiativeFactory(plan=people.plan, department=people.sales)
        for _ in range(n):
            x.depends_on.add(InitiativeFactory(plan=people.plan, department=people.marketing))
            x.dependents.add(InitiativeFactory(plan=people.plan, department=people.marketing))
            MilestoneFactory(initiative=x)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(x.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# Creating and editing


def test_head_of_sales_adds_an_initiative_with_a_dependency_on_engineering(people, client_for, crm):
    response = client_for(people.head_sales).post(
        url("initiative-create", people.plan), form_data(people, depends_on=[crm.pk])
    )
    assert response.status_code == 302
    created = Initiative.objects.get(title="Enterprise pilots")
    assert created.planned_end == D(2026, 4, 23)  # 2 Mar + 52 days (40 × 1.3)
    assert list(created.depends_on.all()) == [crm]


def test_buffer_outside_the_advised_range_is_a_warning_not_a_refusal(people, client_for):
    client = client_for(people.head_sales)
    preview = url("initiative-planned-end", people.plan)
    tight = client.get(preview, {"start": "2026-03-01", "estimate_days": 10, "buffer_pct": 20})
    assert "is tight" in tight.content.decode() and "Fri 13 Mar 2026" in tight.content.decode()
    fine = client.get(preview, {"start": "2026-03-01", "estimate_days": 10, "buffer_pct": 40})
    assert "data-buffer-warning" not in fine.content.decode()
    generous = client.get(preview, {"start": "2026-03-01", "estimate_days": 10, "buffer_pct": 60})
    assert "is generous" in generous.content.decode()
    response = client.post(url("initiative-create", people.plan), form_data(people, buffer_pct=10))
    assert response.status_code == 302
    page = client.get(Initiative.objects.get(title="Enterprise pilots").get_absolute_url())
    assert "is tight" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("estimate_days", "0", "at least one day"),
        ("estimate_days", "-5", "at least one day"),
        ("estimate_days", "ten", "Enter a whole number"),
        ("buffer_pct", "-1", "cannot be negative"),
        ("buffer_pct", "250", "at most 200"),
        ("start", "2027-02-01", "inside the plan year"),
        ("start", "2025-12-31", "inside the plan year"),
        ("start", "31/02/2026", "Enter a valid date"),
        ("title", "", "This field is required"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    people, client_for, field, value, message
):
    data = form_data(people, title="Kept title")
    data[field] = value
    response = client_for(people.head_sales).post(url("initiative-create", people.plan), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert not Initiative.objects.exists()
    if field != "title":
        assert 'value="Kept title"' in html  # what was typed stays


def test_owner_must_be_a_member_and_goal_of_this_plan(people, client_for):
    foreign_goal = GoalFactory(plan=PlanFactory())
    response = client_for(people.leader).post(
        url("initiative-create", people.plan),
        form_data(people, owner=people.outsider.pk, goal=foreign_goal.pk),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"owner", "goal"}
    assert not Initiative.objects.exists()


def test_dependency_on_another_plans_initiative_is_refused(people, client_for):
    foreign = InitiativeFactory(plan=PlanFactory())
    response = client_for(people.head_sales).post(
        url("initiative-create", people.plan), form_data(people, depends_on=[foreign.pk])
    )
    assert response.status_code == 400
    assert "Pick dependencies from the search results" in response.content.decode()


def test_head_of_marketing_cannot_add_to_sales(people, client_for):
    client = client_for(people.head_marketing)
    page = client.get(url("initiative-create", people.plan) + f"?department={people.sales.pk}")
    assert page.status_code == 403
    response = client.post(url("initiative-create", people.plan), form_data(people))
    assert response.status_code == 400  # Sales is not among the departments offered
    assert not Initiative.objects.exists()


def test_finance_viewer_and_contributor_cannot_create_initiatives(people, client_for):
    for user in (people.finance, people.viewer, people.contributor_sales):
        response = client_for(user).post(url("initiative-create", people.plan), form_data(people))
        assert response.status_code == 403, user
    assert not Initiative.objects.exists()


def test_head_of_marketing_sees_no_edit_button_and_a_forged_edit_is_refused(
    people, client_for, relaunch
):
    client = client_for(people.head_marketing)
    edit = url("initiative-edit", people.plan, relaunch.pk)
    roadmap = client.get(url("roadmap", people.plan) + f"?department={people.sales.pk}")
    assert edit not in roadmap.content.decode()
    assert edit not in client.get(relaunch.get_absolute_url()).content.decode()
    assert client.get(edit).status_code == 403
    assert client.post(edit, edit_data(relaunch, title="Hijacked")).status_code == 403
    assert (
        client.post(
            url("initiative-status", people.plan, relaunch.pk), {"status": "done", "version": 1}
        ).status_code
        == 403
    )
    assert client.post(url("initiative-delete", people.plan, relaunch.pk)).status_code == 403
    relaunch.refresh_from_db()
    assert (relaunch.title, relaunch.status) == ("Website relaunch", "not_started")


def test_contributor_changes_status_and_checks_off_milestones_only(
    people, client_for, relaunch, crm
):
    milestone = MilestoneFactory(initiative=relaunch, due_date=D(2026, 4, 15))
    client = client_for(people.contributor_sales)
    page = client.get(relaunch.get_absolute_url()).content.decode()
    assert url("initiative-status", people.plan, relaunch.pk) in page
    assert url("initiative-edit", people.plan, relaunch.pk) not in page
    assert url("milestone-create", people.plan, relaunch.pk) not in page

    response = client.post(
        url("initiative-status", people.plan, relaunch.pk),
        {"status": "in_progress", "version": relaunch.version},
    )
    assert response.status_code == 302
    assert (
        client.post(url("milestone-done", people.plan, milestone.pk), {"done": "on"}).status_code
        == 302
    )
    milestone.refresh_from_db()
    assert milestone.done and milestone.done_at is not None

    forbidden = [
        (url("initiative-edit", people.plan, relaunch.pk), edit_data(relaunch, title="X")),
        (
            url("milestone-create", people.plan, relaunch.pk),
            {"title": "M", "due_date": "2026-05-01"},
        ),
        (url("milestone-delete", people.plan, milestone.pk), {}),
        (url("initiative-dependency-add", people.plan, relaunch.pk), {"depends_on": crm.pk}),
    ]
    for target, data in forbidden:
        assert client.post(target, data).status_code == 403, target
    relaunch.refresh_from_db()
    assert relaunch.status == "in_progress" and relaunch.title == "Website relaunch"
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert not relaunch.depends_on.exists()


def test_owner_in_another_department_may_update_the_status(people, client_for, relaunch):
    relaunch.owner = people.head_marketing
    relaunch.save()
    response = client_for(people.head_marketing).post(
        url("initiative-status", people.plan, relaunch.pk),
        {"status": "done", "version": relaunch.version},
    )
    assert response.status_code == 302
    relaunch.refresh_from_db()
    assert relaunch.status == "done"


def test_viewer_reads_but_cannot_change_anything(people, client_for, relaunch):
    client = client_for(people.viewer)
    page = client.get(relaunch.get_absolute_url())
    assert page.status_code == 200
    assert url("initiative-status", people.plan, relaunch.pk) not in page.content.decode()
    assert (
        client.post(
            url("initiative-status", people.plan, relaunch.pk), {"status": "done", "version": 1}
        ).status_code
        == 403
    )


def test_outsider_gets_404_everywhere(people, client_for, relaunch):
    client = client_for(people.outsider)
    for target in [
        url("roadmap", people.plan),
        relaunch.get_absolute_url(),
        url("initiative-search", people.plan) + "?q=web",
        url("initiative-create", people.plan),
    ]:
        assert client.get(target).status_code == 404, target


def test_initiative_of_another_plan_is_404(people, client_for):
    foreign = InitiativeFactory(plan=PlanFactory())
    assert (
        client_for(people.leader).get(url("initiative-detail", people.plan, foreign.pk)).status_code
        == 404
    )


def test_leader_edits_and_planned_end_follows(people, client_for, relaunch):
    response = client_for(people.leader).post(
        url("initiative-edit", people.plan, relaunch.pk),
        edit_data(relaunch, estimate_days=10, buffer_pct=50),
    )
    assert response.status_code == 302
    relaunch.refresh_from_db()
    assert relaunch.planned_end == D(2026, 4, 16) and relaunch.version == 2


# Dependencies and cycles


def test_search_finds_initiatives_of_any_department_by_title_or_department(
    people, client_for, crm, relaunch
):
    InitiativeFactory(plan=PlanFactory(), title="CRM migration elsewhere")
    client = client_for(people.head_sales)
    search = url("initiative-search", people.plan)
    by_title = client.get(search, {"q": "crm"}).content.decode()
    assert "CRM migration" in by_title and "elsewhere" not in by_title
    by_department = client.get(search, {"q": "engineer"}).content.decode()
    assert "CRM migration" in by_department and "Website relaunch" not in by_department
    excluded = client.get(search, {"q": "web", "exclude": relaunch.pk}).content.decode()
    assert "No initiative matches" in excluded


def test_a_cycle_is_refused_with_a_message_naming_it(people, client_for, crm, relaunch):
    relaunch.depends_on.add(crm)
    client = client_for(people.leader)
    response = client.post(
        url("initiative-dependency-add", people.plan, crm.pk), {"depends_on": relaunch.pk}
    )
    assert response.status_code == 400
    assert "CRM migration → Website relaunch → CRM migration" in response.content.decode()
    assert not crm.depends_on.exists()


def test_a_longer_cycle_through_the_edit_form_is_refused_and_named(
    people, client_for, crm, relaunch
):
    third = InitiativeFactory(
        plan=people.plan,
        department=people.marketing,
        title="Launch event",
        owner=people.head_marketing,
    )
    relaunch.depends_on.add(crm)
    crm.depends_on.add(third)
    response = client_for(people.leader).post(
        url("initiative-edit", people.plan, third.pk), edit_data(third, depends_on=[relaunch.pk])
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Launch event → Website relaunch → CRM migration → Launch event" in html
    assert not third.depends_on.exists()


def test_depending_on_itself_is_refused(people, client_for, relaunch):
    response = client_for(people.leader).post(
        url("initiative-dependency-add", people.plan, relaunch.pk), {"depends_on": relaunch.pk}
    )
    assert response.status_code == 400
    assert "Website relaunch → Website relaunch" in response.content.decode()


def test_head_adds_and_removes_a_dependency_on_another_department(
    people, client_for, crm, relaunch
):
    client = client_for(people.head_sales)
    added = client.post(
        url("initiative-dependency-add", people.plan, relaunch.pk), {"depends_on": crm.pk}
    )
    assert added.status_code == 302
    assert list(relaunch.depends_on.all()) == [crm]
    page = client.get(relaunch.get_absolute_url()).content.decode()
    assert "Waiting for “CRM migration” (Engineering)" in page
    removed = client.post(url("initiative-dependency-remove", people.plan, relaunch.pk, crm.pk))
    assert removed.status_code == 302
    assert not relaunch.depends_on.exists()


# No lost updates


def test_stale_edit_is_shown_side_by_side_and_nothing_is_overwritten(people, client_for, relaunch):
    stale = edit_data(relaunch, title="Relaunch v2 (mine)")
    client_for(people.leader).post(
        url("initiative-edit", people.plan, relaunch.pk),
        edit_data(relaunch, title="Relaunch (theirs)"),
    )
    client = client_for(people.head_sales)
    response = client.post(url("initiative-edit", people.plan, relaunch.pk), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this" in html and "Relaunch (theirs)" in html
    assert 'value="Relaunch v2 (mine)"' in html
    relaunch.refresh_from_db()
    assert relaunch.title == "Relaunch (theirs)"
    # saving again = keep mine
    again = client.post(
        url("initiative-edit", people.plan, relaunch.pk), {**stale, "version": relaunch.version}
    )
    assert again.status_code == 302
    relaunch.refresh_from_db()
    assert relaunch.title == "Relaunch v2 (mine)"


def test_stale_status_change_is_a_conflict(people, client_for, relaunch):
    client_for(people.leader).post(
        url("initiative-status", people.plan, relaunch.pk), {"status": "cancelled", "version": 1}
    )
    response = client_for(people.contributor_sales).post(
        url("initiative-status", people.plan, relaunch.pk), {"status": "done", "version": 1}
    )
    assert response.status_code == 409
    relaunch.refresh_from_db()
    assert relaunch.status == "cancelled"


def test_adding_a_dependency_makes_an_open_edit_form_stale(people, client_for, crm, relaunch):
    open_form = edit_data(relaunch)  # carries an empty depends_on list
    client = client_for(people.head_sales)
    client.post(url("initiative-dependency-add", people.plan, relaunch.pk), {"depends_on": crm.pk})
    response = client.post(url("initiative-edit", people.plan, relaunch.pk), open_form)
    assert response.status_code == 409
    assert list(relaunch.depends_on.all()) == [crm]


# Milestones


def test_head_adds_checks_and_deletes_milestones(people, client_for, relaunch):
    client = client_for(people.head_sales)
    bad = client.post(
        url("milestone-create", people.plan, relaunch.pk),
        {"title": "Go live", "due_date": "2027-01-15"},
    )
    assert bad.status_code == 400 and "inside the plan year" in bad.content.decode()
    assert (
        client.post(
            url("milestone-create", people.plan, relaunch.pk),
            {"title": "Go live", "due_date": "2026-05-15"},
        ).status_code
        == 302
    )
    milestone = relaunch.milestones.get()
    client.post(url("milestone-done", people.plan, milestone.pk), {"done": "on"})
    client.post(
        url("milestone-done", people.plan, milestone.pk), {"done": "on"}
    )  # twice: still done
    milestone.refresh_from_db()
    assert milestone.done
    client.post(url("milestone-done", people.plan, milestone.pk), {})
    milestone.refresh_from_db()
    assert not milestone.done and milestone.done_at is None
    assert client.post(url("milestone-delete", people.plan, milestone.pk)).status_code == 302
    assert not relaunch.milestones.exists()


def test_milestone_of_another_plan_is_404(people, client_for):
    foreign = MilestoneFactory(initiative=InitiativeFactory(plan=PlanFactory()))
    response = client_for(people.leader).post(
        url("milestone-done", people.plan, foreign.pk), {"done": "on"}
    )
    assert response.status_code == 404
