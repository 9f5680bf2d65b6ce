"""Discussion threads on goals and initiatives (SPEC §2 step 4): mentions, notifications,
who may post, bad input."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from planning.models import Comment, Notification
from planning.permissions import plan_access
from planning.services.comments import comment_create, mentioned_usernames
from tests.factories import GoalFactory, InitiativeFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def post_url(subject, kind="goal"):
    return reverse("planning:comment-create", args=[subject.plan_id, kind, subject.pk])


@pytest.fixture
def goal(people):
    return GoalFactory(
        plan=people.plan,
        department=people.sales,
        owner=people.head_sales,
        title="Four enterprise AEs",
    )


@pytest.mark.parametrize(
    "text, names",
    [
        ("@sales can you check?", ["sales"]),
        ("Ask @ceo and @coo.", ["ceo", "coo"]),
        ("mail me at someone@example.com", []),
        ("@ceo @CEO @ceo", ["ceo"]),
        ("(@first.last) and @a_b-c+d!", ["first.last", "a_b-c+d"]),
        ("no mentions", []),
    ],
)
def test_mentions_are_read_from_the_text(text, names):
    assert mentioned_usernames(text) == names


def test_mentioned_members_and_the_owner_are_notified_once(people, goal):
    stranger = UserFactory(username="stranger")
    comment = comment_create(
        plan=people.plan,
        author=people.leader,
        subject=goal,
        text="@head_marketing @Head_Sales @stranger @leader please align on this",
    )
    assert set(comment.mentions.all()) == {people.head_marketing, people.head_sales, people.leader}
    notified = Notification.objects.filter(plan=people.plan)
    assert sorted(n.user.username for n in notified) == ["head_marketing", "head_sales"]
    assert not Notification.objects.filter(user=stranger).exists()
    note = notified.get(user=people.head_marketing)
    assert "mentioned you" in note.text and note.url.endswith(f"#comment-{comment.pk}")


def test_owner_hears_of_a_comment_without_mention(people, goal):
    comment_create(plan=people.plan, author=people.finance, subject=goal, text="Costs?")
    note = Notification.objects.get()
    assert note.user == people.head_sales and "commented on your goal" in note.text


def test_posting_with_htmx_appends_the_comment_and_resets_the_form(people, client_for, goal):
    response = client_for(people.contributor_sales).post(
        post_url(goal), {"text": "Blocked by @finance on budget"}, **HTMX
    )
    page = response.content.decode()
    comment = Comment.objects.get()
    assert page.lstrip().startswith(f'<li class="comment" id="comment-{comment.pk}">')
    assert '<span class="mention">@finance</span>' in page
    assert 'hx-swap-oob="true"' in page
    assert comment.author == people.contributor_sales and comment.goal == goal


def test_posting_without_javascript_returns_to_the_subject(people, client_for):
    initiative = InitiativeFactory(plan=people.plan, department=people.sales)
    response = client_for(people.finance).post(post_url(initiative, "initiative"), {"text": "OK"})
    comment = Comment.objects.get()
    assert comment.initiative == initiative
    assert response["Location"].endswith(f"#comment-{comment.pk}")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Write something before posting."),
        ("   ", "Write something before posting."),
        ("x" * 5001, "at most 5000 characters"),
    ],
)
def test_bad_input_gives_a_field_message_and_saves_nothing(people, client_for, goal, text, message):
    response = client_for(people.leader).post(post_url(goal), {"text": text}, **HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response["HX-Retarget"] == f"#comment-form-goal-{goal.pk}"
    assert not Comment.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(
    "who", ["leader", "head_sales", "head_marketing", "finance", "contributor_sales"]
)
def test_everyone_but_viewers_may_comment(people, client_for, goal, who):
    assert client_for(getattr(people, who)).post(post_url(goal), {"text": "Hi"}).status_code == 302


def test_viewer_cannot_comment_and_outsider_gets_404(people, client_for, goal):
    assert client_for(people.viewer).post(post_url(goal), {"text": "Hi"}).status_code == 403
    assert client_for(people.outsider).post(post_url(goal), {"text": "Hi"}).status_code == 404
    assert not Comment.objects.exists()


def test_a_goal_of_another_plan_is_404(people, client_for):
    elsewhere = GoalFactory()
    url = reverse("planning:comment-create", args=[people.plan.pk, "goal", elsewhere.pk])
    assert client_for(people.leader).post(url, {"text": "Hi"}).status_code == 404


def _render_thread(subject, user):
    request = RequestFactory().get("/")
    request.user = user
    request.access = plan_access(user, subject.plan_id)
    return Template("{% load comments %}{% comment_thread obj %}").render(
        Context({"obj": subject, "request": request, "csrf_token": "t"})
    )


def test_thread_tag_renders_comments_and_the_form_for_members_who_may_post(people, goal):
    comment_create(plan=people.plan, author=people.leader, subject=goal, text="First <b>")
    html = _render_thread(goal, people.head_marketing)
    assert "First &lt;b&gt;" in html
    assert f'id="comment-form-goal-{goal.pk}"' in html and "@head_sales" in html
    viewer_html = _render_thread(goal, people.viewer)
    assert "First &lt;b&gt;" in viewer_html and "<form" not in viewer_html
    assert "viewers cannot post" in viewer_html


def test_each_person_is_told_in_their_own_language(people, goal, client_for):
    """A German-speaking owner reads the notification of an English-speaking author's comment
    in German; an English-speaking member mentioned in it reads it in English."""
    from planning.models import UserProfile

    UserProfile.objects.create(user=people.head_sales, language="de")
    UserProfile.objects.create(user=people.leader, language="en")
    response = client_for(people.leader).post(
        post_url(goal), {"text": "@head_marketing costs?"}, **HTMX
    )
    assert response.status_code == 200
    owner = Notification.objects.get(user=people.head_sales)
    assert owner.text.startswith(f"{people.leader.get_full_name() or 'leader'} hat Ihr Ziel")
    assert "„Four enterprise AEs“ kommentiert" in owner.text
    mentioned = Notification.objects.get(user=people.head_marketing)  # no profile: the site's
    assert "mentioned you on “Four enterprise AEs”" in mentioned.text


# Correcting and deleting one's comment ------------------------------------------------------


def _edit_url(comment, suffix="edit/"):
    return reverse("planning:comment-edit", args=[comment.plan_id, comment.pk]).replace(
        "edit/", suffix
    )


def test_the_author_corrects_a_comment_in_place_and_history_keeps_the_first_wording(
    people, goal, client_for
):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="Cots?")
    client = client_for(people.finance)
    form = client.get(_edit_url(comment), **HTMX)
    assert form.status_code == 200 and 'name="version" value="1"' in form.content.decode()
    response = client.post(_edit_url(comment), {"text": "Costs?", "version": 1}, **HTMX)
    assert response.status_code == 200
    assert "Costs?" in response.content.decode() and "(edited)" in response.content.decode()
    comment.refresh_from_db()
    assert (comment.text, comment.version) == ("Costs?", 2) and comment.edited_at is not None
    wordings = [(h.text, h.history_type) for h in comment.history.order_by("history_id")]
    assert wordings == [("Cots?", "+"), ("Costs?", "~")]
    assert comment.history.latest().history_user == people.finance


def test_only_newly_mentioned_people_are_told_after_an_edit(people, goal):
    from planning.services.comments import comment_edit

    comment = comment_create(
        plan=people.plan, author=people.finance, subject=goal, text="@head_marketing costs?"
    )
    Notification.objects.all().delete()
    comment_edit(
        comment=comment,
        user=people.finance,
        text="@head_marketing @leader costs? @finance",
        version=1,
    )
    assert [n.user for n in Notification.objects.all()] == [people.leader]
    assert set(comment.mentions.all()) == {people.head_marketing, people.leader, people.finance}


@pytest.mark.parametrize("who", ["leader", "head_sales", "viewer"])
def test_nobody_but_the_author_edits_or_deletes_a_comment(people, goal, client_for, who):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="Mine")
    client = client_for(getattr(people, who))
    assert client.get(_edit_url(comment)).status_code == 403
    assert client.post(_edit_url(comment), {"text": "Theirs", "version": 1}).status_code == 403
    assert client.post(_edit_url(comment, "delete/")).status_code == 403
    comment.refresh_from_db()
    assert comment.text == "Mine"
    page = client.get(goal.get_absolute_url()).content.decode()
    assert _edit_url(comment) not in page  # no Edit link for others


def test_an_outsider_gets_404_and_an_author_who_became_viewer_may_no_longer_edit(
    people, goal, client_for
):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="Mine")
    assert client_for(people.outsider).get(_edit_url(comment)).status_code == 404
    people.finance.memberships.update(role="viewer")
    people.finance.__dict__.pop("_plan_access_cache", None)
    assert client_for(people.finance).get(_edit_url(comment)).status_code == 403


def test_an_empty_correction_is_refused_and_changes_nothing(people, goal, client_for):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="Mine")
    response = client_for(people.finance).post(
        _edit_url(comment), {"text": "  ", "version": 1}, **HTMX
    )
    assert response.status_code == 200
    assert "Write something, or delete the comment." in response.content.decode()
    comment.refresh_from_db()
    assert (comment.text, comment.version) == ("Mine", 1)


def test_a_correction_from_a_stale_window_is_told_and_loses_nothing(people, goal, client_for):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="One")
    client = client_for(people.finance)
    client.post(_edit_url(comment), {"text": "Two", "version": 1}, **HTMX)
    stale = client.post(_edit_url(comment), {"text": "Three", "version": 1}, **HTMX)
    page = stale.content.decode()
    assert "in another window meanwhile" in page and "Two" in page and "Three" in page
    assert 'name="version" value="2"' in page  # saving again replaces "Two", knowingly
    comment.refresh_from_db()
    assert comment.text == "Two"


def test_the_author_deletes_a_comment_and_history_keeps_a_copy(people, goal, client_for):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="Oops")
    response = client_for(people.finance).post(_edit_url(comment, "delete/"), **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not Comment.objects.filter(pk=comment.pk).exists()
    copy = Comment.history.filter(id=comment.pk).order_by("history_id").last()
    assert (copy.history_type, copy.text, copy.history_user) == ("-", "Oops", people.finance)


def test_without_javascript_edit_and_delete_return_to_the_thread(people, goal, client_for):
    comment = comment_create(plan=people.plan, author=people.finance, subject=goal, text="Mine")
    client = client_for(people.finance)
    page = client.get(_edit_url(comment))
    assert "Edit your comment" in page.content.decode()
    saved = client.post(_edit_url(comment), {"text": "Better", "version": 1})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#comment-{comment.pk}")
    gone = client.post(_edit_url(comment, "delete/"))
    assert gone.status_code == 302 and "#comments-goal-" in gone["Location"]
