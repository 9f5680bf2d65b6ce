"""Figures of goals that are no longer evaluated (dropped ones) are now deleted by the goals
whose figure fingerprint is stored (GoalFigureDigest); figures stored before fingerprints
existed have none, so those of goals already dropped are deleted here, once."""

from django.db import migrations

EVALUATED = ("active", "achieved")  # tracking.services.alerts.FIGURE_GOAL_STATUSES


def drop_figures_of_goals_not_evaluated(apps, schema_editor):
    Goal = apps.get_model("planning", "Goal")
    not_evaluated = Goal.objects.exclude(status__in=EVALUATED).values("id")
    for name in ("GoalFigure", "GoalFigureDigest"):
        apps.get_model("tracking", name).objects.filter(goal__in=not_evaluated).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0008_measurement_user_checked_by_django"),
        ("planning", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_figures_of_goals_not_evaluated, migrations.RunPython.noop),
    ]
