"""`manage.py build_bench_plan [--scale N]`: a large plan for benchmarks, built fast.

At scale 1: 50 departments, 1,000 goals (four quarterly checkpoints each), 5,000 initiatives
with one milestone each and about 1,000 cross-department dependencies, 3 KPIs per department,
budget and spend in three categories, and twelve months of actuals (the plan year is the
previous calendar year, so every month is complete). `--scale 10` builds ten times as much.

Rows go in with `bulk_create` in large batches (no per-row saves, no history rows, no
signals); the plan's figures and alerts are then computed once by the alert service, as the
Celery task would. The same builder makes the small and large plans of the query-count tests
(`build_plan` with explicit sizes).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from planning.models import (
    BudgetLine,
    Department,
    Goal,
    GoalCheckpoint,
    Initiative,
    Membership,
    Milestone,
    Plan,
)
from tracking.models import Kpi, KpiTarget, Measurement, Spend

BATCH = 5_000
Role = Membership.Role


@dataclass(frozen=True)
class Size:
    """How much a bench plan holds."""

    departments: int = 50
    goals: int = 1_000
    initiatives: int = 5_000
    dependency_share: float = 0.2  # share of initiatives that depend on another one
    kpis_per_department: int = 3

    def times(self, scale: int) -> Size:
        return Size(
            self.departments * scale,
            self.goals * scale,
            self.initiatives * scale,
            self.dependency_share,
            self.kpis_per_department,
        )


def build_plan(
    *,
    name: str,
    size: Size,
    year: int,
    leader_username: str,
    leader_password: str | None = None,
    seed: int = 7,
) -> Plan:
    """Create a plan of `size` with twelve months of actuals in `year`; `leader_username`
    becomes its leadership member (created when missing). Returns the plan."""
    rng = random.Random(seed)
    with transaction.atomic():
        plan = Plan.objects.create(
            name=name, start=dt.date(year, 1, 1), status=Plan.Status.APPROVED
        )
        leader = _leader(leader_username, leader_password)
        departments = _departments(plan, size)
        owners = _department_heads(plan, departments, leader)
        goals = _goals(plan, size, departments, owners, rng)
        _measurements(plan, goals, rng)
        initiatives = _initiatives(plan, size, departments, owners, goals, rng)
        _dependencies(initiatives, size, rng)
        _kpis(plan, departments, size, rng)
        _money(plan, departments, rng)
    return plan


def _bulk(model, rows) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _leader(username: str, password: str | None):
    User = get_user_model()
    leader, created = User.objects.get_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": "Leader"}
    )
    if created or password:
        leader.set_password(password or "bench-leader-password")
        leader.save(update_fields=["password"])
    return leader


def _departments(plan: Plan, size: Size) -> list[Department]:
    return _bulk(
        Department,
        [
            Department(plan=plan, name=f"Department {i + 1:03d}", code=f"d{i + 1:03d}")
            for i in range(size.departments)
        ],
    )


def _department_heads(plan, departments, leader) -> list:
    """One head per department (unusable passwords) plus the leader's membership."""
    User = get_user_model()
    prefix = f"bench-{plan.pk}-head"
    unusable = make_password(None)
    _bulk(
        User,
        [User(username=f"{prefix}-{d.code}", password=unusable) for d in departments],
    )
    heads = {u.username: u for u in User.objects.filter(username__startswith=f"{prefix}-")}
    owners = [heads[f"{prefix}-{d.code}"] for d in departments]
    memberships = [Membership(user=leader, plan=plan, role=Role.LEADERSHIP)]
    memberships += [
        Membership(user=owner, plan=plan, role=Role.DEPARTMENT_HEAD, department=department)
        for owner, department in zip(owners, departments, strict=True)
    ]
    _bulk(Membership, memberships)
    return owners


def _goals(plan, size, departments, owners, rng) -> list[Goal]:
    goals = []
    for i in range(size.goals):
        d = i % len(departments)
        decrease = i % 5 == 4
        goals.append(
            Goal(
                plan=plan,
                department=departments[d],
                owner=owners[d],
                title=f"Goal {i + 1:05d} of {departments[d].name}",
                description="Move the metric from its baseline to the target this year.",
                metric_name="Metric",
                unit="#",
                direction="decrease" if decrease else "increase",
                baseline=Decimal(100 if decrease else 0),
                target=Decimal(50 if decrease else 100),
                due_date=plan.end,
                rationale="Done before.",
                approval_state="approved",
            )
        )
    goals = _bulk(Goal, goals)
    checkpoints = [
        GoalCheckpoint(goal=goal, quarter=q, planned_value=_path(goal, q / 4))
        for goal in goals
        for q in (1, 2, 3, 4)
    ]
    _bulk(GoalCheckpoint, checkpoints)
    return goals


def _path(goal: Goal, share: float) -> Decimal:
    return goal.baseline + (goal.target - goal.baseline) * Decimal(str(share))


def _measurements(plan, goals, rng) -> None:
    """Twelve monthly values per goal around the planned path: some goals ahead, some behind."""
    months = plan.month_starts()
    rows = []
    for goal in goals:
        pace = rng.choice([0.7, 0.85, 0.95, 1.0, 1.05, 1.1])
        for m, month in enumerate(months, start=1):
            value = _path(goal, min(1.0, m / 12 * pace))
            rows.append(Measurement(plan=plan, goal=goal, period=month, value=value))
    _bulk(Measurement, rows)


def _initiatives(plan, size, departments, owners, goals, rng) -> list[Initiative]:
    rows = []
    for i in range(size.initiatives):
        d = i % len(departments)
        start = plan.start + dt.timedelta(days=rng.randrange(0, 300))
        estimate, buffer = rng.randrange(10, 90), rng.choice([30, 40, 50])
        planned_end = Initiative.compute_planned_end(start, estimate, buffer)
        rows.append(
            Initiative(
                plan=plan,
                department=departments[d],
                owner=owners[d],
                goal=goals[i % len(goals)] if goals else None,
                title=f"Initiative {i + 1:06d}",
                start=start,
                estimate_days=estimate,
                buffer_pct=buffer,
                planned_end=planned_end,
                status=_status(planned_end, plan.end, rng),
            )
        )
    initiatives = _bulk(Initiative, rows)
    _bulk(
        Milestone,
        [
            Milestone(
                initiative=x,
                title=f"{x.title} milestone",
                due_date=x.planned_end,
                done=x.status == "done",
            )
            for x in initiatives
        ],
    )
    return initiatives


def _status(planned_end: dt.date, year_end: dt.date, rng) -> str:
    """Most work planned to end before the year's last month is done; one in ten is late."""
    if planned_end < year_end - dt.timedelta(days=31):
        return "done" if rng.random() < 0.9 else "in_progress"
    return rng.choice(["not_started", "in_progress"])


def _dependencies(initiatives, size, rng) -> None:
    """Each chosen initiative depends on an earlier one of another department (no cycles)."""
    through = Initiative.depends_on.through
    links = []
    for i in range(1, len(initiatives)):
        if rng.random() < size.dependency_share:
            j = rng.randrange(0, i)
            if initiatives[j].department_id != initiatives[i].department_id:
                links.append(through(from_initiative=initiatives[i], to_initiative=initiatives[j]))
    _bulk(through, links)


def _kpis(plan, departments, size, rng) -> None:
    kpis = _bulk(
        Kpi,
        [
            Kpi(
                plan=plan,
                department=d,
                code=f"{d.code}-k{k}",
                name=f"KPI {k} of {d.name}",
                unit="%",
            )
            for d in departments
            for k in range(1, size.kpis_per_department + 1)
        ],
    )
    months = plan.month_starts()
    _bulk(KpiTarget, [KpiTarget(kpi=k, month=m, target=Decimal(50)) for k in kpis for m in months])
    _bulk(
        Measurement,
        [
            Measurement(plan=plan, kpi=k, period=m, value=Decimal(rng.randrange(38, 56)))
            for k in kpis
            for m in months
        ],
    )


def _money(plan, departments, rng) -> None:
    """Budget in three categories per month; every seventh department spends fast."""
    months = plan.month_starts()
    budget, spend = [], []
    for i, d in enumerate(departments):
        fast = i % 7 == 3
        for category in BudgetLine.Category.values:
            amount = Decimal(rng.randrange(5, 50) * 1_000)
            for m, month in enumerate(months):
                budget.append(
                    BudgetLine(
                        plan=plan, department=d, category=category, month=month, amount=amount
                    )
                )
                factor = (
                    Decimal("1.6") if fast and m < 7 else Decimal(rng.choice([90, 100, 105])) / 100
                )
                spend.append(
                    Spend(
                        plan=plan,
                        department=d,
                        category=category,
                        month=month,
                        amount=(amount * factor).quantize(Decimal("0.01")),
                    )
                )
    _bulk(BudgetLine, budget)
    _bulk(Spend, spend)


class Command(BaseCommand):
    help = "Build a large plan for benchmarks (bulk inserts), then compute its figures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="1 = 50 departments, 1,000 goals, 5,000 initiatives; 10 = ten times as much.",
        )
        parser.add_argument("--name", default="", help="Plan name (default: Bench xN).")
        parser.add_argument("--leader", default="bench-leader", help="Leadership username.")
        parser.add_argument("--password", default="", help="Password for the leader.")
        parser.add_argument(
            "--year",
            type=int,
            default=0,
            help="Plan year (default: last year, so all 12 months are actual).",
        )
        parser.add_argument(
            "--no-recompute", action="store_true", help="Skip computing goal figures and alerts."
        )

    def handle(self, *args, **options):
        scale = options["scale"]
        year = options["year"] or dt.date.today().year - 1
        started = time.perf_counter()
        plan = build_plan(
            name=options["name"] or f"Bench x{scale}",
            size=Size().times(scale),
            year=year,
            leader_username=options["leader"],
            leader_password=options["password"] or None,
        )
        built = time.perf_counter() - started
        self.stdout.write(f"built plan {plan.pk} in {built:.1f} s")
        if not options["no_recompute"]:
            from tracking.services.alerts import alerts_recompute

            started = time.perf_counter()
            alerts_recompute(plan_id=plan.pk, as_of=plan.end)
            self.stdout.write(f"recomputed in {time.perf_counter() - started:.2f} s")
        self.stdout.write(f"plan_id={plan.pk}")
