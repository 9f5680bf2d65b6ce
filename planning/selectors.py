"""Reads of plan data in a fixed number of queries, whatever the plan's size."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from planning.models import Department, Goal, Plan


def departments_with_goals(plan: Plan) -> QuerySet[Department]:
    """Departments of the plan, each with its goals and their owners (two queries)."""
    goals = Goal.objects.select_related("owner").order_by("title")
    return (
        plan.departments.select_related("head")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .order_by("name")
    )


def company_goals_without_department(plan: Plan) -> QuerySet[Goal]:
    return plan.goals.filter(department__isnull=True).select_related("owner")


def plans_with_counts(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Plans with their number of departments and goals, counted in subqueries (a join of both
    would multiply the rows)."""
    return plans.annotate(
        department_count=_count(Department, "plan"),
        goal_count=_count(Goal, "plan"),
    ).order_by("-start", "name")


def _count(model, link: str):
    rows = (
        model.objects.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)
