"""The notification machinery moves to its own room, ``notices``, keeping its tables.

Before the move, here: a notification's foreign keys to what it concerns (issue, assignment,
platform, report) become one ``topic`` ("issue:42", "platform:7", "report:3"), filled from them;
the kinds are no longer a fixed list (each room registers its own). Then the three models leave
this app's state without touching the database; ``notices.0001_initial`` takes them over.
"""

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat


def fill_topics(apps, schema_editor):
    Notification = apps.get_model("issues", "Notification")
    unset = Notification.objects.filter(topic="")
    # What the inbox linked to, in its order: the issue, else the platform, else the assignment's platform.
    unset.filter(issue__isnull=False).update(topic=Concat(Value("issue:"), Cast("issue_id", CharField())))
    unset.filter(platform__isnull=False).update(topic=Concat(Value("platform:"), Cast("platform_id", CharField())))
    for row in unset.filter(assignment__isnull=False).select_related("assignment").iterator():
        row.topic = f"platform:{row.assignment.platform_id}"
        row.save(update_fields=["topic"])
    unset.filter(report__isnull=False).update(topic=Concat(Value("report:"), Cast("report_id", CharField())))


def fill_foreign_keys(apps, schema_editor):
    Notification = apps.get_model("issues", "Notification")
    for name in ("issue", "platform", "report"):
        for row in Notification.objects.filter(topic__startswith=f"{name}:").iterator():
            setattr(row, f"{name}_id", int(row.topic.partition(":")[2]))
            row.save(update_fields=[f"{name}_id"])


class Migration(migrations.Migration):

    dependencies = [
        ("issues", "0006_lead_unit_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="topic",
            field=models.CharField(blank=True, db_index=True, default="", max_length=60, verbose_name="about"),
        ),
        migrations.RunPython(fill_topics, fill_foreign_keys),
        migrations.RemoveConstraint(model_name="notification", name="notification_kind_valid"),
        migrations.RemoveField(model_name="notification", name="issue"),
        migrations.RemoveField(model_name="notification", name="assignment"),
        migrations.RemoveField(model_name="notification", name="platform"),
        migrations.RemoveField(model_name="notification", name="report"),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(max_length=40, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="sweeprun",
            name="kind",
            field=models.CharField(max_length=40, verbose_name="kind"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationPreference"),
                migrations.DeleteModel(name="SweepRun"),
            ],
            database_operations=[],
        ),
    ]
