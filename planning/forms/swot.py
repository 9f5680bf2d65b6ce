"""Forms of the SWOT board: which entries to show, and the entry form (inline on the board)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from planning.concurrency import VersionedFormMixin, conflict_rows
from planning.models import Goal, Plan, SwotEntry
from planning.permissions import PlanAccess
from planning.services.swot import COMPANY, SwotScope


class SwotFilterForm(forms.Form):
    """`?department=` empty (all entries), `company` (company-wide only) or a department id."""

    department = forms.ChoiceField(label=_("Show"), required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {str(d.pk): d for d in plan.departments.order_by("name")}
        self.fields["department"].choices = [
            ("", _("All entries")),
            (COMPANY, _("Company-wide")),
            *((pk, d.name) for pk, d in self.departments.items()),
        ]

    def scope(self) -> SwotScope:
        """The chosen scope; an unknown value shows everything rather than an error."""
        value = self.cleaned_data.get("department", "") if self.is_valid() else ""
        if value == COMPANY:
            return SwotScope(company_only=True)
        return SwotScope(department=self.departments.get(value))


class SwotEntryForm(forms.ModelForm):
    """A new entry. Department choices are the ones this person may write to; leadership may
    leave it empty for a company-wide entry."""

    impact = forms.IntegerField(
        label=_("Impact"),
        min_value=1,
        max_value=5,
        initial=3,
        help_text=_("1 = small, 5 = very large."),
        error_messages={
            "min_value": _("Impact runs from 1 (small) to 5 (very large)."),
            "max_value": _("Impact runs from 1 (small) to 5 (very large)."),
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": 5, "step": 1}),
    )
    goals = forms.ModelMultipleChoiceField(
        label=_("Answered by goals"),
        queryset=Goal.objects.none(),
        required=False,
        help_text=_("The goals that respond to this entry. Hold Ctrl (⌘) to pick several."),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    class Meta:
        model = SwotEntry
        fields = ["kind", "department", "title", "evidence", "impact", "goals"]
        labels = {"department": _("Department")}
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"evidence": _("A figure and its source, e.g. “NPS 54 (survey, May)”.")}
        error_messages = {
            "title": {"required": _("Give the entry a short title.")},
        }

    def __init__(self, *args, plan: Plan, access: PlanAccess, **kwargs):
        super().__init__(*args, **kwargs)
        departments = plan.departments.order_by("name")
        writable = access.writable_department_ids()
        if writable is not None:
            departments = departments.filter(pk__in=writable)
        field = self.fields["department"]
        field.queryset = departments
        field.required = not access.is_leadership
        field.empty_label = _("Company-wide") if access.is_leadership else None
        field.help_text = (
            _("Leave as company-wide, or choose the department it concerns.")
            if access.is_leadership
            else ""
        )
        self.fields["goals"].queryset = plan.goals.order_by("department__name", "title")
        self.fields["title"].widget.attrs.update(
            {"maxlength": 200, "autocomplete": "off", "autofocus": True}
        )
        if self.instance.pk and not self.is_bound:
            self.initial["goals"] = [g.pk for g in self.instance.goals.all()]

    def changes(self) -> dict:
        """The cleaned values, named like the model's fields."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SwotEntryEditForm(VersionedFormMixin, SwotEntryForm):
    """An existing entry; carries the version the edit started from."""


def swot_conflict_rows(form: SwotEntryForm, current: SwotEntry):
    """Side-by-side rows, with the kind shown as its name on both sides."""
    rows = conflict_rows(form, current)
    kinds = dict(SwotEntry.Kind.choices)
    kind_label = str(form.fields["kind"].label)
    for row in rows:
        if row.label == kind_label and row.yours in kinds:
            row.yours = str(kinds[row.yours])
    return rows
