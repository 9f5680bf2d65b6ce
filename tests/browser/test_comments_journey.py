"""A department head posts on a goal's discussion, corrects a typo in place and deletes a
comment; the leader sees no Edit on someone else's words (SPEC §2 step 4)."""

import pytest

from planning.models import Comment
from tests.factories import GoalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_head_posts_corrects_and_deletes_a_comment(page, new_page, login, shot, people):
    goal = GoalFactory(
        plan=people.plan,
        department=people.sales,
        owner=people.head_sales,
        title="Four enterprise AEs by Q2",
    )
    login(page, people.head_sales)
    page.goto(goal.get_absolute_url())

    # Post two comments without leaving the page.
    for text in ("Thrid AE starts next month; @leader can we raise OTE?", "Wrong thread, sorry."):
        page.fill(".comment-form textarea", text)
        page.click(".comment-form button[type=submit]")
        page.locator("li.comment", has_text=text).wait_for()
        page.htmx_idle()
    first = page.locator("li.comment").first

    # Correct the typo in place: the form replaces the comment, Save puts it back, marked.
    first.get_by_role("link", name="Edit").click()
    editing = page.locator("li.comment-editing")
    editing.locator("textarea").fill("Third AE starts next month; @leader can we raise OTE?")
    shot(page, "c1-comment-editing")
    editing.get_by_role("button", name="Save").click()
    page.locator("li.comment", has_text="Third AE starts").wait_for()
    page.htmx_idle()
    assert "(edited)" in page.locator("li.comment").first.inner_text()

    # Delete the other one, after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("li.comment", has_text="Wrong thread").get_by_role("button", name="Delete").click()
    page.locator("li.comment", has_text="Wrong thread").wait_for(state="detached")
    page.htmx_idle()
    shot(page, "c2-comment-edited-and-deleted")
    texts = list(Comment.objects.values_list("text", flat=True))
    assert texts == ["Third AE starts next month; @leader can we raise OTE?"]
    assert page.console_errors == []

    # Someone else reads it, without Edit or Delete.
    leader = new_page()
    login(leader, people.leader)
    leader.goto(goal.get_absolute_url())
    comment = leader.locator("li.comment").first
    assert "Third AE starts" in comment.inner_text()
    assert comment.get_by_role("link", name="Edit").count() == 0
    assert comment.get_by_role("button", name="Delete").count() == 0
