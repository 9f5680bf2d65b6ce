"""Forms of the resource inventory: the filter and the requirement form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from planning.models import Goal, Initiative, Plan, ResourceRequirement
from planning.permissions import PlanAccess

NOT_NEGATIVE = _("Cannot be negative: enter 0 or more.")


class ResourceFilterForm(forms.Form):
    """`?goal=`, `?initiative=` or `?department=`: whose requirements to show (else all)."""

    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, empty_label=_("All departments")
    )
    goal = forms.ModelChoiceField(
        label=_("Goal"), queryset=None, required=False, empty_label=_("All goals")
    )
    initiative = forms.ModelChoiceField(
        label=_("Initiative"), queryset=None, required=False, empty_label=_("All initiatives")
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = plan.departments.order_by("name")
        self.fields["goal"].queryset = plan.goals.order_by("title")
        self.fields["initiative"].queryset = plan.initiatives.order_by("title")

    def filters(self) -> dict:
        """Keyword filters for the selector; an unknown id shows the whole plan."""
        if not self.is_valid():
            return {}
        for name in ("goal", "initiative", "department"):
            if self.cleaned_data.get(name) is not None:
                return {name: self.cleaned_data[name]}
        return {}


class ResourceRequirementForm(forms.ModelForm):
    """What one goal or initiative needs. `subject` offers only the goals and initiatives this
    person may write to, as `goal:<id>` or `initiative:<id>`."""

    subject = forms.ChoiceField(
        label=_("For"),
        error_messages={"required": _("Choose the goal or initiative that needs this.")},
    )

    class Meta:
        model = ResourceRequirement
        fields = ["category", "description", "needed", "available", "cost", "urgent", "important"]
        labels = {"available": _("Available now")}
        help_texts = {
            "description": _("What is needed, e.g. “Enterprise account executives”."),
            "needed": _("How many or how much is needed, in the unit of the description."),
            "available": _("How many or how much exists today."),
            "cost": _("What closing the gap costs, in the plan currency."),
            "urgent": _("Must be solved soon (the goal or initiative waits for it)."),
            "important": _("Matters for reaching the goal."),
        }
        error_messages = {
            "description": {"required": _("Say what is needed.")},
            "needed": {"min_value": NOT_NEGATIVE},
            "available": {"min_value": NOT_NEGATIVE},
            "cost": {"min_value": NOT_NEGATIVE},
        }

    def __init__(self, *args, plan: Plan, access: PlanAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        goals, initiatives = plan.goals.order_by("title"), plan.initiatives.order_by("title")
        writable = access.writable_department_ids()
        if writable is not None:
            goals = goals.filter(department_id__in=writable)
            initiatives = initiatives.filter(department_id__in=writable)
        self._subjects = {f"goal:{g.pk}": g for g in goals.select_related("department")}
        self._subjects |= {f"initiative:{i.pk}": i for i in initiatives}
        self.fields["subject"].choices = [
            ("", "—"),
            (_("Goals"), [(k, str(v)) for k, v in self._subjects.items() if k[0] == "g"]),
            (_("Initiatives"), [(k, str(v)) for k, v in self._subjects.items() if k[0] == "i"]),
        ]
        for name in ("needed", "available", "cost"):
            self.fields[name].widget.attrs.update({"min": 0, "step": "any", "class": "num"})
        self.fields["description"].widget.attrs["autofocus"] = True
        self.order_fields(["subject"])
        if self.instance.pk and not self.is_bound:
            subject = self.instance.goal or self.instance.initiative
            self.initial["subject"] = subject_key(subject)

    def clean_subject(self):
        return self._subjects[self.cleaned_data["subject"]]

    def changes(self) -> dict:
        """Cleaned values named like the model's fields (goal and initiative from `subject`)."""
        subject = self.cleaned_data["subject"]
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["goal"] = subject if isinstance(subject, Goal) else None
        values["initiative"] = subject if isinstance(subject, Initiative) else None
        return values


def subject_key(subject: Goal | Initiative | None) -> str:
    if subject is None:
        return ""
    return f"{'goal' if isinstance(subject, Goal) else 'initiative'}:{subject.pk}"


class FlagsForm(forms.Form):
    """Move a gap between quadrants: set urgent and/or important (absent = unchanged)."""

    urgent = forms.NullBooleanField(required=False)
    important = forms.NullBooleanField(required=False)
