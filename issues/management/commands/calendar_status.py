from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.models import CalendarYear
from issues.selectors import calendar_year_statuses


class Command(BaseCommand):
    help = _(
        "Show which years the working-day calendar has loaded and from where; deadlines reaching "
        "into a year that is not loaded are provisional."
    )

    def handle(self, *args, **options):
        notes = dict(CalendarYear.objects.values_list("year", "source_note"))
        sources = {
            "package": _("package (chinesecalendar)"),
            "package+admin": _("package, corrected by admin entries"),
            "admin": _("admin"),
            "none": _("none: weekdays alone"),
        }
        # Each label is its own gettext call so that makemessages extracts it.
        year, state_label, source = _("year"), _("status"), _("source")
        holidays, workdays = _("holidays"), _("workdays")
        header = f"{year:<6} {state_label:<34} {source:<38} {holidays:>8} {workdays:>8}"
        self.stdout.write(header)
        for status in calendar_year_statuses(today=timezone.localdate()):
            if status.loaded:
                state = _("loaded")
            elif status.entries:
                state = _("NOT LOADED (partly entered): provisional")
            else:
                state = _("NOT LOADED: provisional")
            line = (
                f"{status.year:<6} {state:<34} {sources[status.source]:<38} "
                f"{status.holidays_entered:>8} {status.workdays_entered:>8}"
            )
            if notes.get(status.year):
                line += f"  {notes[status.year]}"
            self.stdout.write(line)
        self.stdout.write(
            _("Holidays/workdays count the admin's entries. A year is loaded when the package covers it or an "
              "admin marked it loaded; entries alone do not load a year.")
        )
