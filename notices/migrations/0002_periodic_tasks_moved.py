"""Beat's jobs follow their tasks to their rooms (contact duties to ``liaison.tasks``, delivery to
``notices.tasks``), and the achievements' stale-stage sweep is added: ``config.schedules`` written
again to django-celery-beat's tables, so no row keeps a task name that no longer exists.
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
        ("notices", "0001_initial"),
        ("issues", "0003_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing leaves the jobs in place: they are the admin's to delete or disable.
    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
