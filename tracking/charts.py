"""Dashboard charts (SPEC §5): pure functions, plain values in, a Plotly figure out.

No queries and no rules here: the numbers arrive already computed by the rule functions
(`tracking/variance.py`, `tracking/burn.py`, `planning/dependencies.py`); a chart only decides
how they look. Every chart is made to be read on a projector in a review meeting:

- the title says the finding ("3 of 12 goals are more than 10 % behind"), not the topic;
- labels sit on the data (no legends), at most four series, thick lines;
- the plan or target is drawn as a reference line;
- status is colour (Okabe-Ito) plus icon plus word, never colour alone.

A figure is Plotly's figure dict (`{"data": [...], "layout": {...}}`), the schema plotly.js
draws. Building `plotly.graph_objects.Figure` objects would validate every property on every
page view (10–70 ms per chart); the tests validate each chart with `go.Figure(fig)` instead,
and pages serialise the dict with `to_json`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import plotly.io as pio
from django.utils import formats, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracking.constants import STATUS_COLOURS, STATUS_ICONS, GoalStatus

INK = "#1b1f24"
MUTED = "#59616b"
GRID = "#e5e8ec"
PLAN_GREY = "#59616b"
BEHIND_TEXT = "#a33f00"  # vermillion darkened for text on white
ON_TRACK, AT_RISK, BEHIND, NO_DATA = (
    STATUS_COLOURS["on_track"],
    STATUS_COLOURS["at_risk"],
    STATUS_COLOURS["behind"],
    STATUS_COLOURS["no_data"],
)
FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
LINE_WIDTH = 4
ROW_HEIGHT = 34  # px per bar in horizontal bar charts: readable from the back of the room
RIGHT_COLUMN = 180  # px of right margin for the label column of bar charts
# Progress beyond these limits is drawn at the limit (the label still tells the true value).
PROGRESS_CLIP = (-50.0, 200.0)
Number = int | float | Decimal
Figure = dict


# Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalProgress:
    """One goal at the "as of" month: values in the goal's unit, status and shortfall from
    SPEC §4.2."""

    label: str
    status: str
    baseline: Number | None
    target: Number | None
    planned: Number | None
    actual: Number | None
    unit: str = ""
    department: str = ""
    shortfall: Number | None = None


@dataclass(frozen=True)
class KpiSeries:
    """A KPI month by month: actual values, targets and the warning/critical bounds derived
    from its thresholds, and the level each actual value is at (`KpiLevel` values)."""

    name: str
    unit: str
    months: Sequence[dt.date]
    actual: Sequence[Number | None]
    target: Sequence[Number | None]
    warning: Sequence[Number | None]
    critical: Sequence[Number | None]
    levels: Sequence[str | None]


@dataclass(frozen=True)
class BurnCurve:
    """One department's budget month by month (SPEC §4.3): planned cumulative Bp(m) for all
    twelve months, actual cumulative S(m) up to the "as of" month."""

    department: str
    months: Sequence[dt.date]
    planned_cumulative: Sequence[Number]
    spent_cumulative: Sequence[Number | None]
    budget: Number
    threshold: Number
    burn_early: bool
    currency: str = ""


@dataclass(frozen=True)
class DepartmentBurn:
    """One department at the "as of" month: shares of its annual budget (0–1), and the
    run-rate forecast of its year-end spend with the month the budget runs out."""

    department: str
    budget: Number
    spent: Number
    used_share: Number | None
    planned_share: Number | None
    burn_early: bool
    forecast: Number | None = None
    run_out: dt.date | None = None


@dataclass(frozen=True)
class GanttBar:
    """An initiative on the roadmap."""

    id: int
    label: str
    start: dt.date
    end: dt.date
    status: str
    blocked: bool = False
    external: bool = False


# Shared look ----------------------------------------------------------------------------------


def to_json(fig: Figure) -> str:
    """The figure as JSON for the page (Decimals, dates and NaN handled)."""
    return pio.to_json(fig, validate=False)


def finding(fig: Figure) -> str:
    """The sentence a chart's title says, without markup (also the chart's accessible name)."""
    return fig["layout"]["meta"]["finding"]


def _figure(data: list[dict], layout: dict) -> Figure:
    return {"data": data, "layout": layout}


def _separators() -> str:
    """Plotly's "decimal, thousands" pair for the active language (1,234.5 or 1.234,5)."""
    return formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR")


def _layout(
    title: str,
    subtitle: str = "",
    *,
    title_chars: int = 80,
    top_axis: bool = False,
    top_axis_height: int = 32,
    rows: int | None = None,
    **extra,
) -> dict:
    """The shared look: the finding in bold at the top left with the explanation below it,
    no legend, the language's number separators. The top margin is sized for the title's
    lines (and for `top_axis_height` pixels of tick labels when the x axis sits on top); with
    `rows`, the height gives every row of a bar chart ROW_HEIGHT pixels below it."""
    title_lines = wrap(title, title_chars)
    text = f"<b>{title_lines}</b>"
    top = 20 + 27 * (title_lines.count("<br>") + 1) + (top_axis_height if top_axis else 12)
    if subtitle:
        subtitle_lines = wrap(subtitle, int(title_chars * 1.45))
        text += f'<br><span style="font-size:14px;color:{MUTED}">{subtitle_lines}</span>'
        top += 20 * (subtitle_lines.count("<br>") + 1)
    layout = {
        "title": {
            "text": text,
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"l": 14, "t": 14},
            "font": {"size": 20, "color": INK},
        },
        "font": {"family": FONT_FAMILY, "size": 15, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "showlegend": False,
        "separators": _separators(),
        "hoverlabel": {"font": {"size": 15}, "bgcolor": "#ffffff"},
        "margin": {"l": 20, "r": 30, "b": 30},
        "meta": {"finding": title},
    }
    layout.update(extra)
    layout["margin"] = {**layout["margin"], "t": top, "autoexpand": True}
    if rows is not None:
        layout["height"] = top + layout["margin"]["b"] + ROW_HEIGHT * max(rows, 3)
    return layout


def wrap(text: str, limit: int) -> str:
    """Break a long title into lines of at most `limit` characters (Plotly does not wrap)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _axis(**extra) -> dict:
    axis = {
        "gridcolor": GRID,
        "zeroline": False,
        "linecolor": "#b9c0c9",
        "tickfont": {"size": 14},
        "automargin": True,
    }
    axis.update(extra)
    return axis


def _month_axis(months: Sequence[dt.date]) -> dict:
    """An x axis of the plan's months, labelled Jan … Dec, without padding past the year."""
    low = months[0] - dt.timedelta(days=12)
    high = months[-1] + dt.timedelta(days=12)
    return _axis(
        tickformat="%b",
        dtick="M1",
        showgrid=False,
        type="date",
        range=[low.isoformat(), high.isoformat()],
    )


def _rows_axis(labels: Sequence[str]) -> dict:
    """A y axis of numbered rows, first row on top, labelled with `labels`."""
    rows = list(range(len(labels)))
    return _axis(
        tickvals=rows,
        ticktext=list(labels),
        autorange="reversed",
        showgrid=False,
        tickfont={"size": 15},
        fixedrange=True,
    )


def _right_column(texts: Sequence[str]) -> list[dict]:
    """Row labels in a column right of the plot, so that they never collide with bars, ticks
    or reference lines."""
    return [
        {
            "x": 1,
            "xref": "paper",
            "y": row,
            "yref": "y",
            "xanchor": "left",
            "xshift": 12,
            "text": text,
            "showarrow": False,
            "align": "left",
            "font": {"size": 14, "color": INK},
        }
        for row, text in enumerate(texts)
    ]


def _vline(x, **line) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "x0": x,
        "x1": x,
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        "line": line,
    }


def _hline(y, **line) -> dict:
    return {
        "type": "line",
        "yref": "y",
        "y0": y,
        "y1": y,
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "line": line,
    }


def status_label(status: str) -> str:
    """ "✖ Behind": icon and word, as everywhere else in the product."""
    return f"{STATUS_ICONS.get(status, '–')} {GoalStatus(status).label}"


_SEPARATORS: dict[str, tuple[str, str]] = {}


def _number_separators() -> tuple[str, str]:
    """(decimal, thousands) separators of the active language, looked up once per language."""
    language = translation.get_language() or "en"
    if language not in _SEPARATORS:
        _SEPARATORS[language] = (
            formats.get_format("DECIMAL_SEPARATOR"),
            formats.get_format("THOUSAND_SEPARATOR"),
        )
    return _SEPARATORS[language]


def number(value: Number | None, decimals: int = 0) -> str:
    """A number rounded to `decimals` with the active language's separators ("1,234";
    "1.234" in German); "–" when missing."""
    if value is None:
        return "–"
    rounded = round(float(value), decimals) or 0.0  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    decimal, thousands = _number_separators()
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def percent(share: Number | None) -> str:
    """0.823 → "82 %"."""
    return "–" if share is None else f"{number(float(share) * 100)} %"


def month_label(day: dt.date) -> str:
    """ "Mar 2026" in the active language."""
    return date_format(day, "M Y")


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _floats(values: Sequence[Number | None]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


# Goal status ----------------------------------------------------------------------------------


def status_finding(counts: Mapping[str, int], threshold: Number) -> str:
    """The sentence the company dashboard leads with, from goal counts per status."""
    total = sum(counts.values())
    behind = counts.get("behind", 0)
    limit = f"{number(float(threshold) * 100)} %"
    if total == 0:
        return _("No goal has figures for this month yet")
    if behind:
        return ngettext(
            "%(behind)s of %(total)s goal is more than %(limit)s behind",
            "%(behind)s of %(total)s goals are more than %(limit)s behind",
            total,
        ) % {"behind": number(behind), "total": number(total), "limit": limit}
    if counts.get("on_track", 0) == total:
        return ngettext("The goal is on track", "All %(total)s goals are on track", total) % {
            "total": number(total)
        }
    return ngettext(
        "No goal is more than %(limit)s behind (%(total)s goal)",
        "No goal is more than %(limit)s behind (%(total)s goals)",
        total,
    ) % {"total": number(total), "limit": limit}


def progress_pct(value: Number | None, baseline: Number | None, target: Number | None):
    """How far `value` has come from baseline towards target, in % (target = 100 %). Works for
    both directions because target − baseline carries the sign. None when undefined."""
    if value is None or baseline is None or target is None or target == baseline:
        return None
    return float(value - baseline) / float(target - baseline) * 100


def goal_bullet(
    goals: Sequence[GoalProgress], *, as_of: dt.date, title: str | None = None
) -> Figure:
    """Every goal as a bullet: a bar for the actual progress (status colour, icon and word), a
    tick for where the plan expected it by `as_of`, the target as the 100 % line. Goals of
    different units become comparable as "% of the way from baseline to target"."""
    rows = list(goals)
    actual = [progress_pct(g.actual, g.baseline, g.target) for g in rows]
    planned = [progress_pct(g.planned, g.baseline, g.target) for g in rows]
    low, high = PROGRESS_CLIP
    positions = list(range(len(rows)))
    words = _hover_words()
    bars = {
        "type": "bar",
        "y": positions,
        "x": [_clip(a, low, high) if a is not None else 0 for a in actual],
        "orientation": "h",
        "marker": {"color": [STATUS_COLOURS.get(g.status, NO_DATA) for g in rows]},
        "hovertext": [
            _goal_hover(g, a, p, words) for g, a, p in zip(rows, actual, planned, strict=True)
        ],
        "hoverinfo": "text",
        "width": 0.55,
        "name": _("Actual"),
    }
    ticks = {
        "type": "scatter",
        "y": positions,
        "x": [_clip(p, low, high) if p is not None else None for p in planned],
        "mode": "markers",
        "marker": {"symbol": "line-ns", "size": 24, "line": {"width": 4, "color": INK}},
        "hoverinfo": "skip",
        "name": _("Planned by now"),
    }
    layout = _layout(
        title or bullet_finding(rows),
        _(
            "Bar: progress from baseline to target by the end of %(month)s · ┃ planned by "
            "then · dashed: target (100 %%)"
        )
        % {"month": month_label(as_of)},
        top_axis=True,
        rows=len(rows),
        margin={"l": 20, "r": RIGHT_COLUMN, "b": 30},
        xaxis=_axis(
            ticksuffix=" %",
            side="top",
            fixedrange=True,
            range=[_bullet_min(actual), _bullet_max(actual, planned)],
        ),
        yaxis=_rows_axis([_goal_axis_label(g) for g in rows]),
        shapes=[_vline(100, color=INK, width=2, dash="dash")],
        annotations=_right_column([_bullet_text(g, a) for g, a in zip(rows, actual, strict=True)]),
    )
    return _figure([bars, ticks], layout)


def bullet_finding(goals: Sequence[GoalProgress]) -> str:
    """Which goal is furthest behind its plan, and by how much."""
    short = [g for g in goals if g.shortfall is not None and g.status in ("behind", "at_risk")]
    if short:
        worst = max(short, key=lambda g: float(g.shortfall))
        return _("Furthest behind: %(goal)s, %(share)s of the planned progress missing") % {
            "goal": _short(worst.label, 60),
            "share": percent(worst.shortfall),
        }
    missing = sum(1 for g in goals if g.status == "no_data")
    if missing:
        return ngettext(
            "%(n)s goal has no value yet; the others are on track",
            "%(n)s goals have no value yet; the others are on track",
            missing,
        ) % {"n": number(missing)}
    return _("Every goal is at or ahead of its planned progress")


def _bullet_min(actual) -> float:
    values = [_clip(v, *PROGRESS_CLIP) for v in actual if v is not None]
    return min([0.0, *values]) - 5


def _bullet_max(actual, planned) -> float:
    values = [v for v in [*actual, *planned] if v is not None]
    return min(PROGRESS_CLIP[1], max([100.0, *values])) + 8


def _goal_axis_label(goal: GoalProgress) -> str:
    where = f" · {_short(goal.department, 20)}" if goal.department else ""
    return f"{_short(goal.label, 40)}{where}"


def _bullet_text(goal: GoalProgress, actual_pct: float | None) -> str:
    if actual_pct is None:
        return status_label(goal.status)
    return f"{number(actual_pct)} %  {status_label(goal.status)}"


def _hover_words() -> dict[str, str]:
    """The words of the goal hover texts, translated once per chart rather than per goal."""
    words = {
        "actual": _("Actual"),
        "planned": _("Planned by now"),
        "target": _("Target"),
        "baseline": _("Baseline"),
    }
    words.update({status: status_label(status) for status in STATUS_ICONS})
    return words


def _goal_hover(goal: GoalProgress, actual_pct, planned_pct, words: Mapping[str, str]) -> str:
    unit = f" {goal.unit}" if goal.unit else ""
    lines = [
        f"<b>{goal.label}</b>",
        f"{words['actual']}: {number(goal.actual, 2)}{unit} ({_pct_or_dash(actual_pct)})",
        f"{words['planned']}: {number(goal.planned, 2)}{unit} ({_pct_or_dash(planned_pct)})",
        f"{words['target']}: {number(goal.target, 2)}{unit} · {words['baseline']}: "
        f"{number(goal.baseline, 2)}{unit}",
        words.get(goal.status) or status_label(goal.status),
    ]
    return "<br>".join(lines)


def _pct_or_dash(value: float | None) -> str:
    return "–" if value is None else f"{number(value)} %"


# KPIs -----------------------------------------------------------------------------------------

LEVEL_COLOURS = {"ok": ON_TRACK, "warning": AT_RISK, "critical": BEHIND, "no_data": NO_DATA}
LEVEL_ICONS = {"ok": "✔", "warning": "▲", "critical": "✖", "no_data": "–"}


def kpi_trend(series: KpiSeries, *, as_of: dt.date) -> Figure:
    """A KPI's actual values against its monthly target, with the warning zone shaded between
    the warning and the critical bound. Markers carry the level's colour; the title tells
    where the latest value stands."""
    months = list(series.months)
    levels = [lvl or "no_data" for lvl in series.levels]
    data = _band(months, series.warning, series.critical, AT_RISK, 0.25)
    data.append(
        {
            "type": "scatter",
            "x": months,
            "y": _floats(series.target),
            "mode": "lines",
            "name": _("Target"),
            "line": {"color": PLAN_GREY, "width": 3, "dash": "dash"},
            "connectgaps": True,
            "hovertemplate": _("Target") + ": %{y:,.2~f}<extra></extra>",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": months,
            "y": _floats(series.actual),
            "mode": "lines+markers",
            "name": _("Actual"),
            "line": {"color": INK, "width": LINE_WIDTH},
            "marker": {
                "size": 13,
                "color": [LEVEL_COLOURS.get(lvl, NO_DATA) for lvl in levels],
                "line": {"color": "#ffffff", "width": 2},
            },
            "text": [LEVEL_ICONS.get(lvl, "–") for lvl in levels],
            "hovertemplate": _("Actual") + ": %{y:,.2~f} %{text}<extra></extra>",
        }
    )
    notes = [
        *_line_end_label(months, series.target, _("Target"), PLAN_GREY),
        *_line_end_label(months, series.actual, _("Actual"), INK),
        _as_of_label(as_of),
    ]
    layout = _layout(
        kpi_finding(series),
        _("Dashed: monthly target · shaded: warning zone, beyond it critical"),
        title_chars=48,
        top_axis=True,
        height=330,
        margin={"l": 20, "r": 90, "b": 40},
        xaxis=_month_axis(months),
        yaxis=_axis(ticksuffix=f" {series.unit}" if series.unit else ""),
        shapes=[_vline(as_of.isoformat(), color=MUTED, width=1, dash="dot")],
        annotations=notes,
    )
    return _figure(data, layout)


def kpi_finding(series: KpiSeries) -> str:
    """ "Pipeline coverage: 2.1 x in Mar, ✖ outside critical threshold"."""
    latest = _latest_index(series.actual)
    if latest is None:
        return _("%(name)s: no values yet") % {"name": series.name}
    level = series.levels[latest] or "no_data"
    words = {
        "ok": _("within threshold"),
        "warning": _("outside warning threshold"),
        "critical": _("outside critical threshold"),
        "no_data": _("no target"),
    }
    unit = f" {series.unit}" if series.unit else ""
    return _("%(name)s: %(value)s%(unit)s in %(month)s, %(icon)s %(level)s") % {
        "name": series.name,
        "value": number(series.actual[latest], 2 if _has_fraction(series.actual[latest]) else 0),
        "unit": unit,
        "month": date_format(series.months[latest], "M"),
        "icon": LEVEL_ICONS.get(level, "–"),
        "level": words.get(level, level),
    }


def _has_fraction(value: Number) -> bool:
    return float(value) != int(float(value))


def _latest_index(values: Sequence[Number | None]) -> int | None:
    for index in range(len(values) - 1, -1, -1):
        if values[index] is not None:
            return index
    return None


def _band(months, edge_a, edge_b, colour: str, opacity: float) -> list[dict]:
    """A shaded band between two bounds, drawn as one closed shape (months where either
    bound is missing are left out); no trace when there is nothing to shade."""
    points = [
        (m, a, b)
        for m, a, b in zip(months, edge_a, edge_b, strict=True)
        if a is not None and b is not None
    ]
    if not points:
        return []
    xs = [m for m, _a, _b in points]
    ys = [float(a) for _m, a, _b in points] + [float(b) for _m, _a, b in reversed(points)]
    return [
        {
            "type": "scatter",
            "x": xs + xs[::-1],
            "y": ys,
            "mode": "lines",
            "fill": "toself",
            "fillcolor": _rgba(colour, opacity),
            "hoverinfo": "skip",
            "name": _("Warning zone"),
            "line": {"width": 1, "color": _rgba(colour, 0.6), "dash": "dot"},
        }
    ]


def _rgba(hex_colour: str, opacity: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def _line_end_label(xs, ys, text: str, colour: str) -> list[dict]:
    """A direct label at the last point of a line, instead of a legend."""
    latest = _latest_index(ys)
    if latest is None:
        return []
    return [
        {
            "x": xs[latest],
            "y": float(ys[latest]),
            "text": f"<b>{text}</b>",
            "showarrow": False,
            "xanchor": "left",
            "xshift": 10,
            "font": {"size": 14, "color": colour},
        }
    ]


def _as_of_label(as_of: dt.date) -> dict:
    return {
        "x": as_of.isoformat(),
        "y": 1,
        "yref": "paper",
        "yanchor": "bottom",
        "text": _("as of %(month)s") % {"month": date_format(as_of, "M")},
        "showarrow": False,
        "font": {"size": 13, "color": MUTED},
    }


# Budget ---------------------------------------------------------------------------------------


def burn_curve(curve: BurnCurve, *, as_of: dt.date) -> Figure:
    """Cumulative spend against the planned cumulative budget, with the burn threshold (80 %
    of the annual budget by default) and the annual budget as reference lines (SPEC §4.3)."""
    months = list(curve.months)
    budget = float(curve.budget)
    spent_colour = BEHIND if curve.burn_early else ON_TRACK
    data = [
        {
            "type": "scatter",
            "x": months,
            "y": _floats(curve.planned_cumulative),
            "mode": "lines",
            "name": _("Planned"),
            "line": {"color": PLAN_GREY, "width": 3, "dash": "dash"},
            "hovertemplate": _("Planned") + f": %{{y:,.0f}} {curve.currency}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": months,
            "y": _floats(curve.spent_cumulative),
            "mode": "lines+markers",
            "name": _("Spent"),
            "line": {"color": spent_colour, "width": LINE_WIDTH},
            "marker": {"size": 9},
            "hovertemplate": _("Spent") + f": %{{y:,.0f}} {curve.currency}<extra></extra>",
        },
    ]
    line_at = float(curve.threshold) * budget
    notes = [
        _left_note(
            line_at, _("%(share)s of budget") % {"share": percent(curve.threshold)}, BEHIND_TEXT
        ),
        _left_note(
            budget, _("Annual budget %(amount)s") % {"amount": _money(budget, curve.currency)}, INK
        ),
        *_line_end_label(months, curve.planned_cumulative, _("Plan"), PLAN_GREY),
        *_line_end_label(months, curve.spent_cumulative, _("Spent"), spent_colour),
        _as_of_label(as_of),
    ]
    layout = _layout(
        burn_finding(curve, as_of),
        _("Cumulative spend against the cumulative budget plan"),
        top_axis=True,
        height=360,
        margin={"l": 20, "r": 80, "b": 40},
        xaxis=_month_axis(months),
        yaxis=_axis(
            tickformat="~s", range=[0, max(budget, *_numbers(curve.spent_cumulative)) * 1.12]
        ),
        shapes=[
            _hline(line_at, color=BEHIND, width=2, dash="dot"),
            _hline(budget, color=INK, width=2),
            _vline(as_of.isoformat(), color=MUTED, width=1, dash="dot"),
        ],
        annotations=notes,
    )
    return _figure(data, layout)


def _left_note(y: float, text: str, colour: str) -> dict:
    return {
        "x": 0,
        "xref": "paper",
        "y": y,
        "xanchor": "left",
        "yanchor": "bottom",
        "text": text,
        "showarrow": False,
        "font": {"size": 14, "color": colour},
    }


def _numbers(values) -> list[float]:
    return [float(v) for v in values if v is not None] or [0.0]


def _money(amount: Number | None, currency: str) -> str:
    return f"{number(amount)} {currency}".strip()


def burn_finding(curve: BurnCurve, as_of: dt.date) -> str:
    if not curve.budget:
        return _("%(department)s has no budget in this plan") % {"department": curve.department}
    index = _latest_index(curve.spent_cumulative)
    spent = 0 if index is None else float(curve.spent_cumulative[index])
    planned = float(curve.planned_cumulative[index if index is not None else 0])
    values = {
        "department": curve.department,
        "used": percent(spent / float(curve.budget)),
        "planned": percent(planned / float(curve.budget)),
        "month": date_format(as_of, "M"),
    }
    if curve.burn_early:
        return (
            _(
                "✖ %(department)s burns early: %(used)s of its budget used by %(month)s, "
                "plan %(planned)s"
            )
            % values
        )
    return (
        _("%(department)s has used %(used)s of its budget by %(month)s (plan %(planned)s)") % values
    )


def department_burn_bars(
    rows: Sequence[DepartmentBurn], *, threshold: Number, as_of: dt.date
) -> Figure:
    """Budget used per department (bar) against what the plan expected by now (tick), with
    the burn threshold as a reference line; departments burning early are marked ✖."""
    positions = list(range(len(rows)))
    used = [None if r.used_share is None else float(r.used_share) * 100 for r in rows]
    planned = [None if r.planned_share is None else float(r.planned_share) * 100 for r in rows]
    data = [
        {
            "type": "bar",
            "y": positions,
            "x": [u or 0 for u in used],
            "orientation": "h",
            "width": 0.55,
            "marker": {"color": [_burn_colour(r) for r in rows]},
            "hovertext": [_burn_hover(r) for r in rows],
            "hoverinfo": "text",
            "name": _("Used"),
        },
        {
            "type": "scatter",
            "y": positions,
            "x": planned,
            "mode": "markers",
            "name": _("Plan by now"),
            "hoverinfo": "skip",
            "marker": {"symbol": "line-ns", "size": 24, "line": {"width": 4, "color": INK}},
        },
    ]
    layout = _layout(
        burn_count_finding(rows, threshold, as_of),
        _(
            "Bar: share of the annual budget spent · ┃ share the plan expected by then · "
            "dotted: %(limit)s line"
        )
        % {"limit": percent(threshold)},
        title_chars=58,
        top_axis=True,
        rows=len(rows),
        margin={"l": 20, "r": RIGHT_COLUMN, "b": 30},
        xaxis=_axis(
            ticksuffix=" %",
            side="top",
            fixedrange=True,
            range=[0, max([105.0, *[u for u in used if u is not None]]) + 5],
        ),
        yaxis=_rows_axis([_short(r.department, 30) for r in rows]),
        shapes=[
            _vline(float(threshold) * 100, color=BEHIND, width=2, dash="dot"),
            _vline(100, color=INK, width=1),
        ],
        annotations=_right_column([_burn_text(r) for r in rows]),
    )
    return _figure(data, layout)


def burn_count_finding(rows: Sequence[DepartmentBurn], threshold: Number, as_of: dt.date) -> str:
    """Who burns early (SPEC §4.3), with the numbers when it is one department."""
    early = [r for r in rows if r.burn_early]
    values = {
        "limit": percent(threshold),
        "month": date_format(as_of, "M"),
        "count": number(len(early)),
        "names": ", ".join(r.department for r in early[:3]) + (", …" if len(early) > 3 else ""),
    }
    if not early:
        return _("No department has used %(limit)s of its budget early (as of %(month)s)") % (
            values
        )
    if len(early) == 1:
        values.update(
            department=early[0].department,
            used=percent(early[0].used_share),
            planned=percent(early[0].planned_share),
        )
        return (
            _(
                "%(department)s burns early: %(used)s of its annual budget used by %(month)s, "
                "plan %(planned)s"
            )
            % values
        )
    return _("%(count)s departments burn early (%(limit)s used before plan): %(names)s") % (values)


def _above_plan(row: DepartmentBurn) -> bool:
    return (
        row.used_share is not None
        and row.planned_share is not None
        and row.used_share > row.planned_share
    )


def _burn_colour(row: DepartmentBurn) -> str:
    if row.burn_early:
        return BEHIND
    return AT_RISK if _above_plan(row) else ON_TRACK


def _burn_text(row: DepartmentBurn) -> str:
    if row.used_share is None:
        return _("no budget")
    word = (
        _("✖ burns early")
        if row.burn_early
        else _("▲ above plan")
        if _above_plan(row)
        else _("✔ within plan")
    )
    return f"{percent(row.used_share)}  {word}"


def _burn_hover(row: DepartmentBurn) -> str:
    return "<br>".join(
        [
            f"<b>{row.department}</b>",
            _("Spent") + f": {number(row.spent)} ({percent(row.used_share)})",
            _("Plan by now") + f": {percent(row.planned_share)}",
            _("Annual budget") + f": {number(row.budget)}",
        ]
    )


def spend_ratios(
    budget: Sequence[Sequence[Number | None]], spend: Sequence[Sequence[Number | None]]
) -> list[list[float | None]]:
    """Spend ÷ budget cell by cell; None where nothing was spent or nothing was budgeted."""
    return [
        [
            None if s is None or not b else float(s) / float(b)
            for b, s in zip(budget_row, spend_row, strict=True)
        ]
        for budget_row, spend_row in zip(budget, spend, strict=True)
    ]


def spend_heatmap(
    departments: Sequence[str],
    months: Sequence[dt.date],
    budget: Sequence[Sequence[Number | None]],
    spend: Sequence[Sequence[Number | None]],
    *,
    as_of: dt.date,
) -> Figure:
    """Spend as a share of the month's budget, departments × months. Blue under budget,
    white on budget, vermillion over; each cell carries its number, empty months stay blank."""
    ratios = spend_ratios(budget, spend)
    z = [[None if v is None else round(float(v) * 100) for v in row] for row in ratios]
    text = [["" if v is None else f"{v} %" for v in row] for row in z]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": [month_label(m) for m in months],
        "y": list(departments),
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 13},
        "colorscale": [[0, ON_TRACK], [0.5, "#f7f7f7"], [1, BEHIND]],
        "zmin": 0,
        "zmax": 200,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y}, %{x}: %{text}<extra></extra>",
        "colorbar": {"title": {"text": _("of budget")}, "ticksuffix": " %", "thickness": 14},
    }
    layout = _layout(
        heatmap_finding(departments, months, ratios, as_of),
        _("Spend as a share of each month's budget"),
        top_axis=True,
        rows=len(departments),
        xaxis=_axis(side="top", showgrid=False, fixedrange=True),
        yaxis=_axis(autorange="reversed", showgrid=False, tickfont={"size": 15}, fixedrange=True),
    )
    return _figure([heat], layout)


def heatmap_finding(departments, months, ratios, as_of: dt.date) -> str:
    cells = [
        (float(v), dep, month)
        for dep, row in zip(departments, ratios, strict=True)
        for month, v in zip(months, row, strict=True)
        if v is not None
    ]
    if not cells:
        return _("No spend recorded yet")
    ratio, department, month = max(cells, key=lambda c: c[0])
    if ratio <= 1:
        return _("Every department stayed within its monthly budget")
    return _("Highest overspend: %(department)s spent %(share)s of its %(month)s budget") % {
        "department": department,
        "share": percent(ratio),
        "month": month_label(month),
    }


def forecast_bars(
    rows: Sequence[DepartmentBurn], *, as_of: dt.date, currency: str, plan_end: dt.date
) -> Figure:
    """Year-end spend at the current run rate, as a share of each department's budget; the
    label names the month the budget runs out at that rate."""
    positions = list(range(len(rows)))
    shares = [_forecast_share(r) for r in rows]
    bars = {
        "type": "bar",
        "y": positions,
        "x": [s or 0 for s in shares],
        "orientation": "h",
        "width": 0.55,
        "marker": {"color": [BEHIND if _runs_out_in_year(r, plan_end) else ON_TRACK for r in rows]},
        "hovertext": [_forecast_hover(r, currency) for r in rows],
        "hoverinfo": "text",
    }
    layout = _layout(
        forecast_finding(rows, plan_end),
        _(
            "Spend so far ÷ months elapsed × 12, as a share of the annual budget (as of "
            "%(month)s) · dashed: budget"
        )
        % {"month": month_label(as_of)},
        title_chars=58,
        top_axis=True,
        rows=len(rows),
        margin={"l": 20, "r": RIGHT_COLUMN + 25, "b": 30},
        xaxis=_axis(
            ticksuffix=" %",
            side="top",
            fixedrange=True,
            range=[0, max([105.0, *[s for s in shares if s is not None]]) + 5],
        ),
        yaxis=_rows_axis([_short(r.department, 30) for r in rows]),
        shapes=[_vline(100, color=INK, width=2, dash="dash")],
        annotations=_right_column(
            [_forecast_text(r, s, plan_end) for r, s in zip(rows, shares, strict=True)]
        ),
    )
    return _figure([bars], layout)


def _runs_out_in_year(row: DepartmentBurn, plan_end: dt.date) -> bool:
    return row.run_out is not None and row.run_out <= plan_end


def _forecast_share(row: DepartmentBurn) -> float | None:
    if row.forecast is None or not row.budget:
        return None
    return float(row.forecast) / float(row.budget) * 100


def _forecast_text(row: DepartmentBurn, share: float | None, plan_end: dt.date) -> str:
    if share is None:
        return _("no forecast")
    if _runs_out_in_year(row, plan_end):
        return _("%(share)s  ✖ runs out in %(month)s") % {
            "share": f"{number(share)} %",
            "month": date_format(row.run_out, "M"),
        }
    return _("%(share)s  ✔ lasts the year") % {"share": f"{number(share)} %"}


def _forecast_hover(row: DepartmentBurn, currency: str) -> str:
    return "<br>".join(
        [
            f"<b>{row.department}</b>",
            _("Forecast year-end spend") + f": {_money(row.forecast, currency)}",
            _("Annual budget") + f": {_money(row.budget, currency)}",
            _("Runs out") + f": {month_label(row.run_out) if row.run_out else '–'}",
        ]
    )


def forecast_finding(rows: Sequence[DepartmentBurn], plan_end: dt.date) -> str:
    short = [r for r in rows if _runs_out_in_year(r, plan_end)]
    if not short:
        return _("At the current rate every department's budget lasts the year")
    first = min(short, key=lambda r: r.run_out)
    values = {
        "count": number(len(short)),
        "department": first.department,
        "month": month_label(first.run_out),
    }
    if len(short) == 1:
        return _("%(department)s runs out of budget in %(month)s at the current rate") % values
    return (
        _(
            "%(count)s departments run out of budget before year end, first %(department)s "
            "in %(month)s"
        )
        % values
    )


# Roadmap and dependencies ---------------------------------------------------------------------

INITIATIVE_COLOURS = {
    "not_started": "#b9c0c9",
    "in_progress": ON_TRACK,
    "done": "#009E73",
    "cancelled": "#e5e8ec",
}
DAY_MS = 86_400_000


def roadmap_gantt(
    bars: Sequence[GanttBar],
    links: Sequence[tuple[int, int]],
    *,
    title: str,
    as_of: dt.date,
    status_labels: Mapping[str, str],
    year: tuple[dt.date, dt.date] | None = None,
) -> Figure:
    """Initiatives as bars from start to planned end (colour and word = status), blocked ones
    marked ✖, arrows from each dependency's end to its dependent's start; `links` are
    (dependent id, dependency id) pairs among `bars`."""
    rows = list(bars)
    gantt = {
        "type": "bar",
        "base": [bar.start.isoformat() for bar in rows],
        "x": [max(1, (bar.end - bar.start).days) * DAY_MS for bar in rows],
        "y": list(range(len(rows))),
        "orientation": "h",
        "width": 0.6,
        "marker": {
            "color": [INITIATIVE_COLOURS.get(bar.status, NO_DATA) for bar in rows],
            "line": {
                "color": [BEHIND if bar.blocked else "rgba(0,0,0,0)" for bar in rows],
                "width": 3,
            },
        },
        "text": [
            ("✖ " + _("blocked") + " · " if bar.blocked else "")
            + status_labels.get(bar.status, bar.status)
            for bar in rows
        ],
        "textposition": "inside",
        "insidetextanchor": "start",
        "textfont": {"size": 13, "color": [_on_fill(bar.status) for bar in rows]},
        "hovertext": [_gantt_hover(bar, status_labels) for bar in rows],
        "hoverinfo": "text",
    }
    layout = _layout(
        title,
        _(
            "Bars run from start to planned end (estimate + buffer) · arrows: depends on · "
            "dotted: end of %(month)s"
        )
        % {"month": month_label(as_of)},
        top_axis=True,
        rows=len(rows),
        xaxis=_axis(
            type="date", side="top", tickformat="%b", dtick="M1", range=_year_range(rows, year)
        ),
        yaxis=_rows_axis([_gantt_label(bar) for bar in rows]),
        shapes=[_vline(_last_day(as_of).isoformat(), color=MUTED, width=2, dash="dot")],
        annotations=_arrows(rows, links),
    )
    return _figure([gantt], layout)


def _arrows(rows: Sequence[GanttBar], links: Sequence[tuple[int, int]]) -> list[dict]:
    index = {bar.id: position for position, bar in enumerate(rows)}
    arrows = []
    for dependent, dependency in links:
        if dependent in index and dependency in index:
            x, y = rows[index[dependent]], rows[index[dependency]]
            arrows.append(
                {
                    "x": x.start.isoformat(),
                    "y": index[dependent],
                    "ax": y.end.isoformat(),
                    "ay": index[dependency],
                    "xref": "x",
                    "yref": "y",
                    "axref": "x",
                    "ayref": "y",
                    "showarrow": True,
                    "arrowhead": 3,
                    "arrowsize": 1.2,
                    "arrowwidth": 2,
                    "arrowcolor": BEHIND if x.blocked else MUTED,
                }
            )
    return arrows


def _year_range(rows: Sequence[GanttBar], year: tuple[dt.date, dt.date] | None) -> list[str]:
    """The plan year, widened to any bar that starts before or ends after it."""
    starts = [bar.start for bar in rows] + ([year[0]] if year else [])
    ends = [bar.end for bar in rows] + ([year[1]] if year else [])
    return [min(starts).isoformat(), (max(ends) + dt.timedelta(days=1)).isoformat()]


def _last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _on_fill(status: str) -> str:
    return "#ffffff" if status in ("in_progress", "done") else INK


def _gantt_label(bar: GanttBar) -> str:
    return f"{'✖ ' if bar.blocked else ''}{_short(bar.label, 40)}"


def _gantt_hover(bar: GanttBar, status_labels: Mapping[str, str]) -> str:
    lines = [
        f"<b>{bar.label}</b>",
        f"{date_format(bar.start, 'j M')} – {date_format(bar.end, 'j M Y')}",
        status_labels.get(bar.status, bar.status),
    ]
    if bar.blocked:
        lines.append("✖ " + _("blocked"))
    return "<br>".join(lines)


def roadmap_finding(bars: Sequence[GanttBar], department: str) -> str:
    own = [bar for bar in bars if not bar.external]
    blocked = sum(1 for bar in own if bar.blocked)
    if not own:
        return _("%(department)s has no initiatives on its roadmap") % {"department": department}
    if blocked:
        return ngettext(
            "%(blocked)s of %(total)s initiatives of %(department)s is blocked",
            "%(blocked)s of %(total)s initiatives of %(department)s are blocked",
            blocked,
        ) % {"blocked": number(blocked), "total": number(len(own)), "department": department}
    return ngettext(
        "The initiative of %(department)s is not blocked",
        "None of the %(total)s initiatives of %(department)s is blocked",
        len(own),
    ) % {"total": number(len(own)), "department": department}


def team_blocks_heatmap(
    teams: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    since: Mapping[tuple[str, str], dt.date],
    *,
    as_of: dt.date,
    limit: int = 20,
) -> Figure:
    """Who blocks whom: rows are blocking teams, columns blocked teams, each cell the number
    of blocked initiatives and since when the oldest is blocked. At most `limit` teams each
    way, those blocking (or blocked) most first; the title speaks of all of them."""
    order = {team: position for position, team in enumerate(teams)}
    blocking = _most(counts, 0, order, limit)
    blocked = _most(counts, 1, order, limit)
    z = [[counts.get((a, b)) or None for b in blocked] for a in blocking]
    text = [[_cell_text(counts.get((a, b)), since.get((a, b))) for b in blocked] for a in blocking]
    # Beyond a few columns the team names are slanted, and the title needs room above them.
    slanted = len(blocked) > 6
    longest = max((len(team) for team in blocked), default=0)
    labels_height = 20 + int(longest * 6.5) if slanted else 32
    heat = {
        "type": "heatmap",
        "z": z,
        "x": blocked,
        "y": blocking,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 14},
        "colorscale": [[0, "#fbe3d5"], [1, BEHIND]],
        "zmin": 0,
        "showscale": False,
        "xgap": 3,
        "ygap": 3,
        "hovertemplate": _("%(a)s blocks %(b)s") % {"a": "%{y}", "b": "%{x}"}
        + ": %{text}<extra></extra>",
    }
    layout = _layout(
        team_blocks_finding(counts),
        _(
            "Each row's team blocks the column's team: number of blocked initiatives and "
            "since when the oldest waits (as of %(month)s)"
        )
        % {"month": month_label(as_of)},
        top_axis=True,
        top_axis_height=labels_height,
        height=max(220, 140 + labels_height + 62 * len(blocking)),
        xaxis=_axis(
            side="top",
            showgrid=False,
            tickfont={"size": 15},
            tickangle=-45 if slanted else 0,
            fixedrange=True,
            domain=[0, min(1.0, 0.1 + 0.13 * len(blocked))],
        ),
        yaxis=_axis(autorange="reversed", showgrid=False, tickfont={"size": 15}, fixedrange=True),
    )
    return _figure([heat], layout)


def _most(
    counts: Mapping[tuple[str, str], int], side: int, order: Mapping[str, int], limit: int
) -> list[str]:
    """The teams on one side of the (blocking, blocked) pairs with the most blocked
    initiatives, at most `limit`, shown in the given team order."""
    totals: dict[str, int] = {}
    for pair, n in counts.items():
        if n:
            totals[pair[side]] = totals.get(pair[side], 0) + n
    top = sorted(totals, key=lambda team: (-totals[team], order.get(team, 0)))[:limit]
    return sorted(top, key=lambda team: order.get(team, 0))


def _cell_text(count: int | None, since: dt.date | None) -> str:
    if not count:
        return ""
    since_word = _("since")  # outside the f-string, where makemessages finds it
    when = f"<br>{since_word} {date_format(since, 'j M')}" if since else ""
    return f"<b>✖ {number(count)}</b>{when}"


def team_blocks_finding(counts: Mapping[tuple[str, str], int]) -> str:
    """Which team blocks the most initiatives of other teams, and of how many teams."""
    live = {pair: n for pair, n in counts.items() if n}
    if not live:
        return _("No team blocks another team")
    per_team: dict[str, int] = {}
    for (team, _other), n in live.items():
        per_team[team] = per_team.get(team, 0) + n
    worst = max(per_team, key=lambda t: (per_team[t], t))
    teams = sum(1 for (team, _other) in live if team == worst)
    return _("%(team)s blocks %(initiatives)s of %(teams)s") % {
        "team": worst,
        "initiatives": ngettext("%(n)s initiative", "%(n)s initiatives", per_team[worst])
        % {"n": number(per_team[worst])},
        "teams": ngettext("%(n)s other team", "%(n)s other teams", teams) % {"n": number(teams)},
    }
