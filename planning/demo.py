"""The demo users of the example plan (SPEC §7), one per role plus an outsider.

Shown on the login page in demo mode only (settings.DEMO_MODE, never with DEBUG=0)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

DEMO_PASSWORD = "demo-aop-2026"

# username, first name, last name, what they are in the example plan
DEMO_USERS = [
    ("ceo", "Clara", "Engel", _("Leadership (CEO)")),
    ("coo", "Oliver", "Brandt", _("Leadership (COO)")),
    ("sales", "Sofia", "Lange", _("Head of Sales")),
    ("marketing", "Max", "Keller", _("Head of Marketing")),
    ("product", "Paula", "Schmidt", _("Head of Product")),
    ("engineering", "Emil", "Vogel", _("Head of Engineering")),
    ("success", "Hanna", "Wolf", _("Head of Customer Success")),
    ("finance", "Felix", "Richter", _("Finance")),
    ("contributor", "Carla", "Neumann", _("Contributor in Sales")),
    ("viewer", "Viktor", "Braun", _("Viewer")),
    ("outsider", "Otto", "Fremd", _("No membership: sees no plan")),
]


def demo_users() -> list[dict]:
    """The demo users that exist in this database, for the login page."""
    existing = set(
        get_user_model()
        .objects.filter(username__in=[u for u, *_ in DEMO_USERS])
        .values_list("username", flat=True)
    )
    return [
        {"username": u, "name": f"{first} {last}", "role": role}
        for u, first, last, role in DEMO_USERS
        if u in existing
    ]
