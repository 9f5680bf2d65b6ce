"""Reads of plan data in a fixed number of queries, whatever the plan's size."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from planning.models import Department, Goal, Plan


def departments_with_goals(plan: Plan, *, goals_each: int = 10) -> QuerySet[Department]:
    """Departments of the plan with their number of goals (`goal_count`) and the first
    `goals_each` goals by title with their owners (`first_goals`): a page of departments is
    two queries, and never carries all of a big plan's goals."""
    goals = Goal.objects.select_related("owner").order_by("title", "id")[:goals_each]
    return (
        plan.departments.select_related("head")
        .annotate(goal_count=_count(Goal, "department"))
        .prefetch_related(Prefetch("goals", queryset=goals, to_attr="first_goals"))
        .order_by("name", "id")
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
