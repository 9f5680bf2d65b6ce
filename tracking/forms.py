"""Forms of the tracking area: the KPI editor and the month grids' submissions.

Numbers are read with `tracking.cells.parse_value` in the separator of the person's language,
so "1.234,5" works in German and "1,234.5" in English, in every form and grid alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext_lazy as _

from planning.concurrency import ConflictRow, VersionedFormMixin
from planning.models import Goal, Plan
from planning.permissions import PlanAccess
from tracking.cells import (
    MEASUREMENT_RULES,
    CellError,
    NumberRules,
    format_value,
    parse_value,
)
from tracking.models import Kpi

PERCENT_RULES = NumberRules(max_digits=5, decimal_places=1, allow_negative=False)
HUNDRED = Decimal(100)


def decimal_separator() -> str:
    """The decimal separator of the active language ('.' in English, ',' in German)."""
    return get_format("DECIMAL_SEPARATOR")


def show_number(value: Decimal | None) -> str:
    """A stored number as it is shown in an input, in the active language."""
    return format_value(value, decimal_separator=decimal_separator())


class NumberField(forms.CharField):
    """A number typed as text: thousands separators, the language's decimal separator and a
    trailing % are accepted; the message says how to write it otherwise."""

    def __init__(self, *, rules: NumberRules = MEASUREMENT_RULES, **kwargs):
        self.rules = rules
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value):
        return show_number(value) if isinstance(value, Decimal) else value

    def to_python(self, value):
        try:
            return parse_value(value, rules=self.rules, decimal_separator=decimal_separator())
        except CellError as error:
            raise forms.ValidationError(error.message, code="invalid") from error


class KpiForm(VersionedFormMixin, forms.ModelForm):
    """A KPI: what is measured, how it should move, its alert thresholds (as percentages of the
    month's target) and one target per plan month."""

    warning_pct = NumberField(
        rules=PERCENT_RULES,
        required=True,
        label=_("Warning threshold (%)"),
        help_text=_("Warn when a month's value falls short of its target by more than this."),
    )
    critical_pct = NumberField(
        rules=PERCENT_RULES,
        required=True,
        label=_("Critical threshold (%)"),
        help_text=_("Critical when it falls short by more than this; at least the warning."),
    )

    class Meta:
        model = Kpi
        fields = ["department", "goal", "code", "name", "unit", "direction", "source"]
        labels = {"department": _("Department"), "goal": _("Goal")}
        help_texts = {
            "goal": _("Optional: the goal this KPI shows progress on."),
            "unit": _("For example %, days, USD or leads."),
        }

    def __init__(self, *args, plan: Plan, access: PlanAccess, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["version"]  # a new KPI has no earlier version to conflict with
        self.plan, self.access = plan, access
        self.months = plan.month_starts()
        writable = access.writable_department_ids()
        departments = plan.departments.order_by("name")
        if writable is not None:
            departments = departments.filter(pk__in=writable)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = None
        goals = Goal.objects.filter(plan=plan).select_related("department")
        self.fields["goal"].queryset = goals.order_by("department__name", "title")
        self.fields["goal"].label_from_instance = _goal_label
        self.fields["goal"].empty_label = _("No goal")
        self._add_target_fields()
        if not self.is_bound:
            self._initial_from_instance()

    def _add_target_fields(self) -> None:
        for index, month in enumerate(self.months, start=1):
            self.fields[f"target_{index}"] = NumberField(
                label=_("Target %(month)s") % {"month": date_format(month, "M Y")},
            )

    def _initial_from_instance(self) -> None:
        kpi = self.instance
        # A new KPI carries the model's float defaults; stored ones are Decimals.
        self.initial["warning_pct"] = Decimal(str(kpi.warning_threshold)) * HUNDRED
        self.initial["critical_pct"] = Decimal(str(kpi.critical_threshold)) * HUNDRED
        if kpi.pk:
            targets = {t.month: t.target for t in kpi.targets.all()}
            for index, month in enumerate(self.months, start=1):
                self.initial[f"target_{index}"] = targets.get(month)

    @property
    def target_fields(self) -> list[tuple]:
        """(month, bound field) for the row of twelve target cells."""
        return [(m, self[f"target_{i}"]) for i, m in enumerate(self.months, start=1)]

    def clean_code(self):
        code = self.cleaned_data["code"]
        others = Kpi.objects.filter(plan=self.plan, code=code).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another KPI of this plan already has this code."))
        return code

    def clean(self):
        data = super().clean()
        warning, critical = data.get("warning_pct"), data.get("critical_pct")
        if warning is not None and critical is not None and critical < warning:
            self.add_error(
                "critical_pct", _("The critical threshold must be at least the warning one.")
            )
        goal, department = data.get("goal"), data.get("department")
        if goal and department and goal.department_id not in (None, department.pk):
            self.add_error("goal", _("Choose a goal of this department or a company goal."))
        return data

    def conflict_with(self, current: Kpi) -> list[ConflictRow]:
        """This person's typing next to what the other person saved, field by field; the form
        then starts from their version, so saving again keeps this person's values."""
        theirs = KpiForm(plan=self.plan, access=self.access, instance=current)
        rows = [
            ConflictRow(
                str(field.label),
                _shown(field, self.cleaned_data.get(name)),
                _shown(field, theirs.initial.get(name)),
            )
            for name, field in self.fields.items()
            if name != "version"
        ]
        # Twelve equal target rows would hide the difference: keep the targets that differ.
        target_labels = {str(field.label) for _month, field in self.target_fields}
        self.data = self.data.copy()
        self.data["version"] = current.version
        return [r for r in rows if r.label not in target_labels or r.differs]

    def _post_clean(self):
        # The row is written by the service (tracking.services.kpis), not by the model form.
        pass

    def kpi_fields(self) -> dict:
        """The KPI's fields for the service, thresholds as shares (5 % → 0.05)."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["warning_threshold"] = self.cleaned_data["warning_pct"] / HUNDRED
        data["critical_threshold"] = self.cleaned_data["critical_pct"] / HUNDRED
        return data

    def targets(self) -> dict:
        """Month → target (None where the cell was left empty)."""
        return {m: self.cleaned_data.get(f"target_{i}") for i, m in enumerate(self.months, 1)}


def _shown(field: forms.Field, value) -> str:
    """A form value as a person reads it: labels for choices, numbers in their language."""
    if value is None or value == "":
        return ""
    if isinstance(field, forms.ModelChoiceField):
        return str(field.to_python(value))
    if isinstance(value, Decimal):
        return show_number(value)
    return str(dict(getattr(field, "choices", ())).get(value, value))


def _goal_label(goal: Goal) -> str:
    where = goal.department.name if goal.department_id else _("Company")
    return f"{goal.title} ({where})"


@dataclass(frozen=True)
class TypedCell:
    """A cell of a month grid as posted: the text in the input, the version of the stored value
    and the text the input showed when the page was built."""

    key: str
    raw: str
    version: int
    original: str

    @property
    def changed(self) -> bool:
        return self.raw.strip() != self.original.strip()


class MonthGridForm:
    """The cells of a month grid the person changed, read from a POST.

    Each editable cell is an input `cell.<key>`; one hidden field `grid_state` holds, per key,
    the version and the text the page showed ({key: [version, text]}). A cell counts as changed
    when its text differs from what the page showed. The page's script sends only the changed
    inputs; without it every input arrives and unchanged ones are skipped here."""

    PREFIX = "cell."
    STATE = "grid_state"

    def __init__(self, data):
        self.data = data
        self.state = _read_state(data.get(self.STATE, ""))

    def typed_cells(self) -> dict[str, TypedCell]:
        """Every cell that changed, by key."""
        cells = {}
        for name, raw in self.data.items():
            if not name.startswith(self.PREFIX):
                continue
            key = name[len(self.PREFIX) :]
            version, original = self.state.get(key, (0, ""))
            cell = TypedCell(key=key, raw=raw, version=version, original=original)
            if cell.changed:
                cells[key] = cell
        return cells


def _read_state(text: str) -> dict[str, tuple[int, str]]:
    try:
        raw = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    state = {}
    for key, value in raw.items():
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
            state[str(key)] = (value[0], str(value[1]))
    return state
