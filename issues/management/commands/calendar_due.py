import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from issues.calendar import load_calendar

#: The longest count, either way: about ten years of working days, far beyond any deadline. An
#: absurd count otherwise walks day by day for millions of days before failing.
MAX_WORKING_DAYS = 2500


class Command(BaseCommand):
    help = _("Print the Nth working day after a date (the date itself not counted), and whether it is provisional.")

    def add_arguments(self, parser):
        parser.add_argument("date", help=_("the start date, YYYY-MM-DD"))
        parser.add_argument("n", type=int, help=_("how many working days after it"))

    def handle(self, *args, date, n, **options):
        try:
            start = datetime.date.fromisoformat(date)
        except ValueError:
            raise CommandError(_("%(date)s is not a date; write YYYY-MM-DD.") % {"date": date})
        if abs(n) > MAX_WORKING_DAYS:
            raise CommandError(
                _("%(n)d working days is too many: count at most %(max)d, forwards or backwards.")
                % {"n": n, "max": MAX_WORKING_DAYS}
            )
        calendar = load_calendar()
        try:
            due, provisional = calendar.add_working_days(start, n)
        except OverflowError:
            raise CommandError(_("That is beyond the last date the calendar can count to."))
        self.stdout.write(due.isoformat())
        if provisional:
            unloaded = [
                str(year)
                for year in range(min(start, due).year, max(start, due).year + 1)
                if not calendar.is_year_loaded(year)
            ]
            self.stdout.write(
                _("provisional: counted on weekdays alone in %(years)s, not loaded") % {"years": ", ".join(unloaded)}
            )
        else:
            self.stdout.write(_("final: every year counted is loaded"))
