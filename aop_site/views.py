"""Site-level pages: the front door and the health check."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from planning import selectors
from planning.views.base import plan_view
from reviews.models import MonthlyReview
from tracking.dashboards import plan_summary


def home(request):
    if request.user.is_authenticated:
        return redirect("planning:plan-list")
    return redirect("login")


def healthz(request):
    """200 with the status of database and broker as JSON; 503 when the database is down."""
    status = {"database": _database_status(), "broker": _broker_status()}
    # A broker outage degrades alerts but not the app: only the database decides the code.
    return JsonResponse(status, status=200 if status["database"] == "ok" else 503)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "unreachable" to the caller
        return f"error: {type(exc).__name__}"
    return "ok"


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from aop_site.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # the broker's client raises many kinds; all mean "down"
        return f"error: {type(exc).__name__}"
    return "ok"


# The plan home stays one screen's worth whatever the plan's size: a page of departments with
# their first goals each, the rest one click away (department pages, goal tree).
DEPARTMENTS_PER_PAGE = 20
GOALS_PER_DEPARTMENT = 10


@plan_view
def plan_home(request, plan, access):
    """The plan's front page: status, goals by status and by department, open alerts, next
    review."""
    today = timezone.localdate()
    return render(
        request,
        "plan_home.html",
        {
            "plan": plan,
            "departments": Paginator(
                selectors.departments_with_goals(plan, goals_each=GOALS_PER_DEPARTMENT),
                DEPARTMENTS_PER_PAGE,
            ).get_page(request.GET.get("departments")),
            "goals_each": GOALS_PER_DEPARTMENT,
            "company_goals": selectors.company_goals_without_department(plan)[
                :GOALS_PER_DEPARTMENT
            ],
            "section": "home",
            "next_review": MonthlyReview.objects.filter(plan=plan, date__gte=today)
            .order_by("date")
            .first(),
            **plan_summary(plan, today),
        },
    )
