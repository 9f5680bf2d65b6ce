"""`manage.py load_example_plan`: the demo users and the example plan of SPEC §7."""

from django.core.management.base import BaseCommand

from tracking.demo import load_example_plan


class Command(BaseCommand):
    help = "Load the example plan (SPEC §7) with one demo user per role. Idempotent."

    def handle(self, *args, **options):
        plan, created = load_example_plan()
        if created:
            self._recompute(plan)
            self.stdout.write(self.style.SUCCESS(f"Loaded the example plan “{plan.name}”."))
        else:
            self.stdout.write(f"The example plan “{plan.name}” is already loaded; nothing changed.")

    def _recompute(self, plan):
        try:
            from tracking.services.alerts import alerts_recompute
        except ImportError:  # alert jobs not installed in this build
            return
        alerts_recompute(plan_id=plan.pk)
