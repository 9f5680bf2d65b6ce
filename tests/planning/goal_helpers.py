"""Helpers for the goal and approval tests: a goal that passes SMART, editor form data."""

import datetime as dt
from decimal import Decimal

from planning.models import Goal
from tests.factories import (
    GoalCheckpointFactory,
    GoalFactory,
    PriorityFactory,
    ResourceRequirementFactory,
)


def smart_goal(plan, department, owner, **fields) -> Goal:
    """A goal due 30 June with Q1/Q2 checkpoints, a priority and a resource: passes SMART."""
    goal = GoalFactory(plan=plan, department=department, owner=owner, **fields)
    GoalCheckpointFactory(goal=goal, quarter=1, planned_value=Decimal("2"))
    GoalCheckpointFactory(goal=goal, quarter=2, planned_value=goal.target)
    goal.priorities.add(PriorityFactory(plan=plan))
    ResourceRequirementFactory(plan=plan, goal=goal)
    return goal


def form_data(goal: Goal | None = None, **overrides) -> dict:
    """What the goal editor posts: the goal's current values (or a complete new goal)."""
    if goal is not None:
        checkpoints = {c.quarter: c.planned_value for c in goal.checkpoints.all()}
        data = {
            "version": goal.version,
            "department": goal.department_id or "",
            "parent": goal.parent_id or "",
            "owner": goal.owner_id or "",
            "title": goal.title,
            "description": goal.description,
            "metric_name": goal.metric_name,
            "unit": goal.unit,
            "direction": goal.direction,
            "baseline": _text(goal.baseline),
            "target": _text(goal.target),
            "due_date": goal.due_date.isoformat() if goal.due_date else "",
            "rationale": goal.rationale,
            "budget": _text(goal.budget),
            "swot_entries": [s.pk for s in goal.swot_entries.all()],
            "priorities": [p.pk for p in goal.priorities.all()],
            **{f"checkpoint_{q}": _text(checkpoints.get(q)) for q in (1, 2, 3, 4)},
        }
    else:
        data = {
            "title": "Hire four enterprise account executives",
            "description": "Hire four AEs with five years of B2B SaaS experience by June.",
            "metric_name": "AEs onboarded",
            "unit": "people",
            "direction": "increase",
            "baseline": "0",
            "target": "4",
            "due_date": dt.date(2026, 6, 30).isoformat(),
            "rationale": "Our recruiting partner placed three such AEs last year.",
            "budget": "180000",
            "checkpoint_1": "2",
            "checkpoint_2": "4",
            "checkpoint_3": "",
            "checkpoint_4": "",
            "parent": "",
            "department": "",
            "owner": "",
        }
    data.update(overrides)
    return data


def _text(value) -> str:
    return "" if value is None else str(value)
