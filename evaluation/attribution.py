"""Fair attribution: which records each figure of the evaluation counts, and for which cadre.

This module is the one place the rules live (the README repeats them):

- A contact or visit counts for the cadre who made it (``Contact.cadre``).
- An issue collected counts for the cadre who recorded it; an achievement collected for the cadre
  who collected it; a service for the cadre who gave it. These never move.
- An issue closed (resolved or a solution determined: the clock stopped), and whether in time,
  counts for the cadre responsible for its platform on the day the clock stopped (the assignment
  covering that day; a platform nobody covered falls back to the cadre who recorded it). Its unit
  is that cadre's unit: the unit handling the platform at closure.
- A rating counts for the cadre responsible for the platform on the day it was given, and keeps
  its source: from the platform itself, or entered by the cadre on its behalf.
- A need a platform raised (``PlatformNeed``) counts for the cadre responsible for the platform on
  the day it was received, and keeps its source: raised by the platform through its link, or
  entered by the cadre on its behalf. A need received while nobody covered the platform falls back
  to the cadre who entered it, then to the cadre who recorded the issue it became, then to the
  platform's cadre today; one still without a cadre (never covered, never classified) counts for
  nobody until one is assigned.
- An achievement assessed, matched or transformed counts for the cadre responsible for its
  platform on the day it happened (a match: the day it was confirmed).
- The quarterly duty: for each quarter the period touches (clipped to the period), each active
  platform is owed one contact by the cadre responsible for it on the quarter's last day (or today,
  if the quarter has not ended); it is met by a contact of any kind, by anyone, in that quarter.
- First contact and first visit of a new assignment: each assignment started in the period counts
  for its cadre, once its limit has passed (a week for the contact; for the visit the end of the
  month it started in, or of the next month when it started late in its month:
  ``liaison.duties.first_visit_due``); on time when that cadre contacted (visited) the platform
  within it.
- Open and overdue issues are a snapshot of today, for the platform's current cadre (falling back
  to the recorder when the platform has none).
- A unit's figures are the sum of its cadres' (each cadre in their current unit).

So a hand-over or transfer mid-period splits nothing twice and loses nothing: every record counts
for exactly one cadre, chosen by a date the record carries.

Each ``Measure`` gives the records it counts as querysets annotated with ``credited_cadre``
(and ``credited_unit``): the scoreboards count them grouped in the database, and the drill-down
lists show them filtered by cadre or unit, from the same definition.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import (
    CharField,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.utils.translation import gettext_lazy as _

from achievements.models import Achievement, Match, ServiceRecord
from achievements.models.service import ServiceKind
from config.portal import portal_setting
from issues.models import Issue, IssueClass, IssueEvent, PlatformNeed
from liaison.duties import first_visit_min_days
from liaison.models import Assignment, Cadre, Contact

from .periods import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: A rating this low or lower is a low one (it reopens the issue).
LOW_RATING = 2

#: The source a rating event carries (``IssueEvent.after["source"]``) when the platform gave it
#: itself; any other (or none, as for every rating before platforms could rate) is a rating the
#: cadre entered on its behalf.
RATING_FROM_PLATFORM = "platform"
RATING_BY_CADRE = "cadre"

#: A need's source when the platform raised it itself, through its link (``PlatformNeed.source``).
NEED_FROM_PLATFORM = PlatformNeed.Source.PLATFORM


def _cadre_on(day, platform="platform_id") -> Subquery:
    """The cadre responsible for the row's platform on ``day`` (both outer references)."""
    covering = Assignment.objects.filter(platform=OuterRef(platform), start_date__lte=OuterRef(day)).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=OuterRef(day))
    )
    return Subquery(covering.order_by("-start_date").values("cadre_id")[:1], output_field=IntegerField())


def _current_cadre(platform="platform_id") -> Subquery:
    active = Assignment.objects.active().filter(platform=OuterRef(platform))
    return Subquery(active.values("cadre_id")[:1], output_field=IntegerField())


def _unit_of_credited() -> Subquery:
    return Subquery(Cadre.objects.filter(pk=OuterRef("credited_cadre")).values("unit_id")[:1],
                    output_field=IntegerField())


def _credited(queryset: QuerySet, cadre) -> QuerySet:
    """``queryset`` with ``credited_cadre`` (an expression) and the cadre's unit."""
    if isinstance(cadre, Coalesce):
        cadre.output_field = IntegerField()
    return queryset.annotate(credited_cadre=cadre).annotate(credited_unit=_unit_of_credited())


def datetime_bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as instants in Asia/Shanghai: from its first midnight to the midnight after it."""
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=SHANGHAI)
    return start, start + datetime.timedelta(days=period.days)


@dataclass(frozen=True)
class Part:
    """One slice of a base's records: most bases have one; the quarterly duty one per quarter."""

    label: str
    queryset: QuerySet


@dataclass(frozen=True)
class Measure:
    """A figure counted per cadre: the records of its base that meet its condition.

    Measures that share a base are counted together, in one grouped query per part of the base
    (``figures``); the drill-down lists the base's records filtered by the condition.
    """

    key: str
    label: str
    #: The kind of record, which decides how the drill-down list shows its rows.
    model: type
    base: str
    #: Which of the base's records count (``None``: all); a callable takes today's date.
    condition: Q | Callable[[datetime.date], Q] | None = None
    #: Summed instead of counted (the transformed amount); the drill-down shows the records summed.
    amount_field: str | None = None

    def condition_on(self, today: datetime.date) -> Q | None:
        return self.condition(today) if callable(self.condition) else self.condition

    def records(self, period: Period, today: datetime.date) -> list[Part]:
        condition = self.condition_on(today)
        parts = BASES[self.base](period, today)
        if condition is None:
            return parts
        return [Part(part.label, part.queryset.filter(condition)) for part in parts]


# --- the bases: the records a group of measures counts -----------------------------------------------


def _contacts(period, today):
    queryset = Contact.objects.filter(date__gte=period.start, date__lte=period.end)
    return [Part("", _credited(queryset, F("cadre_id")))]


def _duty(period: Period, today: datetime.date) -> list[Part]:
    out = []
    for quarter in period.quarters():
        if quarter.start > today:
            break
        as_of = min(quarter.end, today)
        contacted = Contact.objects.filter(platform=OuterRef("platform_id"), date__gte=quarter.start, date__lte=as_of)
        queryset = Assignment.objects.covering(as_of).filter(platform__is_active=True).annotate(
            contacted=Exists(contacted))
        out.append(Part(quarter.label, _credited(queryset, F("cadre_id"))))
    return out


def _first_duty(*, visit: bool):
    def parts(period: Period, today: datetime.date) -> list[Part]:
        queryset = Assignment.objects.filter(start_date__gte=period.start, start_date__lte=period.end)
        if visit:
            # Due by the end of the month of (start + FIRST_VISIT_MIN_DAYS) (``first_visit_due``):
            # counted once that month has ended.
            queryset = queryset.filter(
                start_date__lt=today.replace(day=1) - datetime.timedelta(days=first_visit_min_days()))
            contacts = Contact.objects.filter(kind=Contact.Kind.VISIT)
        else:
            days = int(portal_setting("FIRST_CONTACT_DAYS"))
            queryset = queryset.filter(start_date__lte=today - datetime.timedelta(days=days))
            contacts = Contact.objects.all()
        queryset = queryset.annotate(on_time=Exists(_first_contact_in_time(contacts, visit=visit)))
        return [Part("", _credited(queryset, F("cadre_id")))]

    return parts


def _first_contact_in_time(contacts: QuerySet, *, visit: bool) -> QuerySet:
    """The outer assignment's cadre's contacts with its platform within the first-contact or
    first-visit limit. The visit's limit, the end of the month of (start + FIRST_VISIT_MIN_DAYS)
    (``first_visit_due``), is a calendar rule SQL states as "in that month or before"."""
    contacts = contacts.filter(platform=OuterRef("platform_id"), cadre=OuterRef("cadre_id"),
                               date__gte=OuterRef("start_date"))
    if visit:
        due_month = TruncMonth(_plus_days(OuterRef("start_date"), first_visit_min_days()), output_field=DateField())
        return contacts.annotate(month=TruncMonth("date", output_field=DateField())).filter(month__lte=due_month)
    days = int(portal_setting("FIRST_CONTACT_DAYS"))
    # Within the week: before the same weekday a week later.
    return contacts.filter(date__lt=_plus_days(OuterRef("start_date"), days))


def _plus_days(expression, days: int) -> ExpressionWrapper:
    return ExpressionWrapper(expression + Value(datetime.timedelta(days=days), output_field=DurationField()),
                             output_field=DateField())


def _issues_collected(period, today):
    queryset = Issue.objects.filter(recorded_on__gte=period.start, recorded_on__lte=period.end)
    return [Part("", _credited(queryset, F("recorded_by_id")))]


def closed_issues(period: Period) -> QuerySet:
    """Issues whose clock stopped in the period, credited to the cadre responsible on that day."""
    queryset = Issue.objects.filter(closed_on__gte=period.start, closed_on__lte=period.end)
    return _credited(queryset, Coalesce(_cadre_on("closed_on"), F("recorded_by_id")))


def _issues_closed(period, today):
    return [Part("", closed_issues(period))]


def _issues_open(period, today):
    return [Part("", _credited(Issue.objects.open(), Coalesce(_current_cadre(), F("recorded_by_id"))))]


def rating_events(period: Period) -> QuerySet:
    """Every rating given in the period (also those that reopened their issue, whose rating the
    issue itself no longer carries), with ``rating``, ``rated_on`` and ``rating_source``."""
    start, end = datetime_bounds(period)
    queryset = IssueEvent.objects.filter(kind=IssueEvent.Kind.RATED, at__gte=start, at__lt=end).annotate(
        rating=Cast(KeyTextTransform("rating", "after"), IntegerField()),
        rated_on=TruncDate("at", tzinfo=SHANGHAI),
        rating_source=Coalesce(KeyTextTransform("source", "after"), Value(RATING_BY_CADRE), output_field=CharField()),
    )
    return _credited(queryset, Coalesce(_cadre_on("rated_on", platform="issue__platform_id"),
                                        F("issue__recorded_by_id")))


def _ratings(period, today):
    return [Part("", rating_events(period))]


def received_needs(period: Period) -> QuerySet:
    """Every need received in the period, from the platform or entered on its behalf, credited to
    the cadre responsible for its platform on the day it was received (see the module for the
    fall-backs). A need no cadre can be found for is left out: it counts for nobody yet."""
    queryset = PlatformNeed.objects.filter(received_on__gte=period.start, received_on__lte=period.end)
    entered_by_cadre = Subquery(Cadre.objects.filter(user=OuterRef("entered_by_id")).values("pk")[:1],
                                output_field=IntegerField())
    credited = _credited(queryset, Coalesce(_cadre_on("received_on"), entered_by_cadre, F("issue__recorded_by_id"),
                                            _current_cadre()))
    return credited.filter(credited_cadre__isnull=False)


def _needs(period, today):
    return [Part("", received_needs(period))]


def _achievements_collected(period, today):
    queryset = Achievement.objects.filter(collected_on__gte=period.start, collected_on__lte=period.end)
    return [Part("", _credited(queryset, F("collected_by_id")))]


def _achievements_assessed(period, today):
    start, end = datetime_bounds(period)
    queryset = Achievement.objects.filter(assessed_at__gte=start, assessed_at__lt=end).annotate(
        assessed_on=TruncDate("assessed_at", tzinfo=SHANGHAI))
    return [Part("", _credited(queryset, Coalesce(_cadre_on("assessed_on"), F("collected_by_id"))))]


def _matches_confirmed(period, today):
    queryset = Match.objects.filter(confirmed_on__gte=period.start, confirmed_on__lte=period.end)
    return [Part("", _credited(queryset, Coalesce(_cadre_on("confirmed_on", platform="achievement__platform_id"),
                                                  F("achievement__collected_by_id"))))]


def _achievements_transformed(period, today):
    queryset = Achievement.objects.filter(transformed_on__gte=period.start, transformed_on__lte=period.end)
    return [Part("", _credited(queryset, Coalesce(_cadre_on("transformed_on"), F("collected_by_id"))))]


def _services(period, today):
    queryset = ServiceRecord.objects.filter(given_on__gte=period.start, given_on__lte=period.end)
    return [Part("", _credited(queryset, F("given_by_id")))]


BASES: dict[str, Callable[[Period, datetime.date], list[Part]]] = {
    "contacts": _contacts,
    "duty": _duty,
    "first_contacts": _first_duty(visit=False),
    "first_visits": _first_duty(visit=True),
    "issues_collected": _issues_collected,
    "issues_closed": _issues_closed,
    "issues_open": _issues_open,
    "ratings": _ratings,
    "needs": _needs,
    "achievements_collected": _achievements_collected,
    "achievements_assessed": _achievements_assessed,
    "matches": _matches_confirmed,
    "achievements_transformed": _achievements_transformed,
    "services": _services,
}


def _measures() -> list[Measure]:
    measures = [
        Measure("contacts", _("Contacts"), Contact, "contacts"),
        Measure("visits", _("Visits on site"), Contact, "contacts", Q(kind=Contact.Kind.VISIT)),
        Measure("duty_due", _("Platforms owed a quarterly contact"), Assignment, "duty"),
        Measure("duty_met", _("Of which contacted in the quarter"), Assignment, "duty", Q(contacted=True)),
        Measure("first_contacts_due", _("New assignments past their first-contact limit"), Assignment,
                "first_contacts"),
        Measure("first_contacts_on_time", _("Of which first contact on time"), Assignment, "first_contacts",
                Q(on_time=True)),
        Measure("first_visits_due", _("New assignments past their first-visit limit"), Assignment, "first_visits"),
        Measure("first_visits_on_time", _("Of which first visit on time"), Assignment, "first_visits",
                Q(on_time=True)),
        Measure("issues_collected", _("Issues collected"), Issue, "issues_collected"),
    ]
    measures += [
        Measure(f"issues_collected_{c.lower()}", _("Class %(class)s") % {"class": c}, Issue, "issues_collected",
                Q(issue_class=c))
        for c in IssueClass.values
    ]
    measures += [
        Measure("issues_closed", _("Issues closed"), Issue, "issues_closed"),
        Measure("issues_closed_in_time", _("Of which closed in time"), Issue, "issues_closed", Q(on_time=True)),
        Measure("issues_open", _("Open now"), Issue, "issues_open"),
        Measure("issues_overdue", _("Overdue now"), Issue, "issues_open", lambda today: Q(due_date__lt=today)),
        Measure("ratings", _("Ratings"), IssueEvent, "ratings"),
        Measure("ratings_low", _("Low ratings (1 or 2)"), IssueEvent, "ratings", Q(rating__lte=LOW_RATING)),
        Measure("ratings_from_platform", _("Rated by the platform itself"), IssueEvent, "ratings",
                Q(rating_source=RATING_FROM_PLATFORM)),
        Measure("ratings_on_behalf", _("Entered on the platform's behalf"), IssueEvent, "ratings",
                ~Q(rating_source=RATING_FROM_PLATFORM)),
        Measure("needs", _("Needs received"), PlatformNeed, "needs"),
        Measure("needs_from_platform", _("Needs raised by the platform"), PlatformNeed, "needs",
                Q(source=NEED_FROM_PLATFORM)),
        Measure("needs_on_behalf", _("Needs entered on the platform's behalf"), PlatformNeed, "needs",
                ~Q(source=NEED_FROM_PLATFORM)),
        Measure("achievements_collected", _("Achievements collected"), Achievement, "achievements_collected"),
        Measure("achievements_assessed", _("Achievements assessed"), Achievement, "achievements_assessed"),
        Measure("achievements_matched", _("Matches confirmed"), Match, "matches"),
        Measure("achievements_transformed", _("Achievements transformed"), Achievement, "achievements_transformed"),
        Measure("transformed_amount", _("Transformed amount (10,000 yuan)"), Achievement, "achievements_transformed",
                amount_field="contract_amount"),
        Measure("services", _("Services given"), ServiceRecord, "services"),
    ]
    measures += [
        Measure(f"services_{kind}", label, ServiceRecord, "services", Q(kind=kind))
        for kind, label in ServiceKind.choices
    ]
    return measures


MEASURES: dict[str, Measure] = {measure.key: measure for measure in _measures()}
