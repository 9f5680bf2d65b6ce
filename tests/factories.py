"""factory_boy factories for the plan side and tracking."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from planning.models import (
    BudgetLine,
    Department,
    Goal,
    GoalCheckpoint,
    Initiative,
    Membership,
    Milestone,
    Plan,
    Priority,
    ResourceRequirement,
    SwotEntry,
)
from tracking.models import Kpi, KpiTarget, Measurement, Spend

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    start = dt.date(2026, 1, 1)
    currency = "USD"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"dept-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    plan = factory.SubFactory(PlanFactory)
    role = Membership.Role.VIEWER


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"Priority {n}")


class SwotEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SwotEntry

    plan = factory.SubFactory(PlanFactory)
    kind = SwotEntry.Kind.STRENGTH
    title = factory.Sequence(lambda n: f"SWOT entry {n}")
    evidence = "A figure from the last survey."


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    department = factory.SubFactory(DepartmentFactory, plan=factory.SelfAttribute("..plan"))
    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    description = "Raise the number so that the company reaches its annual target."
    metric_name = "Count"
    unit = "#"
    baseline = Decimal("0")
    target = Decimal("4")
    due_date = dt.date(2026, 6, 30)
    rationale = "We did it last year with fewer people."


class GoalCheckpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalCheckpoint

    goal = factory.SubFactory(GoalFactory)
    quarter = 1
    planned_value = Decimal("2")


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    plan = factory.SubFactory(PlanFactory)
    department = factory.SubFactory(DepartmentFactory, plan=factory.SelfAttribute("..plan"))
    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    start = dt.date(2026, 2, 1)
    estimate_days = 30
    buffer_pct = 30


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    initiative = factory.SubFactory(InitiativeFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = dt.date(2026, 3, 1)


class ResourceRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceRequirement

    plan = factory.SubFactory(PlanFactory)
    goal = factory.SubFactory(GoalFactory, plan=factory.SelfAttribute("..plan"))
    category = ResourceRequirement.Category.PEOPLE
    description = "Two more engineers"
    needed = Decimal("2")
    available = Decimal("0")


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    plan = factory.SubFactory(PlanFactory)
    department = factory.SubFactory(DepartmentFactory, plan=factory.SelfAttribute("..plan"))
    category = BudgetLine.Category.OPEX
    month = dt.date(2026, 1, 1)
    amount = Decimal("1000")


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    plan = factory.SubFactory(PlanFactory)
    department = factory.SubFactory(DepartmentFactory, plan=factory.SelfAttribute("..plan"))
    code = factory.Sequence(lambda n: f"kpi-{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    unit = "%"


class KpiTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiTarget

    kpi = factory.SubFactory(KpiFactory)
    month = dt.date(2026, 1, 1)
    target = Decimal("10")


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    plan = factory.SubFactory(PlanFactory)
    goal = factory.SubFactory(GoalFactory, plan=factory.SelfAttribute("..plan"))
    period = dt.date(2026, 1, 1)
    value = Decimal("1")


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spend

    plan = factory.SubFactory(PlanFactory)
    department = factory.SubFactory(DepartmentFactory, plan=factory.SelfAttribute("..plan"))
    category = BudgetLine.Category.OPEX
    month = dt.date(2026, 1, 1)
    amount = Decimal("1000")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "planning.Comment"

    plan = factory.SubFactory(PlanFactory)
    goal = factory.SubFactory(GoalFactory, plan=factory.SelfAttribute("..plan"))
    author = factory.SubFactory(UserFactory)
    text = "Looks good to me."


def hires_goal(plan, department, owner=None, actual="1", title="Hire 4 enterprise AEs"):
    """The worked example of SPEC §4.2 as stored data."""
    goal = GoalFactory(
        plan=plan,
        department=department,
        title=title,
        owner=owner,
        baseline=Decimal("0"),
        target=Decimal("4"),
        due_date=dt.date(2026, 6, 30),
    )
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    GoalCheckpointFactory(goal=goal, quarter=2, planned_value=Decimal("4"))
    if actual is not None:
        MeasurementFactory(plan=plan, goal=goal, period=dt.date(2026, 3, 1), value=Decimal(actual))
    return goal
