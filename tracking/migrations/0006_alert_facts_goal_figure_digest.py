"""Alerts keep facts instead of a sentence (written per reader by tracking/alert_words.py);
`last_seen` becomes `changed_at` (a recompute that finds the same alert writes nothing);
goal figures get a per-goal fingerprint."""

import django.db.models.deletion
from django.db import migrations, models


def messages_to_facts(apps, schema_editor):
    """Alerts written before facts existed keep their sentence as it was."""
    Alert = apps.get_model("tracking", "Alert")
    for alert in Alert.objects.only("id", "message").iterator():
        Alert.objects.filter(pk=alert.pk).update(facts={"text": alert.message})


def facts_to_messages(apps, schema_editor):
    Alert = apps.get_model("tracking", "Alert")
    for alert in Alert.objects.only("id", "facts").iterator():
        text = (alert.facts or {}).get("text") or str(alert.facts)
        Alert.objects.filter(pk=alert.pk).update(message=text[:500])


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("tracking", "0005_measurement_lean_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="facts",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(messages_to_facts, facts_to_messages),
        migrations.RemoveField(model_name="alert", name="message"),
        migrations.RenameField(model_name="alert", old_name="last_seen", new_name="changed_at"),
        migrations.AlterField(
            model_name="alert",
            name="changed_at",
            field=models.DateTimeField(
                auto_now=True,
                help_text="When a recompute last opened, changed or resolved the alert.",
            ),
        ),
        migrations.CreateModel(
            name="GoalFigureDigest",
            fields=[
                (
                    "goal",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="figure_digest",
                        serialize=False,
                        to="planning.goal",
                    ),
                ),
                ("digest", models.BigIntegerField()),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="planning.plan",
                    ),
                ),
            ],
        ),
    ]
