"""What the navigation shows on every page: the current plan, the plan switcher, badges."""

from planning.models import Notification
from planning.permissions import plans_visible_to
from tracking.models import Alert


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    plan = getattr(request, "plan", None)
    context = {
        "nav_plans": list(plans_visible_to(user).only("id", "name", "start")),
        "nav_plan": plan,
        "nav_access": getattr(request, "access", None),
        "nav_unread": Notification.objects.filter(user=user, read=False).count(),
    }
    if plan is not None:
        # Capped: the badge reads "99+" beyond that, and the count stays cheap on huge plans —
        # unordered, so the database stops after 100 index entries instead of sorting all.
        open_alerts = Alert.objects.filter(plan=plan, state=Alert.State.OPEN).order_by()
        context["nav_open_alerts"] = open_alerts[:100].count()
    return context
