"""Write the periodic jobs of ``config.schedules`` to django-celery-beat's tables.

The definitions live in ``config.schedules`` (``issues.schedules`` when this was written); this runs them once on a fresh database.
``manage.py sync_schedules`` applies them again after they change (idempotent).
"""

from django.db import migrations


def apply(apps, schema_editor):
    from config.schedules import apply_schedules

    apply_schedules(
        PeriodicTask=apps.get_model("django_celery_beat", "PeriodicTask"),
        CrontabSchedule=apps.get_model("django_celery_beat", "CrontabSchedule"),
        PeriodicTasks=apps.get_model("django_celery_beat", "PeriodicTasks"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("issues", "0002_notifications_and_escalation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing leaves the jobs in place: they are the admin's to delete or disable.
    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
