"""What an alert says, in the reader's language (SPEC §4.6).

An alert stores the facts of its condition — names, numbers, ISO dates — not a sentence
(`Alert.facts`, built by `tracking.alert_candidates`). The sentence is written when somebody
reads it, in the active language: the alerts page and dashboards in the reader's, the digest
mail in its recipient's, the webhook in the site's. So a German head of department reads
German alerts that an English job raised, and a recompute that finds the same facts has
nothing to write.

    alert_message("goal_behind", {"goal": "Hire 4 enterprise AEs", "shortfall": 0.5,
                                  "actual": 1.0, "planned": 2.0, "date": "2026-03-31"})
    → "Hire 4 enterprise AEs is 50 % behind plan (1 of 2 planned by 31 Mar)"

Facts with a `text` (alerts written before facts existed, or a rule without words here) are
shown as that text.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping

from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MESSAGE_MAX = 500

Facts = Mapping[str, object]
Words = Callable[[Facts, "Numbers"], str]


def alert_message(rule: str, facts: Facts) -> str:
    """The alert's sentence in the active language."""
    words = _WORDS.get(str(rule))
    if words is None or "text" in facts:
        return clip(str(facts.get("text", "")))
    return clip(words(facts, Numbers()))


def clip(text: str) -> str:
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Numbers and dates in the active language


class Numbers:
    """Numbers and dates as people write them in the active language (1,234.5 in English,
    1.234,5 in German), with the language's separators looked up once."""

    def __init__(self):
        self.language = get_language()
        self.thousands, self.point = _separators(self.language)

    def num(self, value, decimals: int = 2) -> str:
        """Thousands separators, no trailing zeros."""
        text = f"{float(value):,.{decimals}f}"
        if decimals:
            text = text.rstrip("0").rstrip(".")
        return text.translate({ord(","): self.thousands, ord("."): self.point})

    def percent(self, share) -> str:
        """0.5 → '50 %' (whole percent; '0.5 %' below one percent)."""
        value = float(share) * 100
        return f"{self.num(value, 0 if abs(value) >= 1 else 1)} %"

    def date(self, day: dt.date | str) -> str:
        """A day as "31 Mar"."""
        return _short_date(_day(day), self.language)

    def month(self, day: dt.date | str) -> str:
        """A month as "March 2026"."""
        return _month(_day(day), self.language)


def _day(day: dt.date | str) -> dt.date:
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])


@functools.lru_cache(maxsize=32)
def _separators(language: str | None) -> tuple[str, str]:
    return get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")


@functools.lru_cache(maxsize=4096)
def _short_date(day: dt.date, language: str | None) -> str:
    return dateformat.format(day, "j M")


@functools.lru_cache(maxsize=1024)
def _month(day: dt.date, language: str | None) -> str:
    return dateformat.format(day, "F Y")


# ---------------------------------------------------------------------------------------------
# The words of each rule (keys are `Alert.Rule` values)


def _goal_behind(f: Facts, n: Numbers) -> str:
    if f.get("direction") == "decrease":  # "65 of 50 planned" would read as ahead
        words = _(
            "%(goal)s is %(pct)s behind plan (at %(actual)s where %(planned)s was planned by "
            "%(date)s)"
        )
    else:
        words = _("%(goal)s is %(pct)s behind plan (%(actual)s of %(planned)s planned by %(date)s)")
    return words % {
        "goal": f["goal"],
        "pct": n.percent(f["shortfall"]),
        "actual": n.num(f["actual"]),
        "planned": n.num(f["planned"]),
        "date": n.date(f["date"]),
    }


def _burn_early(f: Facts, n: Numbers) -> str:
    return _(
        "%(department)s has spent %(spent_pct)s of its annual budget by %(date)s; "
        "the plan expected %(planned_pct)s (%(spent)s of %(budget)s %(currency)s)"
    ) % {
        "department": f["department"],
        "spent_pct": n.percent(f["spent_share"]),
        "date": n.date(f["date"]),
        "planned_pct": n.percent(f["planned_share"]),
        "spent": n.num(f["spent"], 0),
        "budget": n.num(f["budget"], 0),
        "currency": f["currency"],
    }


def _initiative_blocked(f: Facts, n: Numbers) -> str:
    blocker = _("%(title)s (%(department)s, planned to end %(date)s)")
    names = ", ".join(
        blocker % {"title": title, "department": department, "date": n.date(end)}
        for title, department, end in f["blockers"]
    )
    return _("%(title)s (%(department)s, starts %(start)s) is blocked by %(blockers)s") % {
        "title": f["title"],
        "department": f["department"],
        "start": n.date(f["start"]),
        "blockers": names,
    }


def _milestone_overdue(f: Facts, n: Numbers) -> str:
    return _(
        "Milestone “%(title)s” of %(initiative)s was due %(date)s and is not done "
        "(%(days)s days overdue)"
    ) % {
        "title": f["title"],
        "initiative": f["initiative"],
        "date": n.date(f["due"]),
        "days": n.num(f["days"], 0),
    }


def _action_item_overdue(f: Facts, n: Numbers) -> str:
    return _("Action item “%(title)s” was due %(date)s and is not done (%(days)s days overdue)") % {
        "title": f["title"],
        "date": n.date(f["due"]),
        "days": n.num(f["days"], 0),
    }


def _kpi_threshold(f: Facts, n: Numbers) -> str:
    unit = f" {f['unit']}" if f.get("unit") else ""
    values = {
        "kpi": f["kpi"],
        "month": n.month(f["month"]),
        "value": n.num(f["value"]) + unit,
        "target": n.num(f["target"]) + unit,
    }
    if f.get("shortfall") is None:
        return _("%(kpi)s missed its target of %(target)s in %(month)s (%(value)s)") % values
    return _(
        "%(kpi)s was %(pct)s short of its target in %(month)s (%(value)s against %(target)s)"
    ) % {**values, "pct": n.percent(f["shortfall"])}


_WORDS: dict[str, Words] = {
    "goal_behind": _goal_behind,
    "burn_early": _burn_early,
    "initiative_blocked": _initiative_blocked,
    "milestone_overdue": _milestone_overdue,
    "action_item_overdue": _action_item_overdue,
    "kpi_threshold": _kpi_threshold,
}
