"""The keys that make a retried request answer as the first did (``notices.idempotency``), and the
daily job that forgets them after a day (``config.schedules``, written again to beat's tables)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def apply_schedules(apps, schema_editor):
    from config.schedules import apply_schedules

    apply_schedules(
        PeriodicTask=apps.get_model("django_celery_beat", "PeriodicTask"),
        CrontabSchedule=apps.get_model("django_celery_beat", "CrontabSchedule"),
        PeriodicTasks=apps.get_model("django_celery_beat", "PeriodicTasks"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0003_notification_address'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=255, verbose_name='key')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='request fingerprint')),
                ('status', models.PositiveSmallIntegerField(verbose_name='response status')),
                ('body', models.JSONField(blank=True, null=True, verbose_name='response body')),
                ('location', models.CharField(blank=True, max_length=500, verbose_name='location')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created at')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'idempotency key',
                'verbose_name_plural': 'idempotency keys',
                'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='idempotencykey_one_per_user_and_key')],
            },
        ),
        # Reversing leaves the job in place: it is the admin's to delete or disable.
        migrations.RunPython(apply_schedules, migrations.RunPython.noop),
    ]
