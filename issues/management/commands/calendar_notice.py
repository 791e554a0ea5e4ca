import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from issues import calendar_import, holiday_notice
from issues.calendar import decode_upload


class Command(BaseCommand):
    help = _(
        "Read the State Council's holiday notice from FILE and print its days, one a line "
        "(YYYY-MM-DD holiday or YYYY-MM-DD workday); without --dry-run, load them and mark the year loaded, "
        "as the admin's notice page does."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("the notice as published, a text file (UTF-8 or GB18030); - reads stdin"))
        parser.add_argument("--dry-run", action="store_true", help=_("print the days only; change nothing"))
        parser.add_argument("--year", type=int, help=_("the notice's year, if the text has no title naming it"))
        parser.add_argument(
            "--by", metavar="USERNAME",
            help=_("the admin in whose name the days are entered (needed without --dry-run)"),
        )

    def handle(self, *args, file, dry_run, year, by, **options):
        text = self._read(file)
        parsed = holiday_notice.parse_notice(text, year=year)
        for day in parsed.days:
            self.stdout.write(f"{day.date.isoformat()} {day.kind}")
        if parsed.unread:
            for sentence in parsed.unread:
                self.stderr.write(calendar_import.unread_message(sentence))
            raise CommandError(
                _("%(count)d sentence(s) could not be read; nothing was loaded.") % {"count": len(parsed.unread)}
            )
        if not parsed.days:
            raise CommandError(_("No holidays found in %(file)s.") % {"file": file})
        if dry_run:
            return
        if not by:
            raise CommandError(_("Name the admin who loads the notice: --by USERNAME (or use --dry-run)."))
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user %(username)s.") % {"username": by})
        try:
            result = calendar_import.calendar_load_notice(text=text, year=year, by=user, dry_run=False)
        except PermissionDenied as error:
            raise CommandError(str(error) or _("Only an admin may change the working-day calendar."))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
        for move in result.moves:
            self.stderr.write(
                _("issue %(id)d: due %(before)s -> %(after)s%(final)s")
                % {
                    "id": move.issue_id,
                    "before": move.due_date_before or "-",
                    "after": move.due_date_after or "-",
                    "final": _(", no longer provisional") if move.stops_being_provisional else "",
                }
            )
        self.stderr.write(
            _("Loaded %(years)s (%(source)s): %(days)d days, %(moves)d open issues' due dates moved.")
            % {
                "years": ", ".join(str(y) for y in result.years_loaded),
                "source": result.source_note,
                "days": len(result.days),
                "moves": len(result.moves),
            }
        )

    def _read(self, file: str) -> str:
        if file == "-":
            return sys.stdin.read()
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror})
        try:
            return decode_upload(content)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
