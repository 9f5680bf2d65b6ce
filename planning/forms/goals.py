"""The goal editor (SPEC §2 step 2): every field of a goal, its four quarterly checkpoints in
one row, and — once the plan is approved — the reason for a change to the baseline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from planning.concurrency import ConflictRow, VersionedFormMixin
from planning.constants import QUARTERS
from planning.goal_selectors import descendant_ids, plan_members, plan_year
from planning.models import VALUE, Goal, Plan
from planning.permissions import PlanAccess
from planning.services.approval import BASELINE_FIELDS, changes_need_reason
from planning.services.goals import EDIT_FIELDS
from planning.smart import GoalFacts

TEXT_MAX = 5000
REASON_MAX = 1000


def _plain(value: Decimal) -> Decimal:
    """4.0000 → 4, 6.5000 → 6.5: stored values shown as people typed them (a Decimal still,
    so that `changed_data` compares numbers, not text)."""
    return Decimal(f"{value.normalize():f}")


def _person_label(user) -> str:
    return user.get_full_name() or user.username


class GoalForm(VersionedFormMixin, forms.ModelForm):
    """Create or edit a goal. Choices are limited to this plan: departments the person may
    write to, members as owners, goals that are not below this one as parents."""

    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At least one sentence: what changes, for whom, and why it matters."),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this target can be reached."),
    )

    class Meta:
        model = Goal
        fields = list(EDIT_FIELDS)
        labels = {"department": _("Department")}
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "swot_entries": forms.CheckboxSelectMultiple,
            "priorities": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, plan: Plan, access: PlanAccess, **kwargs):
        if kwargs.get("instance") is None:
            kwargs["instance"] = Goal(plan=plan)
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.year = plan_year(plan)
        if not self.instance.pk:
            del self.fields["version"]
        self._limit_choices(access)
        self._add_checkpoint_fields()
        if self.instance.pk and changes_need_reason(plan):
            self.fields["change_reason"] = forms.CharField(
                label=_("Why this change?"),
                max_length=REASON_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "The plan is approved. A change to the target, due date, budget or "
                    "owner is recorded as a plan change with this reason, and the "
                    "owner and department head are told."
                ),
            )
            for name in BASELINE_FIELDS:
                self.fields[name].widget.attrs["data-baseline-field"] = ""
        for name in ("baseline", "target", "budget"):
            self.fields[name].widget.attrs.setdefault("inputmode", "decimal")
            if self.initial.get(name) is not None:
                self.initial[name] = _plain(self.initial[name])

    def _limit_choices(self, access: PlanAccess) -> None:
        fields = self.fields
        departments = self.plan.departments.order_by("name")
        fields["department"].queryset = departments
        writable = access.writable_department_ids()
        if writable is not None:
            # Validation accepts any department of the plan so that the view can answer a
            # forged choice with 403; the list offers only the person's own departments.
            fields["department"].widget.choices = [("", "---------")] + [
                (d.pk, d.name) for d in departments if d.pk in writable
            ]
        parents = self.plan.goals.order_by("title")
        if self.instance.pk:
            excluded = descendant_ids(self.plan, self.instance.pk) | {self.instance.pk}
            parents = parents.exclude(pk__in=excluded)
        fields["parent"].queryset = parents
        fields["parent"].empty_label = _("— none (a company goal) —")
        fields["owner"].queryset = plan_members(self.plan)
        fields["owner"].label_from_instance = _person_label
        fields["swot_entries"].queryset = self.plan.swot_entries.order_by("kind", "position")
        fields["priorities"].queryset = self.plan.priorities.order_by("title")
        fields["due_date"].help_text = _("Between %(start)s and %(end)s.") % {
            "start": date_format(self.plan.start),
            "end": date_format(self.plan.end),
        }

    def _add_checkpoint_fields(self) -> None:
        current = {}
        if self.instance.pk:
            current = {c.quarter: c.planned_value for c in self.instance.checkpoints.all()}
        for quarter, end in zip(QUARTERS, self.year.quarter_ends, strict=True):
            name = f"checkpoint_{quarter}"
            self.fields[name] = forms.DecimalField(
                label=f"Q{quarter}",
                required=False,
                **VALUE,
                help_text=_("planned by %(date)s") % {"date": date_format(end)},
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            self.fields[name].quarter_end = end
            if quarter in current:
                self.initial[name] = _plain(current[quarter])

    @property
    def checkpoint_fields(self) -> list:
        return [self[f"checkpoint_{q}"] for q in QUARTERS]

    @property
    def link_fields(self) -> list:
        return [self["swot_entries"], self["priorities"]]

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due is not None and not self.plan.contains(due):
            raise forms.ValidationError(
                _("The due date must lie inside the plan year (%(start)s – %(end)s).")
                % {"start": date_format(self.plan.start), "end": date_format(self.plan.end)}
            )
        return due

    def clean(self):
        cleaned = super().clean()
        if "change_reason" in self.fields and self.baseline_fields_changed():
            if not (cleaned.get("change_reason") or "").strip():
                self.add_error(
                    "change_reason",
                    _(
                        "The plan is approved: say why you change the target, due date, budget "
                        "or owner."
                    ),
                )
        return cleaned

    def baseline_fields_changed(self) -> list[str]:
        return [name for name in BASELINE_FIELDS if name in self.changed_data]

    # What the service takes ----------------------------------------------------------------

    def goal_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDIT_FIELDS if name in self.cleaned_data}

    def checkpoint_values(self) -> dict[int, Decimal | None]:
        return {q: self.cleaned_data.get(f"checkpoint_{q}") for q in QUARTERS}

    def smart_facts(self, *, resource_count: int, initiative_count: int) -> GoalFacts:
        """SMART inputs from what is typed now (valid fields only; invalid ones count as
        missing) or, before any typing, from the form's initial values; plus the goal's saved
        resources and initiatives."""
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        else:
            data = self.initial
        return GoalFacts(
            plan_start=self.year.start,
            quarter_ends=self.year.quarter_ends,
            title=data.get("title") or "",
            description=data.get("description") or "",
            has_owner=data.get("owner") is not None,
            has_department=data.get("department") is not None,
            metric_name=data.get("metric_name") or "",
            unit=data.get("unit") or "",
            baseline=data.get("baseline"),
            target=data.get("target"),
            rationale=data.get("rationale") or "",
            resource_count=resource_count,
            initiative_count=initiative_count,
            has_parent=data.get("parent") is not None,
            swot_count=len(data.get("swot_entries") or []),
            priority_count=len(data.get("priorities") or []),
            due_date=data.get("due_date"),
            checkpoint_quarters=frozenset(
                q for q in QUARTERS if data.get(f"checkpoint_{q}") is not None
            ),
        )


class GoalStatusForm(VersionedFormMixin, forms.Form):
    """What contributors and owners may change on a goal: its status."""

    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)

    def __init__(self, *args, instance: Goal, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["status"] = instance.status


class DecisionForm(forms.Form):
    """Leadership's decision on a department part: approve, or return with a comment."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs to change before returning it."))
        return cleaned


def goal_conflict_rows(form: forms.BaseForm, current: Goal) -> list[ConflictRow]:
    """Field by field, what this person typed next to what the other person saved, both in
    the same words (choice labels, names, plain numbers) so that only real differences show."""
    saved_checkpoints = {c.quarter: c.planned_value for c in current.checkpoints.all()}
    rows = []
    for name, field in form.fields.items():
        if name in ("version", "change_reason"):
            continue
        yours = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if name.startswith("checkpoint_"):
            theirs = saved_checkpoints.get(int(name.rsplit("_", 1)[1]))
        elif Goal._meta.get_field(name).many_to_many:
            theirs = list(getattr(current, name).all())
        else:
            theirs = getattr(current, name)
        rows.append(ConflictRow(str(field.label), _shown(field, yours), _shown(field, theirs)))
    return rows


def _shown(field: forms.Field, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple | QuerySet):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, Decimal):
        return str(_plain(value))
    if isinstance(value, dt.date):
        return date_format(value)
    if isinstance(field, forms.ModelChoiceField) and hasattr(value, "get_full_name"):
        return _person_label(value)
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)
