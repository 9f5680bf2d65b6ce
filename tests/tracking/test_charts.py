"""Dashboard charts on plain values: the title says the finding, status is colour + icon +
word, the plan is a reference line, at most four series."""

import datetime as dt
from decimal import Decimal

import plotly.graph_objects as go
import pytest

from tracking import charts as chart_functions
from tracking.charts import (
    BurnCurve,
    DepartmentBurn,
    GanttBar,
    GoalProgress,
    KpiSeries,
)


class _ValidatedCharts:
    """`tracking.charts`, with every figure checked against Plotly's schema: `go.Figure`
    raises on an unknown property or a bad value (the app skips that check per request).
    The figure comes back as a Figure object, so tests read `fig.data[0].x`."""

    def __getattr__(self, name):
        function = getattr(chart_functions, name)
        if name not in FIGURE_FUNCTIONS:
            return function
        return lambda *args, **kwargs: go.Figure(function(*args, **kwargs))


FIGURE_FUNCTIONS = {
    "goal_bullet",
    "kpi_trend",
    "burn_curve",
    "department_burn_bars",
    "spend_heatmap",
    "forecast_bars",
    "roadmap_gantt",
    "team_blocks_heatmap",
}
charts = _ValidatedCharts()
D = dt.date
AS_OF = D(2026, 3, 1)
MONTHS = [D(2026, m, 1) for m in range(1, 13)]
OKABE_ITO = {"on_track": "#0072B2", "at_risk": "#E69F00", "behind": "#D55E00", "no_data": "#999999"}


def hires(status="behind", actual=1, planned=2, label="Hire 4 enterprise AEs", shortfall=None):
    """The worked example of SPEC §4.2: baseline 0, target 4, planned 2 at the end of March."""
    return GoalProgress(
        label=label,
        status=status,
        baseline=Decimal(0),
        target=Decimal(4),
        planned=Decimal(planned),
        actual=None if actual is None else Decimal(actual),
        unit="hires",
        department="Sales",
        shortfall=shortfall,
    )


# Findings -------------------------------------------------------------------------------------


def test_finding_counts_goals_more_than_ten_percent_behind():
    counts = {"on_track": 7, "at_risk": 2, "behind": 3, "no_data": 0}
    assert charts.status_finding(counts, Decimal("0.10")) == (
        "3 of 12 goals are more than 10 % behind"
    )


def test_finding_uses_the_plan_threshold():
    assert charts.status_finding({"behind": 1, "on_track": 1}, Decimal("0.25")) == (
        "1 of 2 goals are more than 25 % behind"
    )


def test_finding_when_every_goal_is_on_track():
    assert charts.status_finding({"on_track": 5}, Decimal("0.1")) == "All 5 goals are on track"


def test_finding_when_some_are_at_risk_but_none_behind():
    assert charts.status_finding({"on_track": 3, "at_risk": 1}, Decimal("0.1")) == (
        "No goal is more than 10 % behind (4 goals)"
    )


def test_finding_without_figures():
    assert charts.status_finding({}, Decimal("0.1")) == "No goal has figures for this month yet"


# Goal bullet ----------------------------------------------------------------------------------


def test_progress_is_share_of_the_way_from_baseline_to_target():
    assert charts.progress_pct(1, 0, 4) == 25
    assert charts.progress_pct(Decimal(2), Decimal(0), Decimal(4)) == 50


def test_progress_of_a_decrease_goal_counts_downwards():
    # Sales cycle from 120 days down to 80: at 100 days, half way.
    assert charts.progress_pct(100, 120, 80) == 50
    assert charts.progress_pct(130, 120, 80) == -25


def test_progress_is_undefined_without_values_or_with_target_equal_to_baseline():
    assert charts.progress_pct(None, 0, 4) is None
    assert charts.progress_pct(1, 4, 4) is None


def right_column(fig):
    """The labels written right of a bar chart's rows, top row first."""
    labels = [a for a in fig.layout.annotations if a.xref == "paper" and a.x == 1]
    return [a.text for a in sorted(labels, key=lambda a: a.y)]


def test_bullet_draws_actual_against_planned_with_the_target_line():
    fig = charts.goal_bullet([hires()], as_of=AS_OF)
    bars, ticks = fig.data
    assert list(bars.x) == [25.0]  # actual 1 of 4
    assert list(ticks.x) == [50.0]  # planned 2 of 4
    target_lines = [s for s in fig.layout.shapes if s.x0 == 100 and s.x1 == 100]
    assert len(target_lines) == 1 and target_lines[0].line.dash == "dash"


def test_bullet_title_names_the_goal_furthest_behind():
    goals = [
        hires("at_risk", label="Onboard", shortfall=Decimal("0.08")),
        hires("behind", shortfall=Decimal("0.5")),
    ]
    fig = charts.goal_bullet(goals, as_of=AS_OF)
    assert charts.finding(fig) == (
        "Furthest behind: Hire 4 enterprise AEs, 50 % of the planned progress missing"
    )
    assert "<b>" in fig.layout.title.text  # the finding leads, the explanation follows


def test_bullet_title_when_nothing_is_behind():
    fig = charts.goal_bullet([hires("on_track", 2)], as_of=AS_OF)
    assert charts.finding(fig) == "Every goal is at or ahead of its planned progress"


def test_bullet_status_is_colour_icon_and_word():
    goals = [
        hires("behind", 1),
        hires("on_track", 2, label="Onboard"),
        hires("no_data", None, label="Certify"),
    ]
    fig = charts.goal_bullet(goals, as_of=AS_OF)
    bars = fig.data[0]
    assert list(bars.marker.color) == [
        OKABE_ITO["behind"],
        OKABE_ITO["on_track"],
        OKABE_ITO["no_data"],
    ]
    assert list(fig.layout.yaxis.ticktext) == [
        "Hire 4 enterprise AEs · Sales",
        "Onboard · Sales",
        "Certify · Sales",
    ]
    assert fig.layout.yaxis.autorange == "reversed"  # first goal on top
    assert right_column(fig) == ["25 %  ✖ Behind", "50 %  ✔ On track", "– No data"]


def test_bullet_clips_runaway_values_but_labels_them_truly():
    fig = charts.goal_bullet([hires("on_track", 40)], as_of=AS_OF)
    assert fig.data[0].x[0] == charts.PROGRESS_CLIP[1]
    assert right_column(fig)[0].startswith("1,000 %")


def test_bullet_has_no_legend_and_grows_with_the_number_of_goals():
    small = charts.goal_bullet([hires()] * 3, as_of=AS_OF)
    large = charts.goal_bullet([hires()] * 30, as_of=AS_OF)
    assert small.layout.showlegend is False
    assert large.layout.height > small.layout.height


def test_long_titles_wrap_instead_of_running_off_the_chart():
    assert charts.wrap("one two three four", 9) == "one two<br>three<br>four"


# KPI trend ------------------------------------------------------------------------------------


def qualification_rate(actual=(20, 19, 15), levels=("ok", "warning", "critical")):
    n = len(actual)
    return KpiSeries(
        name="Deal qualification rate",
        unit="%",
        months=MONTHS[:n],
        actual=list(actual),
        target=[20] * n,
        warning=[19] * n,
        critical=[17] * n,
        levels=list(levels),
    )


def test_kpi_trend_title_says_where_the_latest_value_stands():
    fig = charts.kpi_trend(qualification_rate(), as_of=AS_OF)
    assert charts.finding(fig) == (
        "Deal qualification rate: 15 % in Mar, ✖ outside critical threshold"
    )


def test_kpi_trend_has_at_most_four_series_and_thick_actual_line():
    fig = charts.kpi_trend(qualification_rate(), as_of=AS_OF)
    assert len(fig.data) <= 4
    actual = next(t for t in fig.data if t.name == "Actual")
    assert actual.line.width >= 4
    assert list(actual.marker.color) == [
        OKABE_ITO["on_track"],
        OKABE_ITO["at_risk"],
        OKABE_ITO["behind"],
    ]
    target = next(t for t in fig.data if t.name == "Target")
    assert target.line.dash == "dash"


def test_kpi_trend_band_spans_warning_to_critical_bounds():
    fig = charts.kpi_trend(qualification_rate(), as_of=AS_OF)
    band = next(t for t in fig.data if t.fill == "toself")
    assert list(band.y) == [19.0, 19.0, 19.0, 17.0, 17.0, 17.0]


def test_kpi_trend_without_values():
    series = qualification_rate(actual=(None, None), levels=(None, None))
    assert charts.finding(charts.kpi_trend(series, as_of=AS_OF)) == (
        "Deal qualification rate: no values yet"
    )


def test_kpi_trend_labels_lines_directly_instead_of_a_legend():
    fig = charts.kpi_trend(qualification_rate(), as_of=AS_OF)
    texts = {a.text for a in fig.layout.annotations}
    assert {"<b>Target</b>", "<b>Actual</b>"} <= texts
    assert fig.layout.showlegend is False


# Budget ---------------------------------------------------------------------------------------


def worked_example_curve(spent_to_june=410_000, early=True):
    """SPEC §4.3: B = 500,000 phased equally; 410,000 spent by the end of June."""
    planned = [Decimal(500_000) * m / 12 for m in range(1, 13)]
    spent = [Decimal(spent_to_june) * m / 6 for m in range(1, 7)] + [None] * 6
    return BurnCurve(
        department="Sales",
        months=MONTHS,
        planned_cumulative=planned,
        spent_cumulative=spent,
        budget=Decimal(500_000),
        threshold=Decimal("0.80"),
        burn_early=early,
        currency="USD",
    )


def test_burn_curve_title_names_early_burn_with_the_worked_example_numbers():
    fig = charts.burn_curve(worked_example_curve(), as_of=D(2026, 6, 1))
    assert charts.finding(fig) == ("✖ Sales burns early: 82 % of its budget used by Jun, plan 50 %")


def test_burn_curve_draws_plan_spend_the_threshold_and_the_budget():
    fig = charts.burn_curve(worked_example_curve(), as_of=D(2026, 6, 1))
    assert [t.name for t in fig.data] == ["Planned", "Spent"]
    assert fig.data[1].line.color == OKABE_ITO["behind"]
    assert fig.data[0].line.dash == "dash"
    horizontal = sorted(s.y0 for s in fig.layout.shapes if s.y0 == s.y1 and s.type == "line")
    assert horizontal == [400_000, 500_000]
    assert any("80 % of budget" in a.text for a in fig.layout.annotations)


def test_burn_curve_without_flag_reads_calmly():
    fig = charts.burn_curve(worked_example_curve(early=False), as_of=D(2026, 6, 1))
    assert charts.finding(fig) == "Sales has used 82 % of its budget by Jun (plan 50 %)"
    assert fig.data[1].line.color == OKABE_ITO["on_track"]


def department(name, used, planned, early=False, forecast=None, run_out=None):
    return DepartmentBurn(
        department=name,
        budget=Decimal(1000),
        spent=Decimal(used * 1000),
        used_share=Decimal(str(used)),
        planned_share=Decimal(str(planned)),
        burn_early=early,
        forecast=forecast,
        run_out=run_out,
    )


def test_department_burn_marks_early_burners_with_icon_word_and_colour():
    rows = [
        department("Marketing", 0.82, 0.5, early=True),
        department("Sales", 0.3, 0.25),
        department("Product", 0.2, 0.25),
    ]
    fig = charts.department_burn_bars(rows, threshold=Decimal("0.8"), as_of=D(2026, 6, 1))
    bars = fig.data[0]
    assert list(fig.layout.yaxis.ticktext) == ["Marketing", "Sales", "Product"]
    assert list(bars.marker.color) == [
        OKABE_ITO["behind"],
        OKABE_ITO["at_risk"],
        OKABE_ITO["on_track"],
    ]
    assert right_column(fig) == ["82 %  ✖ burns early", "30 %  ▲ above plan", "20 %  ✔ within plan"]
    assert charts.finding(fig) == (
        "Marketing burns early: 82 % of its annual budget used by Jun, plan 50 %"
    )
    assert any(s.x0 == 80 for s in fig.layout.shapes)


def test_department_burn_finding_names_several_early_burners():
    rows = [
        department("Marketing", 0.82, 0.5, early=True),
        department("Product", 0.9, 0.6, early=True),
    ]
    assert charts.burn_count_finding(rows, Decimal("0.8"), D(2026, 6, 1)) == (
        "2 departments burn early (80 % used before plan): Marketing, Product"
    )


def test_department_burn_finding_when_nobody_burns_early():
    rows = [department("Sales", 0.3, 0.25)]
    assert charts.burn_count_finding(rows, Decimal("0.8"), D(2026, 3, 1)) == (
        "No department has used 80 % of its budget early (as of Mar)"
    )


def test_heatmap_shows_each_month_as_share_of_budget_and_names_the_worst():
    budget = [[Decimal(100), Decimal(100)], [Decimal(50), Decimal(50)]]
    spend = [[Decimal(90), None], [Decimal(70), Decimal(50)]]
    fig = charts.spend_heatmap(
        ["Sales", "Marketing"], MONTHS[:2], budget, spend, as_of=D(2026, 2, 1)
    )
    heat = fig.data[0]
    assert [list(row) for row in heat.z] == [[90, None], [140, 100]]
    assert [list(row) for row in heat.text] == [["90 %", ""], ["140 %", "100 %"]]
    assert charts.finding(fig) == "Highest overspend: Marketing spent 140 % of its Jan 2026 budget"


def test_spend_ratio_is_blank_without_spend_or_budget():
    assert charts.spend_ratios([[100, 0, 100]], [[50, 10, None]]) == [[0.5, None, None]]


def test_forecast_names_who_runs_out_first():
    end = D(2026, 12, 31)
    rows = [
        department("Sales", 0.5, 0.5, forecast=Decimal(1000)),
        department("Marketing", 0.82, 0.5, forecast=Decimal(1640), run_out=D(2026, 8, 1)),
        department("Product", 0.7, 0.5, forecast=Decimal(1400), run_out=D(2026, 10, 1)),
    ]
    fig = charts.forecast_bars(rows, as_of=D(2026, 6, 1), currency="USD", plan_end=end)
    assert charts.finding(fig) == (
        "2 departments run out of budget before year end, first Marketing in Aug 2026"
    )
    assert right_column(fig) == [
        "100 %  ✔ lasts the year",
        "164 %  ✖ runs out in Aug",
        "140 %  ✖ runs out in Oct",
    ]
    assert list(fig.data[0].marker.color) == [
        OKABE_ITO["on_track"],
        OKABE_ITO["behind"],
        OKABE_ITO["behind"],
    ]


def test_forecast_finding_for_one_department():
    rows = [department("Marketing", 0.82, 0.5, forecast=Decimal(1640), run_out=D(2026, 8, 1))]
    assert charts.forecast_finding(rows, D(2026, 12, 31)) == (
        "Marketing runs out of budget in Aug 2026 at the current rate"
    )


# Roadmap and dependencies --------------------------------------------------------------------


def test_gantt_draws_bars_from_start_to_planned_end_and_arrows_for_dependencies():
    bars = [
        GanttBar(
            id=1,
            label="CRM migration",
            start=D(2026, 1, 10),
            end=D(2026, 4, 30),
            status="in_progress",
            external=True,
        ),
        GanttBar(
            id=2,
            label="Enterprise pilot",
            start=D(2026, 3, 1),
            end=D(2026, 5, 15),
            status="not_started",
            blocked=True,
        ),
    ]
    labels = {"in_progress": "In progress", "not_started": "Not started"}
    fig = charts.roadmap_gantt(bars, [(2, 1)], title="t", as_of=AS_OF, status_labels=labels)
    gantt = fig.data[0]
    assert list(gantt.base) == ["2026-01-10", "2026-03-01"]
    assert gantt.x[1] == 75 * 86_400_000
    assert gantt.text[1] == "✖ blocked · Not started"
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == 1 and arrows[0].ax == "2026-04-30" and arrows[0].x == "2026-03-01"
    assert list(fig.layout.yaxis.ticktext) == ["CRM migration", "✖ Enterprise pilot"]


def test_roadmap_finding_counts_only_the_departments_own_initiatives():
    bars = [
        GanttBar(1, "a", D(2026, 1, 1), D(2026, 2, 1), "in_progress", external=True, blocked=True),
        GanttBar(2, "b", D(2026, 1, 1), D(2026, 2, 1), "in_progress", blocked=True),
        GanttBar(3, "c", D(2026, 1, 1), D(2026, 2, 1), "in_progress"),
    ]
    assert charts.roadmap_finding(bars, "Sales") == "1 of 2 initiatives of Sales is blocked"
    assert charts.roadmap_finding([], "Sales") == "Sales has no initiatives on its roadmap"


def test_team_matrix_shows_count_and_since_when():
    counts = {
        ("Engineering", "Sales"): 2,
        ("Engineering", "Marketing"): 1,
        ("Marketing", "Sales"): 1,
    }
    since = {("Engineering", "Sales"): D(2026, 2, 3)}
    fig = charts.team_blocks_heatmap(
        ["Engineering", "Marketing", "Sales"], counts, since, as_of=AS_OF
    )
    heat = fig.data[0]
    assert list(heat.y) == ["Engineering", "Marketing"]
    assert list(heat.x) == ["Marketing", "Sales"]
    assert [list(row) for row in heat.z] == [[1, 2], [None, 1]]
    assert heat.text[0][1] == "<b>✖ 2</b><br>since 3 Feb"
    assert charts.finding(fig) == "Engineering blocks 3 initiatives of 2 other teams"


def test_team_matrix_finding_when_nobody_blocks():
    assert charts.team_blocks_finding({}) == "No team blocks another team"


@pytest.mark.parametrize("language, expected", [("en", "1,234"), ("de", "1.234")])
def test_numbers_follow_the_language(language, expected):
    from django.utils import translation

    with translation.override(language):
        assert charts.number(1234) == expected


def test_figures_serialise_to_json_for_the_page():
    fig = chart_functions.goal_bullet([hires()], as_of=AS_OF)
    text = chart_functions.to_json(fig)
    assert '"type":"bar"' in text and '"finding"' in text


def test_numbers_are_rounded_not_cut_off():
    assert chart_functions.number(81.99996) == "82"
    assert chart_functions.percent(Decimal("0.8199999")) == "82 %"
    assert chart_functions.number(-0.4) == "0"
    assert chart_functions.number(1234.567, 2) == "1,234.57"


def test_team_matrix_keeps_the_teams_that_block_most_but_the_title_counts_all():
    counts = {("Engineering", "Sales"): 3, ("Legal", "Sales"): 1, ("Engineering", "Support"): 1}
    fig = charts.team_blocks_heatmap(
        ["Engineering", "Legal", "Sales", "Support"], counts, {}, as_of=AS_OF, limit=1
    )
    assert list(fig.data[0].y) == ["Engineering"]
    assert list(fig.data[0].x) == ["Sales"]
    assert charts.finding(fig) == "Engineering blocks 4 initiatives of 2 other teams"
