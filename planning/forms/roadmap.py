"""Forms of the department roadmap: initiatives, their status, dependencies and milestones."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from planning.concurrency import VersionedFormMixin
from planning.models import Goal, Initiative, Milestone, Plan
from planning.permissions import PlanAccess

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        where = obj.department.name if obj.department_id else _("Company")
        return f"{obj.title} ({where})"


def plan_members(plan: Plan):
    """People with a role in the plan: the only ones who can own its initiatives."""
    return (
        get_user_model()
        .objects.filter(memberships__plan=plan)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _check_inside_year(plan: Plan, day, message):
    if day is not None and not plan.contains(day):
        raise forms.ValidationError(
            message,
            params={
                "start": date_format(plan.start, "j M Y"),
                "end": date_format(plan.end, "j M Y"),
            },
            code="outside_plan_year",
        )
    return day


class InitiativeForm(VersionedFormMixin, forms.ModelForm):
    """Create or edit an initiative. Departments offered are those the person may edit;
    dependencies may point at initiatives of any department of the plan."""

    goal = GoalChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        label=_("Goal"),
        help_text=_("The goal of the plan this initiative serves (optional)."),
    )
    owner = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        label=_("Owner"),
        help_text=_("One accountable person, a member of the plan."),
    )
    depends_on = forms.ModelMultipleChoiceField(
        queryset=Initiative.objects.none(),
        required=False,
        label=_("Depends on"),
        widget=forms.MultipleHiddenInput,
    )

    class Meta:
        model = Initiative
        fields = [
            "title",
            "description",
            "goal",
            "department",
            "owner",
            "start",
            "estimate_days",
            "buffer_pct",
            "status",
            "depends_on",
        ]
        widgets = {"start": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 3})}
        labels = {"department": _("Department")}
        help_texts = {
            "estimate_days": _("Your first estimate of the work, in calendar days."),
            "buffer_pct": _("Added on top of the estimate; the method advises 30–50 %."),
        }
        error_messages = {
            "estimate_days": {"min_value": _("The estimate must be at least one day.")},
            "buffer_pct": {
                "min_value": _("A buffer cannot be negative."),
                "max_value": _("A buffer can be at most 200 %%."),
            },
        }

    def __init__(self, *args, plan: Plan, access: PlanAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        if not self.instance.pk:
            del self.fields["version"]
        writable = access.writable_department_ids()
        departments = plan.departments.order_by("name")
        if writable is not None:
            departments = departments.filter(pk__in=writable)
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = None
        self.fields["goal"].empty_label = _("— no goal —")
        self.fields["goal"].queryset = plan.goals.select_related("department").order_by(
            "department__name", "title"
        )
        self.fields["owner"].queryset = plan_members(plan)
        others = plan.initiatives.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["depends_on"].queryset = others
        self.fields["depends_on"].error_messages["invalid_choice"] = _(
            "Pick dependencies from the search results of this plan."
        )

    def clean_start(self):
        return _check_inside_year(
            self.plan,
            self.cleaned_data.get("start"),
            _("The start must lie inside the plan year (%(start)s – %(end)s)."),
        )

    def selected_dependencies(self) -> list[Initiative]:
        """The dependencies to show as chips: what was typed (bound) or stored (initial)."""
        ids = [str(v) for v in (self["depends_on"].value() or []) if str(v).isdigit()]
        if not ids:
            return []
        return list(
            self.plan.initiatives.filter(pk__in=ids).select_related("department").order_by("title")
        )

    def planned_end(self):
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        start = data.get("start", self.instance.start)
        estimate = data.get("estimate_days", self.instance.estimate_days)
        buffer_pct = data.get("buffer_pct", self.instance.buffer_pct)
        if start and estimate and buffer_pct is not None:
            return Initiative.compute_planned_end(start, estimate, buffer_pct)
        return None


class PlannedEndForm(forms.Form):
    """What the initiative form's live preview reads: start, estimate and buffer."""

    start = forms.DateField()
    estimate_days = forms.IntegerField(min_value=1)
    buffer_pct = forms.IntegerField(min_value=0, max_value=200)


class InitiativeStatusForm(VersionedFormMixin, forms.Form):
    """Only the status: what contributors and owners may change."""

    status = forms.ChoiceField(label=_("Status"), choices=Initiative.Status.choices)

    def __init__(self, *args, instance: Initiative, **kwargs):
        self.instance = instance
        kwargs.setdefault("initial", {"status": instance.status})
        super().__init__(*args, **kwargs)


class DependencyForm(forms.Form):
    depends_on = forms.ModelChoiceField(
        queryset=Initiative.objects.none(),
        error_messages={"invalid_choice": _("Pick an initiative of this plan from the search.")},
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depends_on"].queryset = plan.initiatives.select_related("department")


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date"]
        widgets = {"due_date": DATE_INPUT}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_due_date(self):
        return _check_inside_year(
            self.plan,
            self.cleaned_data.get("due_date"),
            _("The due date must lie inside the plan year (%(start)s – %(end)s)."),
        )


class MilestoneDoneForm(forms.Form):
    done = forms.BooleanField(required=False)
