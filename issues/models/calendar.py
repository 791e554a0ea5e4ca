from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.text_limits import LimitedCharField


class CalendarDay(models.Model):
    """An admin's entry for one date: a holiday or a makeup workday.

    Entries win over the ``chinesecalendar`` package, so they both correct the package and carry
    the years it does not cover. Change them only through ``issues.services.calendar_set_days``:
    every change recomputes the deadlines of open issues.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKDAY = "workday", _("Makeup workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    #: The holiday's name or the notice it comes from, e.g. 春节调休.
    note = LimitedCharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid"),
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.get_kind_display()}"

    @property
    def is_workday(self) -> bool:
        return self.kind == self.Kind.WORKDAY


class CalendarYear(models.Model):
    """An admin's declaration about a whole year: "its schedule is fully entered" (loaded).

    Entering a few days of a year does not load it: deadlines reaching into it stay provisional
    until an admin says the year's holidays and makeup workdays are all in. Years the package
    covers are loaded without a row here.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    loaded = models.BooleanField(_("loaded"), default=False)
    #: Where the schedule came from, e.g. the State Council notice's number.
    source_note = LimitedCharField(_("source"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=1900, year__lte=9998), name="calendaryear_year_range"),
        ]

    def __str__(self):
        return str(self.year)
