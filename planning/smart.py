"""The SMART check of a goal (SPEC §4.1), as a pure function over plain values.

A goal passes
- **Specific** with a title, a description of at least a sentence, an owner and a department;
- **Measurable** with a metric, a unit, a baseline and a target (numbers, target ≠ baseline);
- **Achievable** with a rationale and at least one resource requirement or initiative;
- **Relevant** with a link to a parent goal, a SWOT entry or a priority;
- **Time-bound** with a due date inside the plan year and a checkpoint for every quarter up to
  and including the quarter of the due date.

"A description of at least a sentence" is read as: at least `MIN_DESCRIPTION_CHARS` characters
(20) of text and at least `MIN_DESCRIPTION_WORDS` words (3), after trimming. A final full stop is
not demanded: people often leave it out, and "Grow revenue" is too short either way.

The check says, per criterion, pass or fail and one line saying what is missing. The caller
(editor, goal tree, approval) builds `GoalFacts` from a saved goal or from unsaved form values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from planning.constants import MIN_DESCRIPTION_CHARS, QUARTERS

MIN_DESCRIPTION_WORDS = 3

CRITERIA = ("specific", "measurable", "achievable", "relevant", "time_bound")
CRITERION_LABELS = {
    "specific": _("Specific"),
    "measurable": _("Measurable"),
    "achievable": _("Achievable"),
    "relevant": _("Relevant"),
    "time_bound": _("Time-bound"),
}


@dataclass(frozen=True)
class GoalFacts:
    """What the SMART check needs to know about a goal, as plain values.

    `quarter_ends` are the last days of quarters 1..4 of the plan year (the last one is the end
    of the plan year); `checkpoint_quarters` the quarters that have a planned value."""

    plan_start: dt.date
    quarter_ends: tuple[dt.date, dt.date, dt.date, dt.date]
    title: str = ""
    description: str = ""
    has_owner: bool = False
    has_department: bool = False
    metric_name: str = ""
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    rationale: str = ""
    resource_count: int = 0
    initiative_count: int = 0
    has_parent: bool = False
    swot_count: int = 0
    priority_count: int = 0
    due_date: dt.date | None = None
    checkpoint_quarters: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class CriterionResult:
    """One of the five criteria: passed or not, and one line saying what is missing."""

    key: str
    passed: bool
    hint: str  # lazy: translated when shown, in the reader's language

    @property
    def letter(self) -> str:
        """S, M, A, R or T: the criterion's letter in the acronym (not translated)."""
        return "SMART"[CRITERIA.index(self.key)]

    @property
    def label(self) -> str:
        return CRITERION_LABELS[self.key]


@dataclass(frozen=True)
class SmartResult:
    """The five criteria in S-M-A-R-T order."""

    criteria: tuple[CriterionResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def passed_count(self) -> int:
        return sum(c.passed for c in self.criteria)

    @property
    def total(self) -> int:
        return len(self.criteria)

    @property
    def failing(self) -> list[CriterionResult]:
        return [c for c in self.criteria if not c.passed]

    def criterion(self, key: str) -> CriterionResult:
        return next(c for c in self.criteria if c.key == key)


def smart_check(facts: GoalFacts) -> SmartResult:
    """Check the five SMART criteria of one goal (SPEC §4.1)."""
    return SmartResult(
        criteria=(
            _specific(facts),
            _measurable(facts),
            _achievable(facts),
            _relevant(facts),
            _time_bound(facts),
        )
    )


def is_sentence(text: str) -> bool:
    """At least a sentence: MIN_DESCRIPTION_CHARS characters and MIN_DESCRIPTION_WORDS words."""
    text = (text or "").strip()
    return len(text) >= MIN_DESCRIPTION_CHARS and len(text.split()) >= MIN_DESCRIPTION_WORDS


def quarter_of(day: dt.date, quarter_ends: tuple[dt.date, ...]) -> int | None:
    """The plan quarter (1..4) a day falls in, or None after the plan year."""
    for quarter, end in zip(QUARTERS, quarter_ends, strict=True):
        if day <= end:
            return quarter
    return None


def _result(key: str, missing: list, ok_hint) -> CriterionResult:
    if not missing:
        return CriterionResult(key, True, ok_hint)
    items = format_lazy("{}" + ", {}" * (len(missing) - 1), *missing)
    return CriterionResult(key, False, format_lazy(_("Missing: {}."), items))


def _blank(text: str) -> bool:
    return not (text or "").strip()


def _specific(f: GoalFacts) -> CriterionResult:
    missing = []
    if _blank(f.title):
        missing.append(_("a title"))
    if not is_sentence(f.description):
        missing.append(
            format_lazy(
                _("a description of at least one sentence ({} characters, {} words)"),
                MIN_DESCRIPTION_CHARS,
                MIN_DESCRIPTION_WORDS,
            )
        )
    if not f.has_owner:
        missing.append(_("an owner"))
    if not f.has_department:
        missing.append(_("a department"))
    return _result("specific", missing, _("Title, description, owner and department are set."))


def _measurable(f: GoalFacts) -> CriterionResult:
    missing = []
    if _blank(f.metric_name):
        missing.append(_("a metric"))
    if _blank(f.unit):
        missing.append(_("a unit"))
    if f.baseline is None:
        missing.append(_("a baseline number"))
    if f.target is None:
        missing.append(_("a target number"))
    if missing:
        return _result("measurable", missing, "")
    if f.target == f.baseline:
        return CriterionResult(
            "measurable", False, _("The target equals the baseline: nothing would change.")
        )
    return _result("measurable", [], _("Metric, unit, baseline and target are set."))


def _achievable(f: GoalFacts) -> CriterionResult:
    missing = []
    if _blank(f.rationale):
        missing.append(_("a rationale (why the target can be reached)"))
    if f.resource_count + f.initiative_count < 1:
        missing.append(_("at least one resource requirement or initiative"))
    return _result(
        "achievable", missing, _("A rationale and the resources or initiatives are there.")
    )


def _relevant(f: GoalFacts) -> CriterionResult:
    if f.has_parent or f.swot_count or f.priority_count:
        return CriterionResult("relevant", True, _("Linked to what it serves."))
    return CriterionResult(
        "relevant",
        False,
        _("Missing: a link to a parent goal, a SWOT entry or a strategic priority."),
    )


def _time_bound(f: GoalFacts) -> CriterionResult:
    if f.due_date is None:
        return CriterionResult("time_bound", False, _("Missing: a due date."))
    if not (f.plan_start <= f.due_date <= f.quarter_ends[-1]):
        return CriterionResult("time_bound", False, _("The due date lies outside the plan year."))
    due_quarter = quarter_of(f.due_date, f.quarter_ends)
    lacking = [q for q in QUARTERS if q <= due_quarter and q not in f.checkpoint_quarters]
    if lacking:
        quarters = ", ".join(f"Q{q}" for q in lacking)
        return CriterionResult(
            "time_bound",
            False,
            format_lazy(_("Missing: a checkpoint for {}."), quarters),
        )
    return CriterionResult(
        "time_bound", True, _("Due inside the plan year, with a checkpoint each quarter.")
    )
