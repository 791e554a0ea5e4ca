"""The supervision sweep joins beat's jobs: ``config.schedules`` written again to
django-celery-beat's tables (idempotent; the jobs already there are left as the admin set them)."""

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
        ("issues", "0009_supervision"),
        ("notices", "0002_periodic_tasks_moved"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing leaves the job in place: it is the admin's to delete or disable.
    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
