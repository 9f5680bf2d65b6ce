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
