import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from achievements.demo import seed_achievements, seed_demands, seed_service_records
from issues.models import Issue, IssueClass
from liaison.demo import DEMO_LOGINS, DUE_SOON_WORKING_DAYS, issue_summary, seed_demo
from notices.sweeps import catch_up_sweeps


class Command(BaseCommand):
    help = (
        "Build the launched scheme as demo data: 290 platforms, 89 cadres and their assignments, the launch's "
        "and this quarter's contacts, about 150 issues raised at them in every state, and one login per role; "
        "then the periodic jobs beat would have run on the recent working days (reminders, escalations, contact "
        "duties, the latest dispatch report), so the inboxes look as if the portal had been running. "
        "Safe to run again: it changes nothing the second time."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # The demo logins' passwords are in the repository: never on a production database.
            raise CommandError("seed_demo is for development only; it refuses to run with DJANGO_ENV=production.")
        started = time.monotonic()
        report = seed_demo()
        # Here rather than in liaison.demo: achievements are a room of their own, which liaison does not call.
        achievements = seed_achievements()
        demands = seed_demands()
        service_records = seed_service_records()
        # Here rather than in liaison.demo: the sweeps belong to issues, which liaison does not call.
        sweeps = catch_up_sweeps()
        elapsed = time.monotonic() - started

        for what in sorted(set(report.created) | set(report.updated)):
            created, updated = report.created.get(what, 0), report.updated.get(what, 0)
            if created or updated:
                self.stdout.write(f"  {what}: {created} created, {updated} updated")
        if achievements.created:
            self.stdout.write(f"  achievements: {achievements.created} created")
        if demands.demands:
            self.stdout.write(f"  technology demands: {demands.demands} created, {demands.matches} matches confirmed")
        if service_records.created:
            self.stdout.write(f"  service records: {service_records.created} created")
        for warning in [*report.warnings, *achievements.warnings, *demands.warnings, *service_records.warnings]:
            self.stdout.write(self.style.WARNING(f"  {warning}"))
        self._write_sweeps(sweeps)
        changed = report.changed_anything or achievements.created or demands.demands or service_records.created
        if changed or any(result.notifications or result.escalations for result in sweeps):
            self.stdout.write(self.style.SUCCESS(f"Demo data seeded in {elapsed:.1f}s."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Demo data already in place, nothing changed ({elapsed:.1f}s)."))

        self._write_issue_summary()
        self.stdout.write("\nDemo logins (sign in at /login/):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login['role']:<7} {login['username']:<13} {login['password']:<17} {login['sees']}")

    def _write_sweeps(self, sweeps):
        daily = [result for result in sweeps if result.sweep != "dispatch_report" and result.ran]
        sent = sum(len(result.notifications) for result in sweeps)
        escalated = sum(len(result.escalations) for result in sweeps)
        days = sorted({result.day for result in daily})
        if days:
            self.stdout.write(
                f"  sweeps caught up for {len(days)} working days ({days[0].isoformat()} to {days[-1].isoformat()}): "
                f"{sent} notifications, {escalated} escalations"
            )
        elif sent:
            self.stdout.write(f"  dispatch report: {sent} notifications")

    def _write_issue_summary(self):
        today = timezone.localdate()
        summary = issue_summary(today)
        statuses = Issue.Status.values
        labels = ["open", "handed over", "solution", "resolved"]
        widths = [max(len(label), 5) for label in labels]
        self.stdout.write(f"\nIssues by class and status (as of {today.isoformat()}):")
        self.stdout.write("  class  " + "  ".join(f"{label:>{w}}" for label, w in zip(labels, widths)) + "  total")
        totals = dict.fromkeys(statuses, 0)
        for klass in IssueClass.values:
            row = summary["by_class"][klass]
            for status in statuses:
                totals[status] += row[status]
            cells = "  ".join(f"{row[s]:>{w}}" for s, w in zip(statuses, widths))
            self.stdout.write(f"  {klass:<5}  {cells}  {sum(row.values()):>5}")
        cells = "  ".join(f"{totals[s]:>{w}}" for s, w in zip(statuses, widths))
        self.stdout.write(f"  {'all':<5}  {cells}  {sum(totals.values()):>5}")
        self.stdout.write(
            f"  open: {summary['overdue']} overdue, {summary['due_soon']} due within {DUE_SOON_WORKING_DAYS} working "
            f"days, {summary['provisional']} with a provisional due date; B-D closed: {summary['on_time']} on time, "
            f"{summary['late']} late; {summary['rated']} rated; {summary['extensions_pending']} extension requests "
            "pending."
        )
