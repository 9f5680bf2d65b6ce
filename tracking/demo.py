"""The example plan of SPEC §7: a software company that wants 10 M USD revenue this year.

The plan year is the current calendar year (the previous one in January, so there are actuals);
actuals run up to the last complete month, so that some goals are behind, Marketing burns its
budget early, and an Engineering initiative blocks Sales. `load_example_plan` is idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from planning.demo import DEMO_PASSWORD, DEMO_USERS
from planning.models import (
    BudgetLine,
    Comment,
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
from planning.services.approval import plan_baseline_freeze
from tracking.models import Kpi, KpiTarget, Measurement, Source, Spend

EXAMPLE_PLAN_NAME = "Northwind Cloud — AOP {year}"
Role = Membership.Role
D = Decimal

DEPARTMENTS = [
    # code, name, head username
    ("leadership", "Leadership", "ceo"),
    ("sales", "Sales", "sales"),
    ("marketing", "Marketing", "marketing"),
    ("product", "Product", "product"),
    ("engineering", "Engineering", "engineering"),
    ("success", "Customer Success", "success"),
    ("finance", "Finance", "finance"),
]

MEMBERSHIPS = [
    ("ceo", Role.LEADERSHIP, None),
    ("coo", Role.LEADERSHIP, None),
    ("sales", Role.DEPARTMENT_HEAD, "sales"),
    ("marketing", Role.DEPARTMENT_HEAD, "marketing"),
    ("product", Role.DEPARTMENT_HEAD, "product"),
    ("engineering", Role.DEPARTMENT_HEAD, "engineering"),
    ("success", Role.DEPARTMENT_HEAD, "success"),
    ("finance", Role.FINANCE, None),
    ("contributor", Role.CONTRIBUTOR, "sales"),
    ("viewer", Role.VIEWER, None),
]

PRIORITIES = {
    "enterprise": ("Enterprise expansion", "Win and keep larger customers: higher contract value."),
    "trust": ("Compliance and trust", "Certifications that unblock paused enterprise deals."),
    "engagement": ("Engaged customers", "Keep the hour-a-day engagement as we move upmarket."),
}

SWOT = [
    # key, department, kind, title, evidence, impact
    (
        "engagement",
        None,
        "S",
        "High user engagement — customers spend an hour a day in the app",
        "Product analytics, last 12 months: median 61 minutes of active use per user per day.",
        5,
    ),
    (
        "cycles",
        None,
        "W",
        "Enterprise sales cycles take 60 % longer than mid-market deals",
        "CRM: median 118 days for enterprise vs 74 days for mid-market deals closed last year.",
        4,
    ),
    (
        "growth",
        None,
        "O",
        "Research forecasts 40 % growth in the enterprise segment",
        "Industry analyst report on collaboration software, enterprise segment forecast.",
        5,
    ),
    (
        "compliance",
        None,
        "T",
        "Customers ask for compliance certifications; three large deals "
        "are paused until they exist",
        "Three opportunities worth 1.4 M USD paused in the CRM.",
        5,
    ),
    (
        "sales-bench",
        "sales",
        "W",
        "No account executive with enterprise experience",
        "All six AEs came from SMB sales.",
        4,
    ),
    (
        "brand",
        "marketing",
        "S",
        "Strong brand among developers",
        "NPS 52 in the developer survey.",
        3,
    ),
    (
        "competitor",
        "marketing",
        "T",
        "A competitor launched an enterprise edition",
        "Announced in March; two of our prospects evaluated it.",
        3,
    ),
]

# key: department, owner, title, metric, unit, direction, baseline, target, due (month, day),
#      checkpoints Q1..Q4 (None = after the due date), budget, parent, swot keys, priority keys,
#      monthly actuals Jan..Dec (None = no value that month)
GOALS = {
    "revenue": dict(
        department="leadership",
        owner="ceo",
        title="Reach 10 M USD annual revenue",
        description="Grow annual revenue from 6.5 M USD to 10 M USD, mostly through enterprise "
        "customers, so that the company can fund its next stage without new capital.",
        metric="Annual recurring revenue",
        unit="M USD",
        direction="increase",
        baseline=D("6.5"),
        target=D("10"),
        due=(12, 31),
        checkpoints=[D("7.2"), D("8.0"), D("8.9"), D("10")],
        budget=None,
        parent=None,
        swot=["growth"],
        priorities=["enterprise"],
        rationale="Pipeline and the enterprise segment's growth support it if the enterprise "
        "feature ships in H1.",
        actuals=[
            D("6.7"),
            D("6.9"),
            D("7.1"),
            D("7.3"),
            D("7.5"),
            D("7.8"),
            D("8.0"),
            D("8.2"),
            D("8.5"),
            D("8.6"),
            None,
            None,
        ],
    ),
    "feature": dict(
        department="product",
        owner="product",
        title="Ship the enterprise feature set by the end of Q2",
        description="Build single sign-on, audit log and admin roles so that the "
        "average contract value of new deals rises from 18 k to 30 k USD.",
        metric="Average contract value of new deals",
        unit="k USD",
        direction="increase",
        baseline=D("18"),
        target=D("30"),
        due=(6, 30),
        checkpoints=[D("21"), D("30"), None, None],
        budget=D("500000"),
        parent="revenue",
        swot=["growth", "engagement"],
        priorities=["enterprise"],
        rationale="Twelve enterprise customers told us in interviews what they would pay for.",
        actuals=[
            D("18"),
            D("19"),
            D("21"),
            D("23"),
            D("26"),
            D("29"),
            D("30"),
            D("31"),
            D("31"),
            D("32"),
            None,
            None,
        ],
    ),
    "engineer": dict(
        department="engineering",
        owner="engineering",
        title="Start hiring another senior engineer by the end of January",
        description="Open the position and sign one more "
        "senior engineer for the enterprise feature team.",
        metric="Senior engineers signed",
        unit="people",
        direction="increase",
        baseline=D("0"),
        target=D("1"),
        due=(1, 31),
        checkpoints=[None, None, None, None],
        budget=None,
        parent="feature",
        swot=[],
        priorities=["enterprise"],
        rationale="Two candidates from last year's process are still interested.",
        actuals=[
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            None,
            None,
        ],
    ),
    "aes": dict(
        department="sales",
        owner="sales",
        title="Hire and onboard four enterprise account executives by the end of Q2",
        description="Hire four account executives with at least "
        "five years of B2B SaaS experience and get each to a first qualified opportunity.",
        metric="Enterprise AEs onboarded",
        unit="people",
        direction="increase",
        baseline=D("0"),
        target=D("4"),
        due=(6, 30),
        checkpoints=[D("2"), D("4"), None, None],
        budget=D("180000"),
        parent="revenue",
        swot=["cycles", "sales-bench"],
        priorities=["enterprise"],
        rationale="Recruiting partner placed three such AEs at a peer company last year.",
        actuals=[
            D("0"),
            D("1"),
            D("1"),
            D("2"),
            D("2"),
            D("3"),
            D("3"),
            D("3"),
            D("3"),
            D("3"),
            None,
            None,
        ],
    ),
    "certs": dict(
        department="engineering",
        owner="coo",
        title="Reach SOC 2 Type II and ISO 27001 certification",
        description="Pass both audits so that the three paused enterprise "
        "deals can close and security reviews stop delaying new ones.",
        metric="Certifications achieved",
        unit="certificates",
        direction="increase",
        baseline=D("0"),
        target=D("2"),
        due=(9, 30),
        checkpoints=[D("0.5"), D("1"), D("2"), None],
        budget=D("120000"),
        parent="revenue",
        swot=["compliance"],
        priorities=["trust"],
        rationale="An auditor is booked; the controls are mostly in place already.",
        actuals=[
            D("0"),
            D("0"),
            D("0"),
            D("0"),
            D("0"),
            D("0"),
            D("1"),
            D("1"),
            D("1"),
            D("1"),
            None,
            None,
        ],
    ),
    "mqls": dict(
        department="marketing",
        owner="marketing",
        title="Generate 400 enterprise marketing-qualified leads",
        description="Run account-based campaigns for the top 300 "
        "target accounts and hand 400 qualified leads to Sales this year.",
        metric="Enterprise MQLs (cumulative)",
        unit="leads",
        direction="increase",
        baseline=D("0"),
        target=D("400"),
        due=(12, 31),
        checkpoints=[D("80"), D("180"), D("290"), D("400")],
        budget=None,
        parent="revenue",
        swot=["growth", "brand"],
        priorities=["enterprise"],
        rationale="Last year's mid-market campaigns produced 350 MQLs with a smaller team.",
        actuals=[
            D("20"),
            D("45"),
            D("75"),
            D("110"),
            D("140"),
            D("170"),
            D("200"),
            D("230"),
            D("265"),
            D("300"),
            None,
            None,
        ],
    ),
    "churn": dict(
        department="success",
        owner="success",
        title="Reduce enterprise churn to 5 %",
        description="Bring annual enterprise logo churn down from 9 % to 5 % with an onboarding "
        "programme and quarterly business reviews.",
        metric="Enterprise churn (annualised)",
        unit="%",
        direction="decrease",
        baseline=D("9"),
        target=D("5"),
        due=(12, 31),
        checkpoints=[D("8.5"), D("7.5"), D("6.5"), D("5")],
        budget=None,
        parent="revenue",
        swot=["engagement"],
        priorities=["engagement"],
        rationale="Churned customers cite onboarding; peers with a programme churn 4-6 %.",
        actuals=[
            D("9"),
            D("8.8"),
            D("8.6"),
            D("8.2"),
            D("7.9"),
            D("7.6"),
            D("7.2"),
            D("6.9"),
            D("6.6"),
            D("6.2"),
            None,
            None,
        ],
    ),
    "pipeline": dict(
        department="sales",
        owner="sales",
        title="Grow the enterprise pipeline to 6 M USD",
        description="Build qualified enterprise pipeline of 6 M USD to support next year's "
        "revenue target.",
        metric="Qualified enterprise pipeline",
        unit="M USD",
        direction="increase",
        baseline=D("2"),
        target=D("6"),
        due=(12, 31),
        checkpoints=[D("3"), D("4"), D("5"), D("6")],
        budget=None,
        parent="revenue",
        swot=["growth"],
        priorities=["enterprise"],
        rationale="MQL targets and the new AEs give the capacity.",
        actuals=[
            D("2.3"),
            D("2.7"),
            D("3.1"),
            D("3.4"),
            D("3.8"),
            D("4.1"),
            D("4.4"),
            D("4.7"),
            D("5.1"),
            D("5.5"),
            None,
            None,
        ],
    ),
}

# key: department, owner, goal, title, start (month, day), estimate days, buffer %, status,
#      depends on, milestones [(title, (month, day), done)]
INITIATIVES = {
    "research": (
        "product",
        "product",
        "feature",
        "User research with 12 enterprise customers",
        (1, 12),
        30,
        30,
        "done",
        [],
        [("Interviews done", (2, 13), True)],
    ),
    "design": (
        "product",
        "product",
        "feature",
        "Design SSO, audit log and admin roles",
        (2, 16),
        35,
        30,
        "done",
        ["research"],
        [("Design review", (4, 10), True)],
    ),
    "sso": (
        "engineering",
        "engineering",
        "feature",
        "Build SSO and SCIM provisioning",
        (3, 16),
        60,
        30,
        "done",
        ["design"],
        [("SSO beta with 3 customers", (5, 29), True)],
    ),
    "audit": (
        "engineering",
        "engineering",
        "feature",
        "Audit log and admin roles",
        (4, 6),
        50,
        40,
        "in_progress",
        ["design"],
        [("Audit log GA", (6, 26), True), ("Admin roles GA", (8, 28), False)],
    ),
    "soc2": (
        "engineering",
        "coo",
        "certs",
        "Implement SOC 2 controls and pass the audit",
        (2, 2),
        120,
        30,
        "in_progress",
        [],
        [("Readiness assessment", (3, 31), True), ("Auditor fieldwork", (9, 15), False)],
    ),
    "hiring": (
        "sales",
        "sales",
        "aes",
        "Recruit four enterprise AEs",
        (1, 5),
        120,
        30,
        "in_progress",
        [],
        [("Two AEs signed", (3, 31), True), ("Four AEs signed", (6, 30), False)],
    ),
    "enablement": (
        "sales",
        "contributor",
        "aes",
        "Enterprise sales enablement playbook",
        (4, 1),
        40,
        30,
        "done",
        ["design"],
        [("Playbook published", (5, 30), True)],
    ),
    "pilots": (
        "sales",
        "sales",
        "pipeline",
        "Pilot programme for the three paused deals",
        (7, 1),
        60,
        30,
        "not_started",
        ["soc2"],
        [("Pilot agreements signed", (8, 31), False)],
    ),
    "abm": (
        "marketing",
        "marketing",
        "mqls",
        "Account-based campaign for 300 target accounts",
        (3, 2),
        90,
        30,
        "in_progress",
        ["design"],
        [("Campaign launch", (4, 15), True)],
    ),
    "onboarding": (
        "success",
        "success",
        "churn",
        "Enterprise onboarding programme",
        (5, 4),
        45,
        30,
        "done",
        ["sso"],
        [("First cohort onboarded", (7, 31), True)],
    ),
}

# goal key: [(category, description, needed, available, cost, urgent, important)]
RESOURCES = {
    "revenue": [
        ("people", "Enterprise deal desk (pricing and legal support)", 2, 1, 140000, False, True),
    ],
    "engineer": [
        ("budget", "Recruiting fee for a senior engineer", 1, 0, 30000, True, True),
    ],
    "aes": [
        ("people", "Hire enterprise sales leads (4 AEs)", 4, 0, 180000, True, True),
        ("training", "Sales enablement for enterprise deals", 6, 1, 15000, False, True),
        ("technology", "More CRM licences", 12, 6, 9000, True, False),
        ("technology", "Sales-intelligence tool", 1, 0, 24000, False, False),
    ],
    "feature": [
        ("budget", "User research", 60000, 60000, 60000, False, True),
        ("budget", "Design", 90000, 90000, 90000, False, True),
        ("budget", "Engineering", 350000, 300000, 350000, True, True),
        ("people", "Senior engineer for the enterprise team", 1, 0, 0, True, True),
    ],
    "certs": [
        ("process", "Documented access reviews and change management", 1, 0, 0, True, True),
        ("budget", "External auditor", 1, 0, 45000, False, True),
    ],
}

# department code: (KPI code, name, unit, direction, targets Jan..Dec, actuals Jan..Dec)
KPIS = {
    "sales": [
        (
            "pipeline-enterprise-share",
            "Pipeline composition: enterprise share",
            "%",
            "increase",
            [20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42],
            [19, 21, 24, 25, 26, 27, 28, 29, 30, 31],
        ),
        (
            "deal-qualification-rate",
            "Deal qualification rate",
            "%",
            "increase",
            [25] * 12,
            [24, 26, 25, 27, 25, 24, 26, 25, 23, 22],
        ),
        (
            "enterprise-sales-cycle",
            "Enterprise sales-cycle length",
            "days",
            "decrease",
            [118, 116, 114, 112, 110, 108, 106, 104, 102, 100, 98, 96],
            [120, 117, 115, 112, 111, 109, 108, 107, 106, 118],
        ),
    ],
    "marketing": [
        (
            "enterprise-campaign-engagement",
            "Enterprise campaign engagement",
            "%",
            "increase",
            [8] * 12,
            [7.5, 8.2, 8.8, 9.1, 8.4, 8.0, 7.9, 8.3, 8.6, 8.9],
        ),
        (
            "enterprise-campaign-conversion",
            "Enterprise campaign conversion",
            "%",
            "increase",
            [2.0] * 12,
            [1.8, 2.1, 2.2, 2.0, 1.9, 2.3, 2.1, 2.0, 1.6, 1.5],
        ),
    ],
}

# department code: (monthly opex budget Jan..Dec, monthly spend Jan..Dec)
BUDGETS = {
    "leadership": (
        [20000] * 12,
        [19000, 20500, 19800, 20100, 19500, 20300, 19900, 20000, 19700, 20200, 0, 0],
    ),
    "sales": (
        [60000] * 12,
        [52000, 55000, 58000, 61000, 60000, 62000, 59000, 60500, 61000, 60000, 0, 0],
    ),
    # Marketing planned a big Q4 push but spent early: flagged "burning early".
    "marketing": (
        [15000] * 10 + [60000, 90000],
        [18000, 21000, 24000, 26000, 25000, 27000, 27000, 28000, 27000, 27000, 0, 0],
    ),
    # Product: the worked example of SPEC §4.3 — 500,000 equally phased, 410,000 spent by June.
    "product": (
        [41666.67] * 11 + [41666.63],  # 500,000 in twelve near-equal parts
        [60000, 70000, 75000, 70000, 70000, 65000, 0, 0, 0, 0, 0, 0],
    ),
    "engineering": (
        [90000] * 12,
        [85000, 88000, 91000, 90000, 89000, 92000, 90000, 88000, 91000, 90000, 0, 0],
    ),
    "success": (
        [30000] * 12,
        [28000, 29000, 30000, 29500, 30500, 30000, 29000, 31000, 30000, 29500, 0, 0],
    ),
    "finance": (
        [15000] * 12,
        [14500, 15000, 14800, 15100, 15000, 14900, 15000, 15200, 14800, 15000, 0, 0],
    ),
}


def example_plan_year(today: dt.date) -> int:
    """The current year, or the previous one in January (so that the demo has actuals)."""
    return today.year if today.month > 1 else today.year - 1


def months_with_actuals(plan_start: dt.date, today: dt.date) -> int:
    """How many plan months are complete on `today` (actuals run up to the last complete one)."""
    months = (today.year - plan_start.year) * 12 + today.month - plan_start.month
    return max(0, min(12, months))


@transaction.atomic
def load_example_plan(today: dt.date | None = None) -> tuple[Plan, bool]:
    """Create the demo users and the example plan unless it exists. Returns (plan, created)."""
    today = today or timezone.localdate()
    users = _demo_users()
    year = example_plan_year(today)
    name = EXAMPLE_PLAN_NAME.format(year=year)
    existing = Plan.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    plan = Plan.objects.create(
        name=name,
        start=dt.date(year, 1, 1),
        currency="USD",
        status=Plan.Status.APPROVED,
        approved_at=timezone.make_aware(dt.datetime(year, 1, 20, 9, 0)),
    )
    elapsed = months_with_actuals(plan.start, today)
    departments = _departments(plan, users)
    goals = _goals(plan, users, departments, elapsed)
    initiatives = _initiatives(plan, users, departments, goals)
    _resources(plan, goals)
    _kpis(plan, departments, goals, users, elapsed)
    _budgets_and_spend(plan, departments, users, elapsed)
    _comments(plan, users, goals, initiatives)
    # The approved plan's baseline, as leadership froze it in January.
    plan_baseline_freeze(plan=plan, user=users["ceo"])
    return plan, True


def _demo_users() -> dict:
    User = get_user_model()
    users = {}
    for username, first, last, _role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    return users


def _departments(plan: Plan, users: dict) -> dict[str, Department]:
    departments = {
        code: Department.objects.create(plan=plan, code=code, name=name, head=users[head])
        for code, name, head in DEPARTMENTS
    }
    for username, role, department in MEMBERSHIPS:
        Membership.objects.create(
            user=users[username],
            plan=plan,
            role=role,
            department=departments[department] if department else None,
        )
    return departments


def _goals(plan, users, departments, elapsed) -> dict[str, Goal]:
    priorities = {
        key: Priority.objects.create(plan=plan, title=title, description=text)
        for key, (title, text) in PRIORITIES.items()
    }
    swot = {}
    for position, (key, department, kind, title, evidence, impact) in enumerate(SWOT):
        swot[key] = SwotEntry.objects.create(
            plan=plan,
            department=departments[department] if department else None,
            kind=kind,
            title=title,
            evidence=evidence,
            impact=impact,
            position=position,
        )
    goals: dict[str, Goal] = {}
    for key, spec in GOALS.items():
        month, day = spec["due"]
        goal = Goal.objects.create(
            plan=plan,
            department=departments[spec["department"]],
            owner=users[spec["owner"]],
            parent=goals.get(spec["parent"]) if spec["parent"] else None,
            title=spec["title"],
            description=spec["description"],
            metric_name=spec["metric"],
            unit=spec["unit"],
            direction=spec["direction"],
            baseline=spec["baseline"],
            target=spec["target"],
            due_date=dt.date(plan.start.year, month, day),
            rationale=spec["rationale"],
            budget=spec["budget"],
            approval_state="approved",
        )
        goal.swot_entries.set([swot[k] for k in spec["swot"]])
        goal.priorities.set([priorities[k] for k in spec["priorities"]])
        for quarter, value in enumerate(spec["checkpoints"], start=1):
            if value is not None or quarter == 1:
                GoalCheckpoint.objects.create(
                    goal=goal,
                    quarter=quarter,
                    planned_value=value if value is not None else spec["target"],
                )
        _measure(plan, users[spec["owner"]], spec["actuals"][:elapsed], goal=goal)
        goals[key] = goal
    return goals


def _measure(plan, user, values, **subject) -> None:
    months = plan.month_starts()
    Measurement.objects.bulk_create(
        Measurement(
            plan=plan,
            period=months[i],
            value=Decimal(str(v)),
            source=Source.MANUAL,
            entered_by=user,
            **subject,
        )
        for i, v in enumerate(values)
        if v is not None
    )


def _initiatives(plan, users, departments, goals) -> dict[str, Initiative]:
    year = plan.start.year
    initiatives: dict[str, Initiative] = {}
    for key, row in INITIATIVES.items():
        department, owner, goal, title, (m, d), estimate, buffer, status, deps, milestones = row
        initiative = Initiative.objects.create(
            plan=plan,
            department=departments[department],
            owner=users[owner],
            goal=goals[goal],
            title=title,
            start=dt.date(year, m, d),
            estimate_days=estimate,
            buffer_pct=buffer,
            status=status,
        )
        initiative.depends_on.set([initiatives[k] for k in deps])
        for title_m, (mm, dd), done in milestones:
            due = dt.date(year, mm, dd)
            Milestone.objects.create(
                initiative=initiative,
                title=title_m,
                due_date=due,
                done=done,
                done_at=due if done else None,
            )
        initiatives[key] = initiative
    return initiatives


def _resources(plan, goals) -> None:
    for goal_key, rows in RESOURCES.items():
        for category, description, needed, available, cost, urgent, important in rows:
            ResourceRequirement.objects.create(
                plan=plan,
                goal=goals[goal_key],
                category=category,
                description=description,
                needed=D(needed),
                available=D(available),
                cost=D(cost),
                urgent=urgent,
                important=important,
            )


def _kpis(plan, departments, goals, users, elapsed) -> None:
    months = plan.month_starts()
    for department, rows in KPIS.items():
        for code, name, unit, direction, targets, actuals in rows:
            kpi = Kpi.objects.create(
                plan=plan,
                department=departments[department],
                code=code,
                name=name,
                unit=unit,
                direction=direction,
                warning_threshold=D("0.05"),
                critical_threshold=D("0.15"),
            )
            KpiTarget.objects.bulk_create(
                KpiTarget(kpi=kpi, month=months[i], target=D(str(t))) for i, t in enumerate(targets)
            )
            _measure(plan, users[department], actuals[:elapsed], kpi=kpi)


def _budgets_and_spend(plan, departments, users, elapsed) -> None:
    months = plan.month_starts()
    for code, (budget, spend) in BUDGETS.items():
        department = departments[code]
        BudgetLine.objects.bulk_create(
            BudgetLine(
                plan=plan,
                department=department,
                category=BudgetLine.Category.OPEX,
                month=months[i],
                amount=D(str(a)),
            )
            for i, a in enumerate(budget)
        )
        Spend.objects.bulk_create(
            Spend(
                plan=plan,
                department=department,
                category=BudgetLine.Category.OPEX,
                month=months[i],
                amount=D(str(a)),
                source=Source.IMPORT,
                entered_by=users["finance"],
            )
            for i, a in enumerate(spend[:elapsed])
        )


def _comments(plan, users, goals, initiatives) -> None:
    Comment.objects.create(
        plan=plan,
        goal=goals["aes"],
        author=users["sales"],
        text="Third AE starts next month; the fourth offer was declined. @ceo can we raise the "
        "on-target earnings by 10 %?",
    ).mentions.set([users["ceo"]])
    Comment.objects.create(
        plan=plan,
        initiative=initiatives["pilots"],
        author=users["sales"],
        text="We cannot start the pilots before SOC 2 fieldwork is done. @engineering when?",
    ).mentions.set([users["engineering"]])
    Comment.objects.create(
        plan=plan,
        initiative=initiatives["pilots"],
        author=users["engineering"],
        text="Fieldwork slipped to late November; the auditor had no earlier slot.",
    )
