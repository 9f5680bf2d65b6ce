"""What every plan page shares: find the plan within what the user may see, remember access."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from planning.permissions import get_plan_for


def plan_view(func):
    """Decorate a view taking `(request, plan, access, ...)`: signed in, member of the plan
    (else 404), with `request.plan` and `request.access` set for the navigation."""

    @login_required
    @wraps(func)
    def wrapper(request, plan_id, *args, **kwargs):
        plan, access = get_plan_for(request.user, plan_id)
        request.plan, request.access = plan, access
        return func(request, plan, access, *args, **kwargs)

    return wrapper


def placeholder(title: str, section: str):
    """A section that is announced in the navigation but not built yet."""

    @plan_view
    def view(request, plan, access, **kwargs):
        return render(
            request, "placeholder.html", {"plan": plan, "title": title, "section": section}
        )

    return view
