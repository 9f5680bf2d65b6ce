"""The plan's activity feed (SPEC §5 "Activity"): every change kept by django-simple-history,
plus comments and plan changes, newest first, in a fixed number of queries per page.

One UNION ALL query lists the events of a page (kind, id, when); then, per kind on the page,
one query loads the records with the id of each one's previous version (a correlated subquery
on the page's rows only) and one loads those previous versions; one query per related model
resolves names. The cost depends on the page size and the number of kinds, not on the plan.

Other apps add their models with `register(HistorySource(...))` in their AppConfig.ready()
(tracking and reviews import planning, never the other way round)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from planning.models import (
    BudgetLine,
    Comment,
    Department,
    DepartmentSubmission,
    Goal,
    GoalCheckpoint,
    Initiative,
    Membership,
    Milestone,
    Plan,
    PlanChange,
    Priority,
    ResourceRequirement,
    SwotEntry,
)

# Bookkeeping columns, not something a person changed.
HIDDEN_FIELDS = {"id", "version", "created_at", "updated_at", "plan"}

Labels = Callable[[type[models.Model], Any], str]


@dataclass(frozen=True)
class HistorySource:
    """A model whose history appears in the feed.

    `plan_path` / `department` locate a historical row's plan and department (a lookup path or
    an expression; None when the model belongs to no department). `title(record, names)` names
    the object, where `names(Model, pk)` gives the name of a related object (list the relations
    in `title_relations` so they are fetched in bulk); `url(record, plan_id)` links to it while
    it exists."""

    kind: str
    label: Any
    model: type[models.Model]
    plan_path: str = "plan_id"
    department: Any = "department_id"
    title: Callable[[Any, Labels], str] = lambda record, names: str(getattr(record, "title", ""))
    url: Callable[[Any, int], str | None] = lambda record, plan_id: None
    title_relations: tuple[str, ...] = ()
    field_labels: dict = field(default_factory=dict)

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model


_SOURCES: dict[str, HistorySource] = {}
COMMENT, PLAN_CHANGE = "comment", "plan_change"


def register(source: HistorySource) -> None:
    """Add (or replace) a model in the activity feed."""
    _SOURCES[source.kind] = source


def kinds() -> list[tuple[str, str]]:
    """(kind, label) of everything the feed can show, for the filter."""
    rows = [(s.kind, str(s.label)) for s in _SOURCES.values()]
    rows += [(COMMENT, str(_("Comment"))), (PLAN_CHANGE, str(_("Plan change")))]
    return sorted(rows, key=lambda row: row[1])


# --- what an event is -----------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Event:
    """One line of the feed: who did what to which object, when, and the field changes."""

    kind: str
    kind_label: str
    when: dt.datetime
    who: Any
    action: str  # created / changed / deleted / commented / plan_change
    title: str
    url: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    text: str = ""


# --- reading a page -------------------------------------------------------------------------


def events_query(plan: Plan, *, department_id: int | None = None, kind: str | None = None):
    """The feed as one UNION ALL of (kind, id, when), newest first (unsliced)."""
    parts = [
        _history_part(source, plan, department_id)
        for source in _SOURCES.values()
        if kind in (None, "", source.kind)
        and (department_id is None or source.department is not None)
    ]
    if kind in (None, "", COMMENT):
        parts.append(_comment_part(plan, department_id))
    if kind in (None, "", PLAN_CHANGE) and department_id is None:
        parts.append(_plan_change_part(plan))
    if not parts:
        return Comment.objects.none().values_list("id")
    first, *rest = parts
    query = first.union(*rest, all=True) if rest else first
    return query.order_by("-ev_date", "-ev_id")


def _columns(kind: str, pk: str, date: str) -> dict:
    return {"ev_kind": Value(kind, output_field=CharField()), "ev_id": F(pk), "ev_date": F(date)}


_COLUMNS = ("ev_kind", "ev_id", "ev_date")


def _history_part(source: HistorySource, plan: Plan, department_id: int | None):
    rows = source.history_model.objects.filter(**{source.plan_path: plan.pk})
    if department_id is not None:
        rows = rows.alias(ev_dept=_expression(source.department)).filter(ev_dept=department_id)
    columns = _columns(source.kind, "history_id", "history_date")
    return rows.annotate(**columns).order_by().values_list(*_COLUMNS)


def _expression(department):
    return F(department) if isinstance(department, str) else department


def _comment_part(plan: Plan, department_id: int | None):
    rows = Comment.objects.filter(plan=plan)
    if department_id is not None:
        rows = rows.filter(
            Q(goal__department_id=department_id) | Q(initiative__department_id=department_id)
        )
    columns = _columns(COMMENT, "id", "created_at")
    return rows.annotate(**columns).order_by().values_list(*_COLUMNS)


def _plan_change_part(plan: Plan):
    rows = PlanChange.objects.filter(plan=plan)
    columns = _columns(PLAN_CHANGE, "id", "changed_at")
    return rows.annotate(**columns).order_by().values_list(*_COLUMNS)


def events_for_page(plan: Plan, rows: Iterable[tuple]) -> list[Event]:
    """Turn a page of (kind, id, when) into events: a few queries per kind present, one per
    related model whose names are shown."""
    rows = list(rows)
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, pk, _when in rows:
        wanted[kind].add(pk)
    loaded = {kind: _load(kind, ids) for kind, ids in wanted.items()}
    pairs = [(kind, loaded[kind][pk], _previous(loaded[kind], kind, pk)) for kind, pk, _ in rows]
    names = _Names()
    for kind, record, previous in pairs:
        source = _SOURCES.get(kind)
        if source is not None:
            _collect_names(names, source, record, previous)
    names.resolve()
    return [_event(kind, record, previous, names, plan.pk) for kind, record, previous in pairs]


def _previous(records: dict[int, Any], kind: str, pk: int):
    if kind in (COMMENT, PLAN_CHANGE):
        return None
    return records.get(records[pk].prev_history_id)


def _load(kind: str, ids: set[int]) -> dict[int, Any]:
    if kind == COMMENT:
        rows = Comment.objects.filter(pk__in=ids).select_related("author", "goal", "initiative")
        return {c.pk: c for c in rows}
    if kind == PLAN_CHANGE:
        return {c.pk: c for c in PlanChange.objects.filter(pk__in=ids).select_related("changed_by")}
    history_model = _SOURCES[kind].history_model
    page = history_model.objects.filter(history_id__in=ids).select_related("history_user")
    records = {r.history_id: r for r in page.annotate(prev_history_id=_previous_id(history_model))}
    earlier = {r.prev_history_id for r in records.values() if r.history_type == "~"}
    earlier -= set(records) | {None}
    if earlier:
        records |= {r.history_id: r for r in history_model.objects.filter(history_id__in=earlier)}
    for record in records.values():
        record.prev_history_id = getattr(record, "prev_history_id", None)
        record.m2m_ids = {}
    for m2m in history_model._history_m2m_fields:
        _load_m2m(history_model, m2m, records)
    return records


def _previous_id(history_model) -> Subquery:
    """The history id of the version before this one of the same object."""
    before = Q(history_date__lt=OuterRef("history_date")) | Q(
        history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")
    )
    earlier = history_model.objects.filter(before, id=OuterRef("id"))
    return Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1])


def _load_m2m(history_model, m2m: models.ManyToManyField, records: dict[int, Any]) -> None:
    """The linked ids of a many-to-many field (e.g. a goal's SWOT entries) as they were at each
    record: one query for all records of the page."""
    through = getattr(history_model, m2m.name).model
    target = f"{m2m.m2m_reverse_field_name()}_id"
    linked = defaultdict(set)
    for history_id, target_id in through.objects.filter(history_id__in=list(records)).values_list(
        "history_id", target
    ):
        linked[history_id].add(target_id)
    for history_id, record in records.items():
        record.m2m_ids[m2m.name] = frozenset(linked[history_id])


class _Names:
    """Names of related objects (owner, department, goal …), fetched once per model."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, model: type[models.Model], pk) -> None:
        if pk is not None:
            self.wanted[model].add(pk)

    def resolve(self) -> None:
        for model, ids in self.wanted.items():
            for obj in model._default_manager.filter(pk__in=ids):
                self.found[(model, obj.pk)] = _name_of(obj)

    def __call__(self, model: type[models.Model], pk) -> str:
        if pk is None:
            return ""
        return self.found.get((model, pk), f"#{pk} (" + _("deleted") + ")")


def _name_of(obj) -> str:
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.get_username()
    return str(getattr(obj, "title", None) or getattr(obj, "name", None) or obj)


def _shown_fields(source: HistorySource):
    history_model = source.history_model
    fields = [*history_model.tracked_fields, *history_model._history_m2m_fields]
    # Timestamps kept by Django itself (auto_now) are bookkeeping too.
    return [
        f
        for f in fields
        if f.name not in HIDDEN_FIELDS
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    ]


def _value(record, model_field: models.Field):
    if model_field.many_to_many:
        return record.m2m_ids.get(model_field.name, frozenset())
    return getattr(record, model_field.attname)


def _collect_names(names: _Names, source: HistorySource, record, previous) -> None:
    relations = set(source.title_relations)
    if record.history_type == "~" and previous is not None:
        relations |= {f.name for f in _changed_fields(source, record, previous) if f.is_relation}
    for f in _shown_fields(source):
        if f.name in relations and f.is_relation:
            for version in (record, previous) if previous is not None else (record,):
                value = _value(version, f)
                for pk in value if f.many_to_many else (value,):
                    names.want(f.related_model, pk)


def _changed_fields(source: HistorySource, record, previous):
    return [f for f in _shown_fields(source) if _value(record, f) != _value(previous, f)]


def _event(kind: str, record, previous, names: _Names, plan_id: int) -> Event:
    if kind == COMMENT:
        return _comment_event(record)
    if kind == PLAN_CHANGE:
        return _plan_change_event(record)
    source = _SOURCES[kind]
    action = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
    event = Event(
        kind=kind,
        kind_label=str(source.label),
        when=record.history_date,
        who=record.history_user,
        action=action,
        title=source.title(record, names),
        url=None if action == "deleted" else source.url(record, plan_id),
    )
    if action == "changed" and previous is not None:
        event.changes = [
            FieldChange(
                label=str(source.field_labels.get(f.name, f.verbose_name)).capitalize(),
                old=display(f, _value(previous, f), names),
                new=display(f, _value(record, f), names),
            )
            for f in _changed_fields(source, record, previous)
        ]
    return event


def display(model_field: models.Field, value, names: Labels) -> str:
    """A stored value as a person reads it: names for links, labels for choices, numbers with
    separators, dates in the locale's format, "—" for nothing."""
    if value is None or value == "" or value == frozenset():
        return "—"
    if model_field.many_to_many:
        return ", ".join(sorted(names(model_field.related_model, pk) for pk in value))
    if model_field.is_relation:
        return names(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, Decimal):
        whole = value == value.to_integral_value()
        value = value.quantize(Decimal(1)) if whole else value.normalize()
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _comment_event(comment: Comment) -> Event:
    subject = comment.goal or comment.initiative
    return Event(
        kind=COMMENT,
        kind_label=str(_("Comment")),
        when=comment.created_at,
        who=comment.author,
        action="commented",
        title=subject.title if subject else "",
        url=f"{subject.get_absolute_url()}#comment-{comment.pk}" if subject else None,
        text=comment.text,
    )


def _plan_change_event(change: PlanChange) -> Event:
    return Event(
        kind=PLAN_CHANGE,
        kind_label=str(_("Plan change")),
        when=change.changed_at,
        who=change.changed_by,
        action="plan_change",
        title=change.subject_label,
        changes=[FieldChange(change.field, change.old_value or "—", change.new_value or "—")],
        text=change.reason,
    )


# --- the planning app's own models ----------------------------------------------------------


def _url(name: str, *, pk: str = "id", anchor: str = ""):
    def build(record, plan_id: int) -> str:
        return reverse(name, args=[plan_id, getattr(record, pk)]) + anchor

    return build


def _anchored(name: str, anchor: str):
    def build(record, plan_id: int) -> str:
        return reverse(name, args=[plan_id]) + f"#{anchor}-{record.id}"

    return build


def _checkpoint_title(record, names) -> str:
    return f"{names(Goal, record.goal_id)} · Q{record.quarter}"


def _milestone_title(record, names) -> str:
    return f"{record.title} ({names(Initiative, record.initiative_id)})"


def _budget_title(record, names) -> str:
    month = formats.date_format(record.month, "YEAR_MONTH_FORMAT")
    return f"{names(Department, record.department_id)} · {record.get_category_display()} · {month}"


def _membership_title(record, names) -> str:
    return f"{names(get_user_model(), record.user_id)} · {record.get_role_display()}"


def _department_title(record, names) -> str:
    return names(Department, record.department_id)


for _source in [
    HistorySource(
        "plan", _("Plan settings"), Plan, plan_path="id", department=None, title=lambda r, n: r.name
    ),
    HistorySource(
        "department",
        _("Department"),
        Department,
        department="id",
        title=lambda r, n: r.name,
        url=_url("planning:department-detail"),
    ),
    HistorySource(
        "membership",
        _("Membership"),
        Membership,
        title=_membership_title,
        title_relations=("user",),
    ),
    HistorySource("priority", _("Priority"), Priority, department=None),
    HistorySource(
        "swot",
        _("SWOT entry"),
        SwotEntry,
        url=_anchored("planning:swot-board", "swot-entry"),
        field_labels={"position": _("order on the board")},
    ),
    HistorySource("goal", _("Goal"), Goal, url=_url("planning:goal-detail")),
    HistorySource(
        "checkpoint",
        _("Checkpoint"),
        GoalCheckpoint,
        plan_path="goal__plan_id",
        department="goal__department_id",
        title=_checkpoint_title,
        url=_url("planning:goal-detail", pk="goal_id"),
        title_relations=("goal",),
    ),
    HistorySource(
        "initiative", _("Initiative"), Initiative, url=_url("planning:initiative-detail")
    ),
    HistorySource(
        "milestone",
        _("Milestone"),
        Milestone,
        plan_path="initiative__plan_id",
        department="initiative__department_id",
        title=_milestone_title,
        url=_url("planning:initiative-detail", pk="initiative_id"),
        title_relations=("initiative",),
    ),
    HistorySource(
        "resource",
        _("Resource requirement"),
        ResourceRequirement,
        department=Coalesce("goal__department_id", "initiative__department_id"),
        title=lambda r, n: r.description,
        url=_anchored("planning:resource-inventory", "requirement"),
    ),
    HistorySource(
        "budget",
        _("Budget line"),
        BudgetLine,
        title=_budget_title,
        url=lambda r, plan_id: reverse("planning:budget-grid", args=[plan_id]),
        title_relations=("department",),
    ),
    HistorySource(
        "submission",
        _("Roadmap submission"),
        DepartmentSubmission,
        title=_department_title,
        title_relations=("department",),
    ),
]:
    register(_source)
