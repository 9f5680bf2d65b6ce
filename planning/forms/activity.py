"""The activity page's filter: department and kind of change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from planning import activity
from planning.models import Plan


class ActivityFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, empty_label=_("All departments")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = plan.departments.order_by("name")
        self.fields["kind"].choices = [("", _("Everything")), *activity.kinds()]

    def filters(self) -> dict:
        """`department_id` and `kind` for `activity.events_query`; unknown values are ignored."""
        if not self.is_valid():
            return {}
        department = self.cleaned_data.get("department")
        return {
            "department_id": department.pk if department else None,
            "kind": self.cleaned_data.get("kind") or None,
        }
