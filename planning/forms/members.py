"""Forms for the people of a plan and the plan's own settings (leadership only)."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planning.models import Membership, Plan


class MembershipForm(forms.Form):
    """Add a person (an existing user, by username or e-mail) to the plan with a role."""

    user = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        help_text=_("The person must already have an account (administrators create them)."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        help_text=_("Only for department heads and contributors."),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["department"].queryset = plan.departments.order_by("name")

    def clean_user(self):
        value = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(Q(username=value) | Q(email__iexact=value)).first()
        if user is None:
            raise forms.ValidationError(_("No account with this username or e-mail."))
        return user

    def clean(self):
        cleaned = super().clean()
        role, department = cleaned.get("role"), cleaned.get("department")
        if role in Membership.DEPARTMENT_ROLES and department is None:
            self.add_error("department", _("Department heads and contributors need a department."))
        if role and role not in Membership.DEPARTMENT_ROLES and department is not None:
            self.add_error("department", _("Only department heads and contributors have one."))
        user = cleaned.get("user")
        if user and role and self.plan.memberships.filter(user=user, role=role).exists():
            self.add_error("role", _("This person already has this role in the plan."))
        return cleaned


class PercentField(forms.DecimalField):
    """A share typed as a percentage (10 → 0.10)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=100, decimal_places=1, max_digits=4, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value <= 1 and not self.widget.is_hidden:
            return (value * 100).normalize()
        return value

    def clean(self, value):
        result = super().clean(value)
        return None if result is None else (result / 100).quantize(Decimal("0.001"))


class PlanSettingsForm(forms.ModelForm):
    behind_threshold = PercentField(
        label=_("Behind threshold (%)"),
        help_text=_("A goal is 'behind' when it is more than this far behind its plan."),
    )
    burn_threshold = PercentField(
        label=_("Burn threshold (%)"),
        help_text=_(
            "A department 'burns early' when it spent this share of its annual budget "
            "before the plan expected it."
        ),
    )

    class Meta:
        model = Plan
        fields = ["name", "currency", "behind_threshold", "burn_threshold"]

    def clean_currency(self):
        value = self.cleaned_data["currency"].strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise forms.ValidationError(_("Use a three-letter currency code such as USD or EUR."))
        return value
