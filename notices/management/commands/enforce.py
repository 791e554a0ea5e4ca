import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.schedules import SWEEP_TIME
from notices import delivery, registry


class Command(BaseCommand):
    help = _(
        "Run the enforcement sweeps now, or as if at --at: deadline reminders and escalations, contact duties, "
        "stale achievements and the periodic dispatch report. Prints what is sent, or with --dry-run what would be."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help=_("the moment to run as of, ISO 8601 (e.g. 2026-05-15T09:00); Asia/Shanghai unless a zone is "
                   "given; a date alone means the sweeps' time that day"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("write nothing and send nothing"))
        parser.add_argument(
            "--only", action="append", choices=sorted(sweep.name for sweep in registry.sweeps()), help=_("run only this sweep (repeatable)")
        )
        parser.add_argument(
            "--deliver", action="store_true",
            help=_("also e-mail the pending notifications now, in this process, instead of leaving them to the worker"),
        )

    def handle(self, *args, at=None, dry_run=False, only=None, deliver=False, **options):
        now = self._moment(at) if at else timezone.now()
        local = timezone.localtime(now)
        self.stdout.write(_("As of %(moment)s (%(zone)s).") % {"moment": local.strftime("%Y-%m-%d %H:%M"),
                                                               "zone": timezone.get_current_timezone_name()})
        if dry_run:
            self.stdout.write(_("Dry run: nothing is written and nothing is sent."))
        # Whole sentences per mode, so that each translates as a sentence.
        if dry_run:
            sent = _("would send %(kind)s (%(code)s) -> %(recipient)s: %(subject)s  [%(key)s]")
        else:
            sent = _("sent %(kind)s (%(code)s) -> %(recipient)s: %(subject)s  [%(key)s]")
        total = 0
        for sweep in registry.sweeps():
            if only and sweep.name not in only:
                continue
            result = sweep.run(now=now, dry_run=dry_run)
            self.stdout.write(f"{sweep.name} ({result.day.isoformat()}):")
            if result.note:
                self.stdout.write("  " + result.note)
            for line in result.lines:
                self.stdout.write("  " + line)
            for item in result.notifications:
                self.stdout.write("  " + sent % {
                    "kind": registry.kind_label(item.kind), "code": item.kind, "recipient": item.recipient_label,
                    "subject": item.subject, "key": item.key})
            if result.ran and not result.notifications and not result.lines:
                self.stdout.write("  " + _("nothing due"))
            total += len(result.notifications)
        if dry_run:
            summary = ngettext("Would send %(count)d notification.", "Would send %(count)d notifications.", total)
        else:
            summary = ngettext("Sent %(count)d notification.", "Sent %(count)d notifications.", total)
        self.stdout.write(summary % {"count": total})
        if deliver and not dry_run:
            delivered = delivery.deliver_pending()
            self.stdout.write(_("E-mailed %(sent)d, skipped %(skipped)d without an address, %(failed)d failed.") % {
                "sent": len(delivered.sent), "skipped": len(delivered.skipped), "failed": len(delivered.failed)})

    @staticmethod
    def _moment(text: str) -> datetime.datetime:
        try:
            if len(text) == 10:
                moment = datetime.datetime.combine(datetime.date.fromisoformat(text), SWEEP_TIME)
            else:
                moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise CommandError(_("%(text)s is not an ISO date or date and time, e.g. 2026-05-15T09:00.") % {"text": text})
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
