"""Who belongs to a plan, and the plan's settings. Leadership only (checked by the views)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planning.models import Department, Membership, Plan
from planning.services.notifications import notifications_write


@transaction.atomic
def membership_add(
    *, plan: Plan, user, role: str, department: Department | None, added_by
) -> Membership:
    membership = Membership(user=user, plan=plan, role=role, department=department)
    membership.full_clean()
    membership.save()
    notifications_write(
        plan_id=plan.pk,
        users=[user],
        words=lambda: (
            _("%(who)s added you to %(plan)s as %(role)s.")
            % {
                "who": added_by.get_full_name() or added_by.username,
                "plan": plan.name,
                "role": membership.get_role_display(),  # in the new member's language
            }
        ),
        url=plan.get_absolute_url(),
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a role; the plan always keeps at least one leadership member."""
    plan = Plan.objects.select_for_update().get(pk=membership.plan_id)
    if membership.role == Membership.Role.LEADERSHIP:
        leaders = plan.memberships.filter(role=Membership.Role.LEADERSHIP).count()
        if leaders <= 1:
            raise ValidationError(_("A plan needs at least one person in leadership."))
    membership.delete()
