"""What each dashboard shows (SPEC §5): fetch with the selectors, let the rule functions
compute, hand the results to the charts. Views call one function here and render.

The numbers come from the rules, never from here: goal figures from the alert jobs
(`tracking/variance.py` via `GoalFigure`), burn from `tracking/burn.py`, KPI levels from
`tracking/thresholds.py`, blockers from `planning/dependencies.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.utils.dateformat import format as date_format

from planning.dependencies import Node, blockers, team_blocks
from planning.models import Initiative, Plan
from tracking import charts, rule_inputs, selectors
from tracking.alert_candidates import blocking_links
from tracking.burn import burn_position, burn_positions
from tracking.thresholds import kpi_check
from tracking.variance import month_end

BULLET_LIMIT = 30
GANTT_LIMIT = 40
BLOCKER_TABLE_LIMIT = 50
DEPARTMENT_LIMIT = 30  # departments in the finance charts unless "show all"


# Characters that must not appear raw inside <script> (as Django's json_script escapes them).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class Chart:
    """A figure ready for the page: an element id, the Plotly JSON (safe inside a <script>
    element) and its finding, which doubles as the chart's accessible name."""

    id: str
    json: str
    finding: str


def _chart(chart_id: str, fig: charts.Figure) -> Chart:
    return Chart(chart_id, charts.to_json(fig).translate(_SCRIPT_ESCAPES), charts.finding(fig))


# The "as of" month ---------------------------------------------------------------------------


def month_choices(plan: Plan) -> list[tuple[str, str]]:
    """("2026-03", "Mar 2026") for each plan month: the options of the as-of picker."""
    return [(m.strftime("%Y-%m"), date_format(m, "M Y")) for m in plan.month_starts()]


def default_month(plan: Plan, today: dt.date) -> dt.date:
    """The latest complete month of the plan year (the first month while none is complete,
    the last one after the year)."""
    complete = [m for m in plan.month_starts() if month_end(m) < today]
    return complete[-1] if complete else plan.month_starts()[0]


def parse_month(plan: Plan, raw: str | None, today: dt.date) -> dt.date:
    """The plan month named by "YYYY-MM", or the default when missing or not a plan month."""
    wanted = {
        value: month
        for (value, _label), month in zip(month_choices(plan), plan.month_starts(), strict=True)
    }
    return wanted.get(raw or "", default_month(plan, today))


# Company ------------------------------------------------------------------------------------


def company_dashboard(
    plan: Plan, month: dt.date, department_id: int | None, show_all: bool
) -> dict:
    """Goal status counts, every goal's bullet (worst first, capped unless `show_all`) and the
    open alerts."""
    counts = selectors.goal_status_counts(plan, month, department_id)
    limit = None if show_all else BULLET_LIMIT
    rows = selectors.goal_figures_worst_first(plan, month, department_id, limit)
    finding = charts.status_finding(counts, plan.behind_threshold)
    figured = sum(counts.values())
    context = {
        "counts": [(status, counts[status]) for status in selectors.ALL_STATUSES],
        "finding": finding,
        "figured": figured,
        "shown": len(rows),
        "alerts": selectors.open_alerts(plan, 10, department_id),
        "alert_count": selectors.open_alert_count(plan, department_id),
    }
    if rows:
        fig = charts.goal_bullet([_progress(row) for row in rows], as_of=month)
        context["bullet"] = _chart("chart-goals", fig)
    return context


def _progress(row: selectors.GoalFigureRow) -> charts.GoalProgress:
    return charts.GoalProgress(
        label=row.title,
        status=row.status,
        baseline=row.baseline,
        target=row.target,
        planned=row.planned,
        actual=row.actual,
        unit=row.unit,
        department=row.department,
        shortfall=row.shortfall,
    )


# Department ----------------------------------------------------------------------------------


def department_dashboard(
    plan: Plan, month: dt.date, department: selectors.DepartmentRef, show_all: bool
) -> dict:
    """KPI trends with target path and threshold band, the budget burn curve against plan and
    the burn line, and the roadmap Gantt with dependencies."""
    counts = selectors.goal_status_counts(plan, month, department.pk)
    return {
        "counts": [(status, counts[status]) for status in selectors.ALL_STATUSES],
        "finding": charts.status_finding(counts, plan.behind_threshold),
        "kpi_charts": [
            _chart(
                f"chart-kpi-{data.kpi.pk}",
                charts.kpi_trend(_kpi_series(plan, data, month), as_of=month),
            )
            for data in selectors.department_kpis(plan, department.pk)
        ],
        "burn": _department_burn_chart(plan, month, department),
        **_roadmap(plan, month, department, show_all),
    }


def _kpi_series(plan: Plan, data: selectors.KpiData, month: dt.date) -> charts.KpiSeries:
    kpi = data.kpi
    months = plan.month_starts()
    actual = [data.values.get(m) if m <= month else None for m in months]
    target = [data.targets.get(m) for m in months]
    levels = [
        kpi_check(
            value=a,
            target=t,
            direction=kpi.direction,
            warning=kpi.warning_threshold,
            critical=kpi.critical_threshold,
        ).level
        if a is not None
        else None
        for a, t in zip(actual, target, strict=True)
    ]
    return charts.KpiSeries(
        name=kpi.name,
        unit=kpi.unit,
        months=months,
        actual=actual,
        target=target,
        warning=[_threshold_bound(t, kpi.direction, kpi.warning_threshold) for t in target],
        critical=[_threshold_bound(t, kpi.direction, kpi.critical_threshold) for t in target],
        levels=levels,
    )


def _threshold_bound(target, direction: str, share):
    """The value at which a KPI's shortfall equals `share` of its target — the edge of the
    band that `thresholds.kpi_check` judges against (below it for increase KPIs, above it for
    decrease KPIs)."""
    if target is None:
        return None
    step = abs(float(target)) * float(share)
    return float(target) + step if direction == "decrease" else float(target) - step


def _department_burn_chart(
    plan: Plan, month: dt.date, department: selectors.DepartmentRef
) -> Chart:
    """The department's burn at every month end (the scalar rule, twelve times)."""
    months = plan.month_starts()
    budget = _monthly(selectors.budget_by_department_month(plan, department.pk), months)
    spend = _monthly(selectors.spend_by_department_month(plan, department.pk), months)
    positions = [
        burn_position(
            monthly_budget=budget, monthly_spend=spend, months=index, threshold=plan.burn_threshold
        )
        for index in range(1, len(months) + 1)
    ]
    now = positions[_month_index(plan, month) - 1]
    curve = charts.BurnCurve(
        department=department.name,
        months=months,
        planned_cumulative=[p.planned for p in positions],
        spent_cumulative=[p.spent if p.month_index <= now.month_index else None for p in positions],
        budget=now.budget,
        threshold=plan.burn_threshold,
        burn_early=now.burn_early,
        currency=plan.currency,
    )
    return _chart("chart-burn", charts.burn_curve(curve, as_of=month))


def _monthly(frame: pd.DataFrame, months: list[dt.date]) -> list[float]:
    """Amounts of plan months 1..12 from (department_id, month, amount) rows of one
    department (months without rows are zero)."""
    amounts = dict(zip(frame["month"].dt.date, frame["amount"], strict=True))
    return [float(amounts.get(m, 0.0)) for m in months]


def _month_index(plan: Plan, month: dt.date) -> int:
    return plan.month_starts().index(month) + 1


def _roadmap(
    plan: Plan, month: dt.date, department: selectors.DepartmentRef, show_all: bool
) -> dict:
    rows, total = selectors.roadmap_initiatives(
        plan, department.pk, None if show_all else GANTT_LIMIT
    )
    links = selectors.dependency_rows(plan, [row["id"] for row in rows])
    nodes, edges = _graph(links)
    own = {row["id"] for row in rows}
    for row in rows:
        nodes.setdefault(row["id"], _node(row))
    blocked = {x for x, _y in blockers(nodes, edges, month_end(month))}
    bars = [_bar(row, blocked, external=False) for row in rows]
    bars += _external_bars(links, own, blocked)
    fig = charts.roadmap_gantt(
        bars,
        edges,
        title=charts.roadmap_finding(bars, department.name),
        as_of=month,
        status_labels={s.value: str(s.label) for s in Initiative.Status},
        year=(plan.start, plan.end),
    )
    return {
        "gantt": _chart("chart-roadmap", fig) if bars else None,
        "initiatives_shown": len(rows),
        "initiatives_total": total,
    }


def _external_bars(links: list[dict], own: set[int], blocked: set[int]) -> list:
    """Initiatives of other departments linked to this roadmap, labelled with their team."""
    seen: dict[int, charts.GanttBar] = {}
    for link in links:
        for end in ("from_initiative", "to_initiative"):
            row = _end(link, end)
            if row["id"] not in own and row["id"] not in seen:
                row["title"] = f"{row['title']} ({link[f'{end}__department__name']})"
                seen[row["id"]] = _bar(row, blocked, external=True)
    return sorted(seen.values(), key=lambda bar: (bar.start, bar.id))


def _bar(row: dict, blocked: set[int], *, external: bool) -> charts.GanttBar:
    return charts.GanttBar(
        id=row["id"],
        label=row["title"],
        start=row["start"],
        end=row["planned_end"],
        status=row["status"],
        blocked=row["id"] in blocked,
        external=external,
    )


def _end(link: dict, end: str) -> dict:
    return {name: link[f"{end}__{name}"] for name in selectors.INITIATIVE_FIELDS}


def _node(row: dict) -> Node:
    return Node(
        id=row["id"],
        department_id=row["department_id"],
        start=row["start"],
        planned_end=row["planned_end"],
        status=row["status"],
    )


def _graph(links: list[dict]) -> tuple[dict[int, Node], list[tuple[int, int]]]:
    """Nodes of both ends and (x, y) "x depends on y" edges, from joined link rows."""
    nodes: dict[int, Node] = {}
    edges = []
    for link in links:
        x, y = _end(link, "from_initiative"), _end(link, "to_initiative")
        nodes[x["id"]], nodes[y["id"]] = _node(x), _node(y)
        edges.append((x["id"], y["id"]))
    return nodes, edges


# Finance -------------------------------------------------------------------------------------


def finance_dashboard(plan: Plan, month: dt.date, show_all: bool = False) -> dict:
    """Burn per department against plan, spend ÷ budget per department and month, and the
    year-end forecast with the month each budget runs out — for the departments that used
    the largest share of their budget (all of them with `show_all`)."""
    departments = selectors.departments(plan)
    if not departments:
        return {"has_departments": False}
    budget = selectors.budget_by_department_month(plan)
    spend = selectors.spend_by_department_month(plan)
    names = {d.pk: d.name for d in departments}
    positions = burn_positions(
        budget,
        spend,
        plan_start=plan.start,
        as_of=month_end(month),
        threshold=plan.burn_threshold,
        department_ids=list(names),
    )
    ranked = _department_burns(plan, positions, names)
    shown = ranked if show_all else ranked[:DEPARTMENT_LIMIT]
    rows = [row for _id, row in shown]
    ids = [department_id for department_id, _row in shown]
    months = plan.month_starts()
    grid_budget, grid_spend = _grid(budget, ids, months), _grid(spend, ids, months)
    grid_spend = [
        [v if m <= month else None for m, v in zip(months, row, strict=True)] for row in grid_spend
    ]
    return {
        "has_departments": True,
        "burn": _chart(
            "chart-burn-departments",
            charts.department_burn_bars(rows, threshold=plan.burn_threshold, as_of=month),
        ),
        "heatmap": _chart(
            "chart-heatmap",
            charts.spend_heatmap(
                [row.department for row in rows], months, grid_budget, grid_spend, as_of=month
            ),
        ),
        "forecast": _chart(
            "chart-forecast",
            charts.forecast_bars(rows, as_of=month, currency=plan.currency, plan_end=plan.end),
        ),
        "burn_rows": rows,
        "departments_shown": len(rows),
        "departments_total": len(ranked),
        "department_limit": DEPARTMENT_LIMIT,
    }


def _department_burns(
    plan: Plan, positions: pd.DataFrame, names: dict[int, str]
) -> list[tuple[int, charts.DepartmentBurn]]:
    """(department id, burn) per department, the highest share of budget used first."""
    starts = plan.month_starts()
    rows = []
    for p in positions.itertuples():
        runs_out = None if pd.isna(p.runs_out_month) else starts[int(p.runs_out_month) - 1]
        burn = charts.DepartmentBurn(
            department=names.get(p.department_id, "?"),
            budget=p.budget,
            spent=p.spent,
            used_share=_or_none(p.spent_share),
            planned_share=_or_none(p.planned_share),
            burn_early=bool(p.burn_early),
            forecast=_or_none(p.forecast),
            run_out=runs_out,
        )
        rows.append((int(p.department_id), burn))
    return sorted(rows, key=lambda pair: (-(pair[1].used_share or 0), pair[1].department))


def _or_none(value):
    return None if pd.isna(value) else float(value)


def _grid(frame: pd.DataFrame, ids: list[int], months: list[dt.date]) -> list[list]:
    """department × month amounts (None where nothing was booked), rows in `ids` order."""
    shown = frame[frame["department_id"].isin(ids)]
    cells = dict(
        zip(
            zip(shown["department_id"].tolist(), shown["month"].dt.date.tolist(), strict=True),
            shown["amount"].tolist(),
            strict=True,
        )
    )
    return [[cells.get((d, m)) for m in months] for d in ids]


# Dependencies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockingPair:
    """Initiative `blocked` waits for `blocking`, of another or the same team, since `since`."""

    blocked: dict
    blocked_department: str
    blocking: dict
    blocking_department: str
    since: dt.date


def dependencies_dashboard(plan: Plan, month: dt.date, department_id: int | None) -> dict:
    """Who blocks whom at the end of `month`: team × team counts with the oldest block, and
    the blocked initiatives, oldest first.

    All links arrive in one query as a frame and the rule is applied to all of them at once
    (`blocking_links`); only the blocking pairs — a few hundred in a plan of 50,000
    initiatives — become Python objects for the team counts and the table."""
    names = {d.pk: d.name for d in selectors.departments(plan)}
    links = rule_inputs.dependency_inputs(plan, titles=True)
    blocking = blocking_links(links, at=month_end(month))
    if department_id is not None:
        ours = (blocking["x_department_id"] == department_id) | (
            blocking["y_department_id"] == department_id
        )
        blocking = blocking[ours]
    nodes, pairs = _blocking_graph(blocking)
    by_team = team_blocks(nodes, pairs)
    since = _oldest_per_team(nodes, pairs)
    counts = {(names[a], names[b]): n for (a, b), n in by_team.items()}
    titles = dict(zip(blocking["x_id"], blocking["x_title"], strict=True))
    titles |= dict(zip(blocking["y_id"], blocking["y_title"], strict=True))
    table = _blocking_table(blocking, nodes, names, titles)
    fig = charts.team_blocks_heatmap(
        list(names.values()),
        counts,
        {(names[a], names[b]): d for (a, b), d in since.items()},
        as_of=month,
    )
    return {
        "matrix": _chart("chart-team-blocks", fig) if counts else None,
        "finding": charts.finding(fig),
        "blocked_count": len({x for x, _y in pairs}),
        "team_pairs": len(counts),
        "pairs": table[:BLOCKER_TABLE_LIMIT],
        "pairs_total": len(table),
        "links_total": len(links),
    }


def _blocking_graph(rows: pd.DataFrame) -> tuple[dict[int, Node], list[tuple[int, int]]]:
    """Nodes of both ends of the blocking links and their (x, y) pairs, in row order."""
    nodes: dict[int, Node] = {}
    pairs = []
    for r in rows.itertuples(index=False):
        x_id, y_id = int(r.x_id), int(r.y_id)
        nodes[x_id] = Node(x_id, int(r.x_department_id), _day(r.x_start), _day(r.x_end), r.x_status)
        nodes[y_id] = Node(y_id, int(r.y_department_id), _day(r.y_start), _day(r.y_end), r.y_status)
        pairs.append((x_id, y_id))
    return nodes, pairs


def _day(value) -> dt.date:
    """A date from what a frame holds (datetime64, a date, ISO text)."""
    return pd.Timestamp(value).date()


def blocked_since(x: Node, y: Node) -> dt.date:
    """When X became blocked by Y: at X's start when Y was planned to end after it, else at
    Y's planned end (from then on Y is overdue) — the earlier of the two dates."""
    return min(x.start, y.planned_end)


def _oldest_per_team(nodes, pairs) -> dict[tuple[int, int], dt.date]:
    oldest: dict[tuple[int, int], dt.date] = {}
    for x_id, y_id in pairs:
        x, y = nodes[x_id], nodes[y_id]
        if x.department_id == y.department_id:
            continue
        key = (y.department_id, x.department_id)
        when = blocked_since(x, y)
        oldest[key] = min(oldest.get(key, when), when)
    return oldest


def _blocking_table(rows: pd.DataFrame, nodes: dict[int, Node], names, titles) -> list:
    table = [
        BlockingPair(
            blocked={"id": x_id, "title": titles.get(x_id, "?")},
            blocked_department=names.get(nodes[x_id].department_id, "?"),
            blocking={
                "id": y_id,
                "title": titles.get(y_id, "?"),
                "planned_end": nodes[y_id].planned_end,
            },
            blocking_department=names.get(nodes[y_id].department_id, "?"),
            since=blocked_since(nodes[x_id], nodes[y_id]),
        )
        for x_id, y_id in zip(
            rows["x_id"].astype("int64").tolist(),
            rows["y_id"].astype("int64").tolist(),
            strict=True,
        )
    ]
    return sorted(table, key=lambda r: (r.since, r.blocked["title"]))


# Plan home -----------------------------------------------------------------------------------


def plan_summary(plan: Plan, today: dt.date) -> dict:
    """What the plan home shows about the year so far: goals per status at the latest complete
    month and the five most pressing open alerts."""
    month = default_month(plan, today)
    counts = selectors.goal_status_counts(plan, month)
    return {
        "summary_month": month,
        "summary_counts": [(status, counts[status]) for status in selectors.ALL_STATUSES],
        "summary_finding": charts.status_finding(counts, plan.behind_threshold),
        "summary_total": sum(counts.values()),
        "summary_alerts": selectors.open_alerts(plan, 5),
        "summary_alert_count": selectors.open_alert_count(plan),
    }
