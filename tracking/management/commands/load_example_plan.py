"""`manage.py load_example_plan`: the demo users and the example plan of SPEC §7."""

from django.core.management.base import BaseCommand

from tracking.demo import load_example_plan
from tracking.services.alerts import alerts_recompute


class Command(BaseCommand):
    help = "Load the example plan (SPEC §7) with one demo user per role. Idempotent."

    def handle(self, *args, **options):
        plan, created = load_example_plan()
        if not created:
            self.stdout.write(f"The example plan “{plan.name}” is already loaded; nothing changed.")
            return
        counts = alerts_recompute(plan_id=plan.pk)
        self.stdout.write(self.style.SUCCESS(f"Loaded the example plan “{plan.name}”."))
        self.stdout.write(f"Alerts computed: {counts}")
