"""Comments can be corrected and deleted by their author: a version for conflicts, when it was
edited, and history — started here for the comments already written, so that their first
wording is kept when they are edited."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def first_history(apps, schema_editor):
    Comment = apps.get_model("planning", "Comment")
    History = apps.get_model("planning", "HistoricalComment")
    fields = ["id", "version", "text", "created_at", "edited_at", "author_id", "goal_id"]
    fields += ["initiative_id", "plan_id"]
    History.objects.bulk_create(
        (
            History(
                **{name: getattr(comment, name) for name in fields},
                history_date=comment.created_at,
                history_type="+",
                history_user_id=comment.author_id,
            )
            for comment in Comment.objects.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="edited_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="edited"),
        ),
        migrations.AddField(
            model_name="comment",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.CreateModel(
            name="HistoricalComment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("text", models.TextField(max_length=5000, verbose_name="text")),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("edited_at", models.DateTimeField(blank=True, null=True, verbose_name="edited")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "goal",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="planning.goal",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "initiative",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="planning.initiative",
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="planning.plan",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical comment",
                "verbose_name_plural": "historical comments",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(first_history, migrations.RunPython.noop),
    ]
