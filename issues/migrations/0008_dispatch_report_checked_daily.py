"""The dispatch report's job runs every morning instead of on Mondays only, so that any frequency
(``PORTAL["DISPATCH_REPORT_FREQUENCY"]``: weekly, biweekly, monthly) is served without touching the
crontab: ``config.schedules`` written again to django-celery-beat's tables (``sync_schedules``
does the same on a deploy that runs it).
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
        ("issues", "0007_notifications_move_to_notices"),
        ("notices", "0002_periodic_tasks_moved"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing leaves the jobs in place: they are the admin's to change or disable.
    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
