"""Activity (SPEC §5): the history of every change in the plan, comments and plan changes, and
the person's notifications; plus posting comments on goals and initiatives (SPEC §2 step 4)."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from planning import activity
from planning.forms.activity import ActivityFilterForm
from planning.permissions import Action, require
from planning.services import activity as activity_services
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


urlpatterns = [
    path("<int:plan_id>/activity/", activity_feed, name="activity"),
    path("<int:plan_id>/notifications/read/", notifications_read, name="notifications-read"),
    path("<int:plan_id>/notifications/<int:pk>/", notification_open, name="notification-open"),
    re_path(
        r"^(?P<plan_id>[0-9]+)/comments/(?P<kind>goal|initiative)/(?P<pk>[0-9]+)/$",
        comment_post,
        name="comment-create",
    ),
]
