"""The SWOT board (SPEC §2 step 1): inline add/edit/reorder/delete, rights per role, bad input,
edit conflicts and a query count that does not grow with the plan."""

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import SwotEntry
from planning.services.swot import swot_entry_create, swot_entry_move
from tests.factories import DepartmentFactory, GoalFactory, SwotEntryFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def board_url(plan, **query):
    url = reverse("planning:swot-board", args=[plan.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def create_url(plan, **query):
    url = reverse("planning:swot-entry-create", args=[plan.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def edit_url(entry):
    return reverse("planning:swot-entry-edit", args=[entry.plan_id, entry.pk])


def entry_data(**overrides):
    data = {
        "kind": "S",
        "department": "",
        "title": "High engagement",
        "evidence": "Customers spend an hour a day in the app (analytics, 2025).",
        "impact": "4",
    }
    data.update(overrides)
    return data


@pytest.fixture
def sales_entry(people):
    return SwotEntryFactory(
        plan=people.plan, department=people.sales, kind="W", title="Long enterprise sales cycles"
    )


# --- the board ------------------------------------------------------------------------------


def test_board_shows_the_four_quadrants_with_entries_and_their_impact(people, client_for):
    SwotEntryFactory(plan=people.plan, kind="O", title="Enterprise segment grows 40 %", impact=5)
    page = client_for(people.viewer).get(board_url(people.plan)).content.decode()
    for title in ("Strengths", "Weaknesses", "Opportunities", "Threats"):
        assert title in page
    assert "Enterprise segment grows 40 %" in page
    assert '<span class="impact-num">5</span>' in page


def test_empty_quadrants_say_what_to_add(people, client_for):
    page = client_for(people.leader).get(board_url(people.plan)).content.decode()
    assert "What does the company do well?" in page
    assert "Add entry" in page


def test_board_filters_company_wide_and_per_department(people, client_for, sales_entry):
    SwotEntryFactory(plan=people.plan, title="Company strength")
    SwotEntryFactory(plan=people.plan, department=people.marketing, title="Marketing threat")
    client = client_for(people.viewer)
    company = client.get(board_url(people.plan, department="company")).content.decode()
    assert "Company strength" in company and "Long enterprise" not in company
    sales = client.get(board_url(people.plan, department=people.sales.pk)).content.decode()
    assert "Long enterprise" in sales and "Company strength" not in sales
    assert "Marketing threat" not in sales
    everything = client.get(board_url(people.plan)).content.decode()
    assert all(t in everything for t in ("Company strength", "Long enterprise", "Marketing threat"))


def test_outsider_gets_404(people, client_for, sales_entry):
    client = client_for(people.outsider)
    assert client.get(board_url(people.plan)).status_code == 404
    assert client.post(edit_url(sales_entry), entry_data()).status_code == 404
    assert client.post(create_url(people.plan), entry_data()).status_code == 404


# --- adding inline --------------------------------------------------------------------------


def test_leader_adds_a_company_wide_entry_inline(people, client_for):
    client = client_for(people.leader)
    form = client.get(create_url(people.plan, kind="T"), **HTMX)
    assert form.status_code == 200 and b"<form" in form.content and b"<html" not in form.content
    response = client.post(create_url(people.plan, kind="S"), entry_data(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#swot-q-S"
    entry = SwotEntry.objects.get()
    assert (entry.department, entry.kind, entry.impact) == (None, "S", 4)
    assert f'id="swot-entry-{entry.pk}"' in response.content.decode()


def test_new_entries_go_to_the_end_of_their_kind_and_department(people):
    first = swot_entry_create(plan=people.plan, kind="S", title="A")
    second = swot_entry_create(plan=people.plan, kind="S", title="B")
    other = swot_entry_create(plan=people.plan, kind="S", title="C", department=people.sales)
    assert (first.position, second.position, other.position) == (0, 1, 0)


def test_without_javascript_adding_redirects_to_the_board(people, client_for):
    client = client_for(people.leader)
    assert b"<h1>" in client.get(create_url(people.plan, kind="S")).content
    response = client.post(create_url(people.plan), entry_data())
    assert response.status_code == 302 and response["Location"].startswith(board_url(people.plan))


def test_head_of_sales_adds_only_sales_entries(people, client_for):
    client = client_for(people.head_sales)
    client.post(create_url(people.plan), entry_data(department=people.sales.pk), **HTMX)
    assert SwotEntry.objects.get().department == people.sales
    company = client.post(create_url(people.plan), entry_data(title="Company"), **HTMX)
    assert b"field-error" in company.content
    forged = client.post(
        create_url(people.plan), entry_data(title="Forged", department=people.marketing.pk), **HTMX
    )
    assert b"field-error" in forged.content
    assert SwotEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["viewer", "finance", "contributor_sales"])
def test_people_without_write_rights_see_no_add_button_and_cannot_post(people, client_for, who):
    client = client_for(getattr(people, who))
    page = client.get(board_url(people.plan)).content.decode()
    assert "Add entry" not in page
    response = client.post(create_url(people.plan), entry_data(department=people.sales.pk))
    assert response.status_code == 403
    assert not SwotEntry.objects.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Give the entry a short title."),
        ({"title": "x" * 201}, "at most 200 characters"),
        ({"impact": "0"}, "Impact runs from 1"),
        ({"impact": "6"}, "Impact runs from 1"),
        ({"impact": "lots"}, "Enter a whole number."),
        ({"kind": "X"}, "Select a valid choice."),
    ],
)
def test_bad_input_gives_a_field_message_and_saves_nothing(people, client_for, overrides, message):
    response = client_for(people.leader).post(
        create_url(people.plan, kind="S"), entry_data(**overrides), **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page and "field-error" in page
    assert not SwotEntry.objects.exists()
    if overrides.get("title"):
        assert overrides["title"] in page  # the form keeps what was typed


# --- editing, conflicts ---------------------------------------------------------------------


def test_edit_swaps_the_card_for_a_form_and_saving_swaps_it_back(people, client_for, sales_entry):
    client = client_for(people.head_sales)
    form = client.get(edit_url(sales_entry), **HTMX).content.decode()
    assert f'id="swot-entry-{sales_entry.pk}"' in form and "Long enterprise sales cycles" in form
    data = entry_data(
        kind="W",
        department=people.sales.pk,
        title="Cycles 60 % longer",
        version=sales_entry.version,
    )
    response = client.post(edit_url(sales_entry), data, **HTMX)
    assert response["HX-Retarget"] == "#swot-q-W"
    sales_entry.refresh_from_db()
    assert (sales_entry.title, sales_entry.version) == ("Cycles 60 % longer", 2)
    assert "Cycles 60 % longer" in response.content.decode()


def test_changing_the_kind_redraws_the_whole_board(people, client_for, sales_entry):
    data = entry_data(kind="T", department=people.sales.pk, version=1)
    response = client_for(people.leader).post(edit_url(sales_entry), data, **HTMX)
    assert response["HX-Retarget"] == "#swot-board"
    sales_entry.refresh_from_db()
    assert sales_entry.kind == "T"


def test_a_stale_edit_shows_both_versions_and_saves_nothing(people, client_for, sales_entry):
    client = client_for(people.leader)
    client.post(
        edit_url(sales_entry),
        entry_data(kind="W", department=people.sales.pk, title="Theirs", version=1),
        **HTMX,
    )
    stale = entry_data(kind="W", department=people.sales.pk, title="Mine", version=1)
    page = client.post(edit_url(sales_entry), stale, **HTMX).content.decode()
    sales_entry.refresh_from_db()
    assert sales_entry.title == "Theirs"
    assert "Someone else saved this" in page and "Mine" in page and "Theirs" in page
    assert 'name="version" value="2"' in page
    assert "<td>Weakness</td><td>Weakness</td>" in page.replace("\n", "")
    client.post(edit_url(sales_entry), {**stale, "version": 2}, **HTMX)  # keep mine
    sales_entry.refresh_from_db()
    assert sales_entry.title == "Mine"


def test_head_of_marketing_cannot_edit_a_sales_entry(people, client_for, sales_entry):
    client = client_for(people.head_marketing)
    page = client.get(board_url(people.plan)).content.decode()
    assert "Long enterprise sales cycles" in page
    assert edit_url(sales_entry) not in page
    data = entry_data(kind="W", department=people.marketing.pk, title="Hijacked", version=1)
    assert client.post(edit_url(sales_entry), data).status_code == 403
    move = reverse("planning:swot-entry-move", args=[people.plan.pk, sales_entry.pk])
    assert client.post(move, {"direction": "up"}).status_code == 403
    delete = reverse("planning:swot-entry-delete", args=[people.plan.pk, sales_entry.pk])
    assert client.post(delete).status_code == 403
    sales_entry.refresh_from_db()
    assert sales_entry.title == "Long enterprise sales cycles"


def test_only_leadership_edits_company_wide_entries(people, client_for):
    entry = SwotEntryFactory(plan=people.plan, title="Company")
    data = entry_data(department=people.sales.pk, version=1)
    assert client_for(people.head_sales).post(edit_url(entry), data).status_code == 403
    assert client_for(people.leader).post(edit_url(entry), data).status_code == 302


# --- reorder and delete ---------------------------------------------------------------------


def test_move_up_and_down_reorders_within_kind_and_department(people, client_for):
    a, b, c = (swot_entry_create(plan=people.plan, kind="S", title=t) for t in "ABC")
    client = client_for(people.leader)
    move = reverse("planning:swot-entry-move", args=[people.plan.pk, c.pk])
    response = client.post(move, {"direction": "up"}, **HTMX)
    assert response["HX-Retarget"] == "#swot-q-S"
    order = list(SwotEntry.objects.order_by("position").values_list("title", flat=True))
    assert order == ["A", "C", "B"]
    swot_entry_move(entry=a, offset=1)
    swot_entry_move(entry=a, offset=1)
    swot_entry_move(entry=a, offset=1)  # already last: stays
    order = list(SwotEntry.objects.order_by("position").values_list("title", flat=True))
    assert order == ["C", "B", "A"]
    assert SwotEntry.objects.get(pk=b.pk).version == 1  # reordering is not an edit


def test_move_buttons_are_disabled_at_the_ends(people, client_for):
    first = swot_entry_create(plan=people.plan, kind="S", title="First")
    swot_entry_create(plan=people.plan, kind="S", title="Second")
    page = client_for(people.leader).get(board_url(people.plan)).content.decode()
    assert re.search(rf'id="swot-up-{first.pk}" data-dir="up"\s+disabled', page)
    assert re.search(rf'id="swot-down-{first.pk}" data-dir="down"\s+title', page)


def test_delete_removes_the_entry_and_returns_the_quadrant(people, client_for, sales_entry):
    delete = reverse("planning:swot-entry-delete", args=[people.plan.pk, sales_entry.pk])
    client = client_for(people.head_sales)
    assert b"Delete SWOT entry" in client.get(delete).content  # the page without JavaScript
    response = client.post(delete, **HTMX)
    assert response["HX-Retarget"] == "#swot-q-W"
    assert not SwotEntry.objects.exists()
    assert sales_entry.history.count() == 2  # created, deleted: nothing is lost


# --- links to goals -------------------------------------------------------------------------


def test_entry_links_to_the_goals_that_answer_it_from_both_sides(people, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales, title="Shorter sales cycles")
    other_plan_goal = GoalFactory(title="Elsewhere")
    client = client_for(people.leader)
    client.post(create_url(people.plan), entry_data(goals=[goal.pk]), **HTMX)
    entry = SwotEntry.objects.get()
    assert list(goal.swot_entries.all()) == [entry]
    page = client.get(board_url(people.plan)).content.decode()
    assert reverse("planning:goal-detail", args=[people.plan.pk, goal.pk]) in page
    html = Template("{% load swot %}{% swot_links goal %}").render(Context({"goal": goal}))
    assert "High engagement" in html and f"#swot-entry-{entry.pk}" in html
    forged = client.post(create_url(people.plan), entry_data(goals=[other_plan_goal.pk]), **HTMX)
    assert b"field-error" in forged.content and SwotEntry.objects.count() == 1


def test_unlinking_a_goal_in_the_edit_form(people, client_for):
    goal = GoalFactory(plan=people.plan, department=people.sales)
    entry = swot_entry_create(plan=people.plan, kind="S", title="A", goals=[goal])
    client_for(people.leader).post(edit_url(entry), entry_data(version=1), **HTMX)
    assert not goal.swot_entries.exists()


# --- cost -----------------------------------------------------------------------------------


def _fill(plan, departments, goals, entries_per_kind):
    for department in departments:
        for n in range(goals):
            GoalFactory(plan=plan, department=department, title=f"{department.name} goal {n}")
    goal_ids = list(plan.goals.values_list("pk", flat=True))
    for kind in "SWOT":
        for n in range(entries_per_kind):
            department = departments[n % len(departments)] if n % 3 else None
            entry = swot_entry_create(
                plan=plan, kind=kind, title=f"{kind}{n}", department=department
            )
            entry.goals.set(goal_ids[n % len(goal_ids) :][:2])


def _board_queries(client, plan):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(board_url(plan)).status_code == 200
    return len(ctx)


def test_board_query_count_does_not_grow_with_the_plan(people, client_for):
    small = people.plan
    _fill(small, [people.sales, people.marketing], goals=1, entries_per_kind=2)
    client = client_for(people.leader)
    small_count = _board_queries(client, small)

    from tests.factories import MembershipFactory, PlanFactory

    big = PlanFactory(name="Big")
    MembershipFactory(user=people.leader, plan=big, role="leadership")
    departments = [DepartmentFactory(plan=big, name=f"D{n}") for n in range(20)]
    _fill(big, departments, goals=2, entries_per_kind=20)
    assert _board_queries(client, big) == small_count
