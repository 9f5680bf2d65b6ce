"""Activity (SPEC §5): the history of every change in the plan, comments and plan changes, and
the person's notifications; plus posting comments on goals and initiatives (SPEC §2 step 4)."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from planning import activity
from planning.concurrency import EditConflict
from planning.forms.activity import ActivityFilterForm
from planning.forms.comments import CommentEditForm
from planning.models import Comment
from planning.permissions import Action, require
from planning.services import activity as activity_services
from planning.services import comments as comments_services
from planning.services.comments import comment_create
from planning.templatetags.comments import comment_form, thread_context
from planning.views.base import plan_view

EVENTS_PER_PAGE = 30
NOTIFICATIONS_SHOWN = 30


@plan_view
def activity_feed(request, plan, access):
    filter_form = ActivityFilterForm(request.GET, plan=plan)
    filters = filter_form.filters()
    page = Paginator(activity.events_query(plan, **filters), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    notifications = request.user.notifications.filter(plan=plan)
    context = {
        "plan": plan,
        "section": "activity",
        "filter_form": filter_form,
        "page": page,
        "events": activity.events_for_page(plan, page.object_list),
        "query": query.urlencode(),
        "notifications": list(notifications[:NOTIFICATIONS_SHOWN]),
        "unread": notifications.filter(read=False).count(),
    }
    return render(request, "planning/activity.html", context)


@require_POST
@plan_view
def notifications_read(request, plan, access):
    activity_services.notifications_mark_read(user=request.user, plan=plan)
    return redirect(reverse("planning:activity", args=[plan.pk]) + "#notifications")


@plan_view
def notification_open(request, plan, access, pk):
    notification = get_object_or_404(request.user.notifications.filter(plan=plan), pk=pk)
    activity_services.notification_open(notification=notification)
    safe = url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()})
    fallback = reverse("planning:activity", args=[plan.pk]) + "#notifications"
    return redirect(notification.url if notification.url and safe else fallback)


@require_POST
@plan_view
def comment_post(request, plan, access, kind, pk):
    """Post a comment; htmx gets the new comment (appended) and a fresh form (out of band)."""
    subject = get_object_or_404(plan.goals if kind == "goal" else plan.initiatives, pk=pk)
    require(access, Action.COMMENT, subject)
    form = comment_form(kind, pk, request.POST)
    context = {**thread_context(subject, request), "form": form, "plan": plan}
    if not form.is_valid():
        if not request.htmx:
            return render(request, "planning/comment_page.html", context)
        response = render(request, "planning/comment_form.html", context)
        response["HX-Retarget"], response["HX-Reswap"] = f"#comment-form-{kind}-{pk}", "outerHTML"
        return response
    comment = comment_create(
        plan=plan, author=request.user, text=form.cleaned_data["text"], subject=subject
    )
    if not request.htmx:
        return redirect(f"{subject.get_absolute_url()}#comment-{comment.pk}")
    context.update(comment=comment, form=comment_form(kind, pk), oob=True)
    return render(request, "planning/comment_posted.html", context)


def _own_comment(plan, access, pk) -> Comment:
    """A comment of this plan that the person may change (its author): 404 / 403 otherwise."""
    comment = get_object_or_404(
        plan.comments.select_related("author", "goal", "initiative", "plan"), pk=pk
    )
    require(access, Action.EDIT, comment)
    return comment


def _item(request, plan, access, comment):
    """The comment as it shows in its thread (for htmx)."""
    context = {"comment": comment, "can_comment": access.can(Action.COMMENT, comment)}
    return render(request, "planning/comment_item.html", {**context, "plan": plan})


@plan_view
def comment_item(request, plan, access, pk):
    """One comment of the thread (what "Cancel" puts back)."""
    comment = get_object_or_404(plan.comments.select_related("author"), pk=pk)
    return _item(request, plan, access, comment)


@plan_view
def comment_edit(request, plan, access, pk):
    """Correct one's comment in place (htmx) or on a page of its own."""
    comment = _own_comment(plan, access, pk)
    subject = comment.goal or comment.initiative
    form = CommentEditForm(request.POST or None, instance=comment, auto_id=f"edit-{pk}-%s")
    context = {"plan": plan, "comment": comment, "subject": subject, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            comment = comments_services.comment_edit(
                comment=comment,
                user=request.user,
                text=form.cleaned_data["text"],
                version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            # The author's other tab saved first: show that wording and keep this one typed.
            form = CommentEditForm(
                {"text": form.cleaned_data["text"], "version": conflict.current.version},
                instance=conflict.current,
                auto_id=f"edit-{pk}-%s",
            )
            context |= {"form": form, "theirs": conflict.current}
        else:
            if request.htmx:
                return _item(request, plan, access, comment)
            return redirect(f"{subject.get_absolute_url()}#comment-{comment.pk}")
    template = "planning/comment_edit_form.html" if request.htmx else "planning/comment_edit.html"
    return render(request, template, context)


@require_POST
@plan_view
def comment_delete(request, plan, access, pk):
    """Delete one's comment; htmx removes it from the thread."""
    comment = _own_comment(plan, access, pk)
    subject = comment.goal or comment.initiative
    comments_services.comment_delete(comment=comment, user=request.user)
    if request.htmx:
        return HttpResponse("")
    kind = "goal" if comment.goal_id else "initiative"
    return redirect(f"{subject.get_absolute_url()}#comments-{kind}-{subject.pk}")


urlpatterns = [
    path("<int:plan_id>/activity/", activity_feed, name="activity"),
    path("<int:plan_id>/notifications/read/", notifications_read, name="notifications-read"),
    path("<int:plan_id>/notifications/<int:pk>/", notification_open, name="notification-open"),
    re_path(
        r"^(?P<plan_id>[0-9]+)/comments/(?P<kind>goal|initiative)/(?P<pk>[0-9]+)/$",
        comment_post,
        name="comment-create",
    ),
    path("<int:plan_id>/comments/<int:pk>/", comment_item, name="comment"),
    path("<int:plan_id>/comments/<int:pk>/edit/", comment_edit, name="comment-edit"),
    path("<int:plan_id>/comments/<int:pk>/delete/", comment_delete, name="comment-delete"),
]
