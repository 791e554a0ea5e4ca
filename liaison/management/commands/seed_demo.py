import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liaison.demo import DEMO_LOGINS, seed_demo


class Command(BaseCommand):
    help = (
        "Build the launched scheme as demo data: 290 platforms, 89 cadres and their assignments, this "
        "quarter's contacts and one login per role. Safe to run again: it changes nothing the second time."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # The demo logins' passwords are in the repository: never on a production database.
            raise CommandError("seed_demo is for development only; it refuses to run with DJANGO_ENV=production.")
        started = time.monotonic()
        report = seed_demo()
        elapsed = time.monotonic() - started

        for what in sorted(set(report.created) | set(report.updated)):
            created, updated = report.created.get(what, 0), report.updated.get(what, 0)
            if created or updated:
                self.stdout.write(f"  {what}: {created} created, {updated} updated")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"  {warning}"))
        if report.changed_anything:
            self.stdout.write(self.style.SUCCESS(f"Demo data seeded in {elapsed:.1f}s."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Demo data already in place, nothing changed ({elapsed:.1f}s)."))

        self.stdout.write("\nDemo logins (sign in at /login/):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login['role']:<7} {login['username']:<13} {login['password']:<17} {login['sees']}")
