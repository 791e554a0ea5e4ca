from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from config.schedules import apply_schedules


class Command(BaseCommand):
    help = _("Write the periodic jobs defined in config/schedules.py to Celery beat's tables (idempotent).")

    def handle(self, *args, **options):
        for name, outcome in apply_schedules():
            self.stdout.write(f"{name} -> {outcome}")
