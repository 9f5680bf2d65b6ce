"""The alert computation (SPEC §4.6): rules to alerts, idempotence, resolve, acknowledged kept,
twice at once, fixed number of queries, goal figures, queueing after data changes, digest and
webhook."""

import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from planning.models import Goal, Initiative
from tests.conftest import needs_service
from tests.factories import (
    BudgetLineFactory,
    GoalFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    SpendFactory,
    UserFactory,
    hires_goal,
)
from tracking.models import Alert, GoalFigure, Measurement
from tracking.services import alert_delivery
from tracking.services import alerts as service
from tracking.services.alerts import (
    Evaluation,
    alert_acknowledge,
    alerts_recompute,
    alerts_schedule_recompute,
    evaluation_dates,
    register_alert_source,
)

MARCH = dt.date(2026, 3, 31)
Rule, State = Alert.Rule, Alert.State


def alerts_of(plan, **filters):
    return list(Alert.objects.filter(plan=plan, **filters).order_by("rule", "subject_id"))


def set_value(goal, value):
    Measurement.objects.filter(goal=goal).update(value=Decimal(value))


# ---------------------------------------------------------------------------------------------
# Dates


def test_month_rules_use_the_latest_complete_month_and_date_rules_today(plan):
    when = evaluation_dates(plan, as_of=None, today=dt.date(2026, 4, 15))
    assert when.month_end == MARCH
    assert when.months == (dt.date(2026, 1, 31), dt.date(2026, 2, 28), MARCH)
    assert when.at == dt.date(2026, 4, 15)


def test_before_the_first_month_ends_nothing_is_evaluated_by_month(plan):
    when = evaluation_dates(plan, as_of=None, today=dt.date(2026, 1, 20))
    assert when == Evaluation(None, (), dt.date(2026, 1, 20))


def test_after_the_plan_year_the_last_month_is_evaluated(plan):
    when = evaluation_dates(plan, as_of=dt.date(2027, 3, 1), today=dt.date(2027, 3, 1))
    assert when.month_end == dt.date(2026, 12, 31)
    assert len(when.months) == 12


# ---------------------------------------------------------------------------------------------
# Goals behind plan


def test_goal_fifty_percent_behind_raises_a_critical_alert_in_the_users_words(people):
    goal = hires_goal(people.plan, people.sales, owner=people.contributor_sales)
    counts = alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (alert,) = alerts_of(people.plan)
    assert alert.rule == Rule.GOAL_BEHIND
    assert (alert.subject_type, alert.subject_id) == ("goal", goal.pk)
    assert alert.period == dt.date(2026, 3, 1)
    assert alert.message == "Hire 4 enterprise AEs is 50 % behind plan (1 of 2 planned by 31 Mar)"
    assert alert.severity == Alert.Severity.CRITICAL  # 50 % > 2 × 10 %
    assert alert.owner == people.contributor_sales
    assert alert.department == people.sales
    assert alert.state == State.OPEN
    assert counts.raised == 1 and counts.new == 1 and counts.open == 1


def test_goal_on_track_raises_nothing(people):
    hires_goal(people.plan, people.sales, actual="2")
    assert alerts_recompute(plan_id=people.plan.pk, as_of=MARCH).raised == 0
    assert alerts_of(people.plan) == []


def test_goal_at_risk_raises_nothing_and_slightly_behind_is_a_warning(people):
    goal = hires_goal(people.plan, people.sales, actual="1.9")  # 5 % short: at risk
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert alerts_of(people.plan) == []
    set_value(goal, "1.7")  # 15 % short: behind, not twice the threshold
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert alerts_of(people.plan)[0].severity == Alert.Severity.WARNING


def test_goal_without_owner_alerts_the_department_head(people):
    hires_goal(people.plan, people.sales, owner=None)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert alerts_of(people.plan)[0].owner == people.head_sales


def test_dropped_and_achieved_goals_raise_no_alert(people):
    dropped = hires_goal(people.plan, people.sales)
    achieved = hires_goal(people.plan, people.sales, title="Other")
    Goal.objects.filter(pk=dropped.pk).update(status=Goal.Status.DROPPED)
    Goal.objects.filter(pk=achieved.pk).update(status=Goal.Status.ACHIEVED)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert alerts_of(people.plan) == []
    assert set(GoalFigure.objects.values_list("goal_id", flat=True)) == {achieved.pk}


@pytest.mark.parametrize("subject", [7, 2**50], ids=["packed", "numbered"])
def test_alert_keys_are_equal_exactly_when_rule_subject_and_month_are(subject):
    import pandas as pd

    from tracking.alert_candidates import KEY
    from tracking.services.alerts import alert_keys

    def frame(*rows):
        return pd.DataFrame(rows, columns=KEY).astype({"period": "datetime64[ns]"})

    found = frame(
        ("goal_behind", "goal", subject, "2026-03-01"),
        ("goal_behind", "goal", subject, "2026-04-01"),  # another month
        ("kpi_threshold", "kpi", subject, "2026-03-01"),  # another rule, same subject id
        ("goal_behind", "goal", subject + 1, "2026-03-01"),  # another subject
        ("goal_behind", "goal", subject, "2026-03-01"),  # the first one again
    )
    live = frame(
        ("kpi_threshold", "kpi", subject, "2026-03-01"),
        ("goal_behind", "goal", subject, "2026-03-01"),
    )
    found_keys, live_keys = alert_keys(found, live)
    assert pd.Index(live_keys).get_indexer(found_keys).tolist() == [1, -1, 0, -1, 1]
    assert len(set(found_keys.tolist())) == 4


def test_a_goal_dropped_later_loses_its_figures_and_their_fingerprint(people):
    from tracking.models import GoalFigureDigest

    dropped = hires_goal(people.plan, people.sales)
    kept = hires_goal(people.plan, people.sales, title="Other")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert set(GoalFigure.objects.values_list("goal_id", flat=True)) == {dropped.pk, kept.pk}
    Goal.objects.filter(pk=dropped.pk).update(status=Goal.Status.DROPPED)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert set(GoalFigure.objects.values_list("goal_id", flat=True)) == {kept.pk}
    assert set(GoalFigureDigest.objects.values_list("goal_id", flat=True)) == {kept.pk}


def test_goal_figures_are_kept_for_every_elapsed_month(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    figures = {f.period: f for f in GoalFigure.objects.filter(goal=goal)}
    assert sorted(figures) == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    march = figures[dt.date(2026, 3, 1)]
    assert (march.planned, march.actual, march.shortfall, march.status) == (
        Decimal("2"),
        Decimal("1"),
        Decimal("0.5"),
        "behind",
    )
    assert figures[dt.date(2026, 1, 1)].status == "no_data"
    assert march.plan_id == people.plan.pk


def test_goal_figures_follow_a_changed_measurement(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    set_value(goal, "2")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    march = GoalFigure.objects.get(goal=goal, period=dt.date(2026, 3, 1))
    assert (march.actual, march.status) == (Decimal("2"), "on_track")
    assert GoalFigure.objects.count() == 3


# ---------------------------------------------------------------------------------------------
# Life cycle


def test_running_twice_leaves_the_same_alerts(people):
    hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    first = [(a.pk, a.message, a.state, a.first_seen) for a in alerts_of(people.plan)]
    counts = alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert [(a.pk, a.message, a.state, a.first_seen) for a in alerts_of(people.plan)] == first
    assert counts.new == 0 and counts.resolved == 0 and counts.raised == 1


def test_a_recompute_that_finds_the_same_alerts_and_figures_writes_nothing(people):
    hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (alert,) = alerts_of(people.plan)
    with CaptureQueriesContext(connection) as queries:
        alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    alert.refresh_from_db()
    assert alert.changed_at == alert.first_seen


def test_changed_facts_rewrite_the_alert_and_stamp_the_change(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (before,) = alerts_of(people.plan)
    set_value(goal, "0.5")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (after,) = alerts_of(people.plan)
    assert after.pk == before.pk and after.first_seen == before.first_seen
    assert after.changed_at > before.changed_at
    assert after.facts["shortfall"] == 0.75 and after.facts["actual"] == 0.5


def test_alert_words_are_written_in_the_readers_language(people):
    from django.utils import translation

    hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (alert,) = alerts_of(people.plan)
    assert alert.facts == {
        "goal": "Hire 4 enterprise AEs",
        "shortfall": 0.5,
        "actual": 1.0,
        "planned": 2.0,
        "direction": "increase",
        "date": "2026-03-31",
    }
    with translation.override("de"):
        german = alert.message
    assert german.startswith("Hire 4 enterprise AEs ")
    assert "50 %" in german and "31 Mär" in german
    assert german != alert.message  # the English sentence, outside the override


def test_a_goal_that_should_go_down_is_worded_as_such():
    from tracking.alert_words import alert_message

    facts = {"goal": "Churn to 5 %", "shortfall": 0.3, "actual": 6.5, "planned": 5.0}
    facts |= {"direction": "decrease", "date": "2026-12-31"}
    assert alert_message("goal_behind", facts) == (
        "Churn to 5 % is 30 % behind plan (at 6.5 where 5 was planned by 31 Dec)"
    )


def test_alerts_from_before_facts_keep_their_words():
    alert = Alert(rule=Rule.GOAL_BEHIND, facts={"text": "Written by an older version"})
    assert alert.message == "Written by an older version"


def test_figure_digest_changes_with_any_value_status_or_month():
    import pandas as pd

    from tracking.services.alerts import figure_digests

    figures = pd.DataFrame(
        {
            "goal_id": [1, 1, 2],
            "day": [20454, 20485, 20454],
            "planned": [1.0, 2.0, float("nan")],
            "actual": [1.0, 1.0, float("nan")],
            "shortfall": [0.0, 0.5, float("nan")],
            "status": ["on_track", "behind", "no_data"],
        }
    )
    digests = figure_digests(figures)
    assert figure_digests(figures.iloc[::-1]).equals(digests)  # row order does not matter
    for change in (
        {"actual": [1.0, 1.5, float("nan")]},
        {"status": ["on_track", "at_risk", "no_data"]},
        {"day": [20454, 20513, 20454]},
    ):
        other = figure_digests(figures.assign(**change))
        assert other[1] != digests[1] and other[2] == digests[2]


def test_only_goals_whose_figures_changed_are_rewritten(people):
    changed = hires_goal(people.plan, people.sales)
    same = hires_goal(people.plan, people.sales, title="Second goal")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)

    def stamps(goal):
        return list(goal.figures.order_by("period").values_list("period", "computed_at"))

    before = stamps(same)
    set_value(changed, "2")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    march = GoalFigure.objects.get(goal=changed, period=dt.date(2026, 3, 1))
    assert march.status == "on_track"
    assert stamps(same) == before


def test_alert_whose_condition_no_longer_holds_is_resolved_not_deleted(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    set_value(goal, "2")
    counts = alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (alert,) = alerts_of(people.plan)
    assert alert.state == State.RESOLVED
    assert alert.resolved_at is not None
    assert counts.resolved == 1 and counts.open == 0


def test_acknowledged_alert_stays_acknowledged_while_the_condition_holds(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    alert_acknowledge(alert=alerts_of(people.plan)[0], user=people.head_sales)
    set_value(goal, "0.5")  # worse: new words, same alert
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (alert,) = alerts_of(people.plan)
    assert alert.state == State.ACKNOWLEDGED
    assert alert.acknowledged_by == people.head_sales
    assert "75 % behind" in alert.message


def test_resolved_alert_reopens_when_the_condition_returns(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    alert = alerts_of(people.plan)[0]
    alert_acknowledge(alert=alert, user=people.leader)
    Alert.objects.filter(pk=alert.pk).update(mailed_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    set_value(goal, "2")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    set_value(goal, "1")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (again,) = alerts_of(people.plan)
    assert again.pk == alert.pk
    assert again.state == State.OPEN
    assert again.acknowledged_by is None and again.resolved_at is None
    assert again.mailed_at is None  # people are told again


def test_next_month_resolves_last_months_goal_alert_and_opens_a_new_one(people):
    hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 4, 30))
    states = {a.period: a.state for a in alerts_of(people.plan)}
    assert states == {dt.date(2026, 3, 1): State.RESOLVED, dt.date(2026, 4, 1): State.OPEN}


def test_acknowledge_does_not_touch_a_resolved_alert(people):
    goal = hires_goal(people.plan, people.sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    set_value(goal, "2")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    alert = alert_acknowledge(alert=alerts_of(people.plan)[0], user=people.leader)
    assert alert.state == State.RESOLVED


# ---------------------------------------------------------------------------------------------
# The other rules


def test_department_burning_its_budget_early_is_alerted(people):
    for month in range(1, 13):
        BudgetLineFactory(
            plan=people.plan,
            department=people.marketing,
            month=dt.date(2026, month, 1),
            amount=Decimal("500000") / 12,
        )
    SpendFactory(
        plan=people.plan,
        department=people.marketing,
        month=dt.date(2026, 2, 1),
        amount=Decimal("410000"),
    )
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 6, 30))
    (alert,) = alerts_of(people.plan)
    assert (alert.rule, alert.subject_type, alert.subject_id) == (
        Rule.BURN_EARLY,
        "department",
        people.marketing.pk,
    )
    assert alert.owner == people.head_marketing
    assert alert.severity == Alert.Severity.WARNING
    assert alert.message == (
        "Marketing has spent 82 % of its annual budget by 30 Jun; the plan expected 50 % "
        "(410,000 of 500,000 USD)"
    )
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 10, 31))
    assert alerts_of(people.plan, state=State.OPEN) == []


def test_initiative_blocked_by_another_team_is_alerted(people):
    blocker = InitiativeFactory(
        plan=people.plan,
        department=people.marketing,
        title="Campaign site",
        start=dt.date(2026, 2, 1),
        estimate_days=60,
        owner=people.head_marketing,
    )
    blocked = InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        owner=None,
        title="Enterprise outreach",
        start=dt.date(2026, 3, 1),
    )
    blocked.depends_on.add(blocker)
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 3, 31))
    (alert,) = alerts_of(people.plan)
    assert (alert.rule, alert.subject_id) == (Rule.INITIATIVE_BLOCKED, blocked.pk)
    assert alert.owner == people.head_sales and alert.department == people.sales
    assert alert.period == dt.date(2026, 3, 1)
    assert alert.message.startswith(
        "Enterprise outreach (Sales, starts 1 Mar) is blocked by "
        "Campaign site (Marketing, planned to end"
    )
    assert alert.severity == Alert.Severity.WARNING
    Initiative.objects.filter(pk=blocker.pk).update(status=Initiative.Status.DONE)
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 3, 31))
    assert alerts_of(people.plan)[0].state == State.RESOLVED


def test_overdue_blocker_makes_the_blocked_alert_critical(people):
    blocker = InitiativeFactory(
        plan=people.plan, department=people.marketing, start=dt.date(2026, 1, 5), estimate_days=10
    )
    blocked = InitiativeFactory(
        plan=people.plan, department=people.sales, start=dt.date(2026, 5, 1)
    )
    blocked.depends_on.add(blocker)
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 3, 31))
    assert alerts_of(people.plan)[0].severity == Alert.Severity.CRITICAL


def test_overdue_milestone_is_alerted_until_done(people):
    initiative = InitiativeFactory(
        plan=people.plan,
        department=people.sales,
        title="CRM rollout",
        owner=people.contributor_sales,
    )
    milestone = MilestoneFactory(
        initiative=initiative, title="Pilot live", due_date=dt.date(2026, 3, 1)
    )
    MilestoneFactory(initiative=initiative, due_date=dt.date(2026, 3, 1), done=True)
    MilestoneFactory(initiative=initiative, due_date=dt.date(2026, 3, 10))  # due that day
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 3, 10))
    (alert,) = alerts_of(people.plan)
    assert (alert.rule, alert.subject_id, alert.period) == (
        Rule.MILESTONE_OVERDUE,
        milestone.pk,
        dt.date(2026, 3, 1),
    )
    assert alert.message == (
        "Milestone “Pilot live” of CRM rollout was due 1 Mar and is not done (9 days overdue)"
    )
    assert alert.owner == people.contributor_sales
    milestone.done = True
    milestone.save()
    alerts_recompute(plan_id=people.plan.pk, as_of=dt.date(2026, 3, 10))
    assert alerts_of(people.plan, subject_id=milestone.pk)[0].state == State.RESOLVED


def test_kpi_outside_its_critical_threshold_is_alerted(people):
    kpi = KpiFactory(
        plan=people.plan, department=people.sales, name="Deal qualification rate", unit="%"
    )
    KpiTargetFactory(kpi=kpi, month=dt.date(2026, 2, 1), target=Decimal("50"))
    MeasurementFactory(
        plan=people.plan, goal=None, kpi=kpi, period=dt.date(2026, 2, 1), value=Decimal("40")
    )
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    (alert,) = alerts_of(people.plan)
    assert (alert.rule, alert.subject_id, alert.period) == (
        Rule.KPI_THRESHOLD,
        kpi.pk,
        dt.date(2026, 2, 1),
    )
    assert alert.severity == Alert.Severity.CRITICAL
    assert alert.owner == people.head_sales
    assert alert.message == (
        "Deal qualification rate was 20 % short of its target in February 2026 (40 % against 50 %)"
    )


def test_registered_source_adds_a_rule_and_others_are_left_alone(people, monkeypatch):
    monkeypatch.setattr(service, "_SOURCES", {})
    stale = Alert.objects.create(
        plan=people.plan,
        rule=Rule.ACTION_ITEM_OVERDUE,
        subject_type="action_item",
        subject_id=99,
        period=dt.date(2026, 2, 1),
        facts={"text": "old"},
    )
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    stale.refresh_from_db()
    assert stale.state == State.OPEN  # nobody evaluates the rule: untouched

    def action_items(plan, when):
        assert when.at == MARCH
        return [
            service.AlertCandidate(
                Rule.ACTION_ITEM_OVERDUE,
                "action_item",
                7,
                dt.date(2026, 3, 1),
                None,
                people.leader.pk,
                "warning",
                {"text": "Call the recruiter was due 20 Mar"},
            )
        ]

    register_alert_source(Rule.ACTION_ITEM_OVERDUE, action_items)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    stale.refresh_from_db()
    assert stale.state == State.RESOLVED
    assert alerts_of(people.plan, subject_id=7)[0].message == "Call the recruiter was due 20 Mar"


def test_alerts_of_other_plans_are_untouched(people):
    hires_goal(people.plan, people.sales)
    other = hires_goal(GoalFactory().plan, None, title="Elsewhere")
    alerts_recompute(plan_id=other.plan_id, as_of=MARCH)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert Alert.objects.filter(plan_id=other.plan_id, state=State.OPEN).count() == 1


# ---------------------------------------------------------------------------------------------
# Cost


def populate(plan, department, size: int):
    owner = UserFactory()
    previous = None
    for i in range(size):
        goal = hires_goal(plan, department, owner=owner, actual=str(i % 3), title=f"G{i}")
        MeasurementFactory(plan=plan, goal=goal, period=dt.date(2026, 1, 1), value=Decimal("0"))
        initiative = InitiativeFactory(plan=plan, department=department, owner=owner)
        MilestoneFactory(initiative=initiative, due_date=dt.date(2026, 2, 1))
        kpi = KpiFactory(plan=plan, department=department)
        KpiTargetFactory(kpi=kpi, month=dt.date(2026, 3, 1), target=Decimal("10"))
        MeasurementFactory(
            plan=plan, goal=None, kpi=kpi, period=dt.date(2026, 3, 1), value=Decimal(i)
        )
        BudgetLineFactory(
            plan=plan,
            department=department,
            month=dt.date(2026, 1 + i % 12, 1),
            category=["opex", "capex", "headcount"][i // 12 % 3],
        )
        if previous is not None:
            initiative.depends_on.add(previous)
        previous = initiative


def count_queries(plan):
    with CaptureQueriesContext(connection) as queries:
        alerts_recompute(plan_id=plan.pk, as_of=MARCH)
    return len(queries)


def test_query_count_does_not_grow_with_plan_size(people):
    populate(people.plan, people.sales, 2)
    small = count_queries(people.plan)
    populate(people.plan, people.marketing, 25)
    assert count_queries(people.plan) == small
    assert Alert.objects.filter(plan=people.plan).count() > 40
    assert small <= 25


# ---------------------------------------------------------------------------------------------
# Queueing after a data change


def test_schedule_runs_in_process_after_commit_without_a_broker(
    people, django_capture_on_commit_callbacks
):
    hires_goal(people.plan, people.sales)
    # The set-up saves queued a recompute that a real request would have run at its commit.
    transaction.get_connection().run_on_commit.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alerts_schedule_recompute(plan_id=people.plan.pk)
        assert alerts_of(people.plan) == []  # not before the commit
    assert len(callbacks) == 1
    assert len(alerts_of(people.plan)) in (0, 1)  # evaluated at today's latest month end


def test_schedule_with_a_broker_queues_one_delayed_run_for_many_edits(
    people, django_capture_on_commit_callbacks, settings
):
    from aop_site.celery_app import app
    from tracking.tasks import recompute_plan_alerts

    settings.ALERT_DEBOUNCE_SECONDS = 30
    app.conf.task_always_eager = False
    service.cache.delete(service.debounce_key(people.plan.pk))
    with mock.patch.object(recompute_plan_alerts, "apply_async") as queued:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(5):
                alerts_schedule_recompute(plan_id=people.plan.pk)
        queued.assert_called_once_with(args=[people.plan.pk], countdown=30)
        recompute_plan_alerts.run(people.plan.pk)  # the run clears the mark …
        with django_capture_on_commit_callbacks(execute=True):
            alerts_schedule_recompute(plan_id=people.plan.pk)
        assert queued.call_count == 2  # … so the next edit queues the next run


# ---------------------------------------------------------------------------------------------
# Telling people: digest and webhook


def test_digest_mails_each_owner_once_with_their_open_alerts(people):
    people.contributor_sales.email = "c@example.com"
    people.contributor_sales.save()
    hires_goal(people.plan, people.sales, owner=people.contributor_sales)
    hires_goal(people.plan, people.sales, owner=people.contributor_sales, title="Second goal")
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert alert_delivery.alert_digests_send() == 1
    (message,) = mail.outbox
    assert message.to == ["c@example.com"]
    assert "Hire 4 enterprise AEs is 50 % behind plan" in message.body
    assert "Second goal" in message.body
    assert f"/plans/{people.plan.pk}/alerts/" in message.body
    assert not Alert.objects.filter(mailed_at__isnull=True).exists()
    assert alert_delivery.alert_digests_send() == 0


def test_digest_failure_leaves_the_alerts_for_the_next_day(people):
    hires_goal(people.plan, people.sales, owner=people.contributor_sales)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    with mock.patch.object(alert_delivery, "send_mail", side_effect=OSError("smtp down")):
        assert alert_delivery.alert_digests_send() == 0
    assert Alert.objects.filter(mailed_at__isnull=True).count() == 1


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received, _Receiver.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Receiver
    server.shutdown()
    server.server_close()


def test_new_alerts_are_posted_to_the_webhook_as_slack_json(people, webhook):
    server, receiver = webhook
    people.plan.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    people.plan.save()
    hires_goal(people.plan, people.sales)
    from tracking.tasks import recompute_plan_alerts

    recompute_plan_alerts.delay(people.plan.pk, MARCH.isoformat())  # posts after new alerts
    (payload,) = receiver.received
    assert payload["text"] == "FY 2026: 1 new alerts"
    assert payload["blocks"][0]["type"] == "header"
    assert "Hire 4 enterprise AEs is 50 % behind plan" in payload["blocks"][1]["text"]["text"]
    assert Alert.objects.filter(posted_at__isnull=False).count() == 1
    assert alert_delivery.alerts_post_to_webhook(plan_id=people.plan.pk) == 0  # nothing new


def test_failed_webhook_post_gives_the_alerts_back_and_never_breaks_the_recompute(people, webhook):
    server, receiver = webhook
    receiver.status = 500
    people.plan.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    people.plan.save()
    hires_goal(people.plan, people.sales)
    from tracking.tasks import recompute_plan_alerts

    result = recompute_plan_alerts.delay(people.plan.pk, MARCH.isoformat()).get()
    assert result["new"] == 1
    assert len(receiver.received) == 1
    assert Alert.objects.filter(posted_at__isnull=True).count() == 1
    with pytest.raises(alert_delivery.WebhookError):
        alert_delivery.alerts_post_to_webhook(plan_id=people.plan.pk)


def test_webhook_task_retries_with_backoff_on_failure():
    from tracking.tasks import post_alerts_to_webhook

    assert post_alerts_to_webhook.autoretry_for == (alert_delivery.WebhookError,)
    assert post_alerts_to_webhook.retry_backoff == 30
    assert post_alerts_to_webhook.max_retries >= 3


# ---------------------------------------------------------------------------------------------
# Twice at once (PostgreSQL: real concurrent transactions)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_recomputes_at_once_leave_one_alert_per_condition(people):
    needs_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    for i in range(30):
        hires_goal(people.plan, people.sales, title=f"Goal {i}")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Alert.objects.filter(plan=people.plan).count() == 30
    assert Alert.objects.filter(plan=people.plan, state=State.OPEN).count() == 30
    assert GoalFigure.objects.filter(plan=people.plan).count() == 90


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inputs_read_on_a_second_connection_give_the_same_alerts_and_figures(people, monkeypatch):
    """Outside any transaction (the Celery task) the inputs are read by a background thread on
    its own connection; the result must be what reading them in the transaction gives."""
    from tracking import rule_inputs
    from tracking.models import GoalFigureDigest

    needs_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    for i in range(5):
        hires_goal(people.plan, people.sales, title=f"Goal {i}", actual=str(i))
    blocker = InitiativeFactory(
        plan=people.plan, department=people.marketing, start=dt.date(2026, 1, 5), estimate_days=10
    )
    blocked = InitiativeFactory(plan=people.plan, department=people.sales)
    blocked.depends_on.add(blocker)
    MilestoneFactory(initiative=blocked, due_date=dt.date(2026, 3, 1))
    used = []
    real = rule_inputs.Prefetch

    def spy(fetchers, *, background):
        used.append(background)
        return real(fetchers, background=background)

    monkeypatch.setattr(rule_inputs, "Prefetch", spy)

    def outcome():
        alerts = Alert.objects.filter(plan=people.plan).order_by("rule", "subject_id")
        figures = GoalFigure.objects.filter(plan=people.plan).order_by("goal_id", "period")
        return (
            [(a.rule, a.subject_id, a.severity, a.facts, a.fingerprint) for a in alerts],
            list(figures.values_list("goal_id", "period", "planned", "actual", "status")),
        )

    counts = alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    in_background = outcome()
    for model in (Alert, GoalFigure, GoalFigureDigest):
        model.objects.all().delete()
    with transaction.atomic():
        assert alerts_recompute(plan_id=people.plan.pk, as_of=MARCH) == counts
    assert used == [True, False]
    assert outcome() == in_background
    rules = [rule for rule, *_rest in in_background[0]]
    assert rules == ["goal_behind", "goal_behind", "initiative_blocked", "milestone_overdue"]
    assert connections["default"].connection is not None  # ours is still open


def test_while_the_thread_reads_the_caller_reads_what_it_has_not_started():
    """The caller does not wait idle for a slow first input: it takes over the inputs the
    background thread has not started (the last first) and reads them itself."""
    from tracking.rule_inputs import Prefetch

    started, release, ran = threading.Event(), threading.Event(), {}

    def fetcher(name, *, first=False):
        def fetch():
            if first:
                started.set()
                assert release.wait(timeout=10)
            ran.setdefault(name, []).append(threading.current_thread())
            if name == "second":
                release.set()  # taken over last: the slow first input may now finish
            return name.upper()

        return fetch

    names = ("first", "second", "third")
    with Prefetch({n: fetcher(n, first=n == "first") for n in names}, background=True) as inputs:
        assert started.wait(timeout=10)
        assert [inputs.get(n) for n in names] == ["FIRST", "SECOND", "THIRD"]
    here = threading.current_thread()
    assert ran["first"] != [here]
    assert ran["second"] == ran["third"] == [here]  # each read once, by the caller


def test_titles_with_quotes_commas_braces_and_backslashes_arrive_unchanged(people):
    title = 'Say "hi", {twice} \\ back — 10 % ü'
    hires_goal(people.plan, people.sales, title=title)
    alerts_recompute(plan_id=people.plan.pk, as_of=MARCH)
    assert alerts_of(people.plan)[0].message.startswith(f"{title} is 50 % behind plan")


def test_daily_run_recomputes_every_plan_that_is_not_closed(people, monkeypatch):
    from planning.models import Plan
    from tracking.tasks import recompute_all_alerts

    monkeypatch.setattr(service.timezone, "localdate", lambda: dt.date(2026, 4, 15))
    hires_goal(people.plan, people.sales)
    closed = hires_goal(GoalFactory().plan, None, title="Closed plan goal")
    Plan.objects.filter(pk=closed.plan_id).update(status=Plan.Status.CLOSED)
    assert recompute_all_alerts.delay().get() == 1
    assert Alert.objects.filter(plan=people.plan, period=dt.date(2026, 3, 1)).exists()
    assert not Alert.objects.filter(plan_id=closed.plan_id).exists()


def test_action_item_alerts_are_ready_for_the_reviews_source():
    import pandas as pd

    from tracking.alert_candidates import action_item_alerts, to_candidates
    from tracking.thresholds import overdue

    items = pd.DataFrame(
        [
            {
                "id": 3,
                "title": "Call the recruiter",
                "due_date": dt.date(2026, 3, 20),
                "done": False,
                "owner_id": 5,
                "department_id": None,
                "department_head_id": None,
            },
            {
                "id": 4,
                "title": "Done already",
                "due_date": dt.date(2026, 3, 1),
                "done": True,
                "owner_id": 5,
                "department_id": None,
                "department_head_id": None,
            },
        ]
    )
    (alert,) = to_candidates(action_item_alerts(overdue(items, dt.date(2026, 3, 25))))
    assert (alert.rule, alert.subject_type, alert.subject_id, alert.period) == (
        "action_item_overdue",
        "action_item",
        3,
        dt.date(2026, 3, 1),
    )
    assert alert.owner_id == 5 and alert.severity == "warning"
    assert alert.message == (
        "Action item “Call the recruiter” was due 20 Mar and is not done (5 days overdue)"
    )
