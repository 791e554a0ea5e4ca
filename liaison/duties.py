"""Contact duties (DESIGN.md, "Contact and visits"): the reminders that keep every platform
contacted, and their daily sweep.

``sweep_contact_duties`` runs daily (``liaison.tasks``) and does nothing on a day that is not a
working day; what is due on a day is decided by ``_plan_contact_duties``. It sends through the
notification machinery (``notices``), once per key, as every sweep does (``notices.sweeps``).
The working-day calendar comes through ``notices.registry.working_calendar`` (the issues room
owns it and registers it).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from config.portal import portal_setting
from notices import registry
from notices.registry import Text
from notices.services import Notice, notices_send
from notices.sweeps import SweepResult, finish_run, local_date, lock_run
from notices.sweeps import people as _people

from platforms.models import Platform

from .access import platforms_visible_to
from .models import Assignment, Contact

ONE_DAY = datetime.timedelta(days=1)

#: The sweep's name (``SweepRun.kind``).
CONTACT_DUTIES = "contact_duties"

#: A contact-duty reminder whose day was missed (worker down) is still sent this many days later;
#: after that the next duty (the quarter's) takes over.
DUTY_CATCH_UP_DAYS = 14


class Kind:
    """The kinds of notice of the contact duties."""

    QUARTER_CONTACT = "quarter_contact"
    QUARTER_CONTACT_UNIT = "quarter_contact_unit"
    FIRST_CONTACT = "first_contact"
    FIRST_VISIT = "first_visit"


class Calendar(Protocol):
    """The working-day calendar as the duties use it (``issues.workdays.WorkdayCalendar``)."""

    def is_working_day(self, day: datetime.date) -> bool: ...

    def add_working_days(self, day: datetime.date, n: int) -> tuple[datetime.date, bool]: ...


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"


def quarter_of(day: datetime.date) -> Quarter:
    number = (day.month - 1) // 3 + 1
    start = datetime.date(day.year, 3 * number - 2, 1)
    next_start = datetime.date(day.year + 1, 1, 1) if number == 4 else datetime.date(day.year, 3 * number + 1, 1)
    return Quarter(year=day.year, number=number, start=start, end=next_start - ONE_DAY)




def last_working_day_on_or_before(calendar: Calendar, day: datetime.date) -> datetime.date:
    return day if calendar.is_working_day(day) else calendar.add_working_days(day, -1)[0]


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    first_next = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - ONE_DAY


def first_visit_min_days() -> int:
    """``PORTAL["FIRST_VISIT_MIN_DAYS"]``, kept within 0 to 28 so the first visit always falls due at
    the end of the start month or of the next one."""
    return max(0, min(28, int(portal_setting("FIRST_VISIT_MIN_DAYS"))))


def first_visit_due(start_date: datetime.date) -> datetime.date:
    """The last day for the first visit of an assignment that started on ``start_date``: the end of
    its month, or of the next month when fewer than ``FIRST_VISIT_MIN_DAYS`` days remain after the
    start (a platform received on the 25th is not to be visited within the week)."""
    # "Fewer than N days remain after the start" is "N days after the start is in the next month".
    return month_end(start_date + datetime.timedelta(days=first_visit_min_days()))


def first_visit_starts(due_month_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last start day of the assignments whose first visit is due on ``due_month_end``
    (a month's last day): ``first_visit_due``, inverted, as a range a query can use."""
    min_days = datetime.timedelta(days=first_visit_min_days())
    previous_end = due_month_end.replace(day=1) - ONE_DAY
    return previous_end - min_days + ONE_DAY, due_month_end - min_days


def _assignment_rows(queryset) -> list[dict]:
    return list(
        queryset.filter(platform__is_active=True, cadre__is_active=True).order_by("pk").values(
            "id", "platform_id", "platform__name", "start_date", "cadre_id", "cadre__user_id", "cadre__unit_id",
            "cadre__unit__name", "cadre__unit__leader_id",
        )
    )


def _not_contacted(quarter: Quarter) -> list[dict]:
    contacted = Contact.objects.filter(platform=OuterRef("platform_id"), date__gte=quarter.start, date__lte=quarter.end)
    return _assignment_rows(Assignment.objects.active().exclude(Exists(contacted)))


def _plan_contact_duties(today: datetime.date, calendar: Calendar) -> list[Notice]:
    """The contact-duty reminders due as of ``today`` (a working day). Each has its own key.

    - The quarter, to the cadre: a platform without any contact this quarter, from
      ``QUARTER_END_REMINDER_DAYS`` (15) days before the quarter's last day until that day.
      Skipped for an assignment younger than ``FIRST_CONTACT_DAYS``: its first-contact week runs.
    - The quarter, to the unit leader: one message per unit listing its platforms not contacted in
      the quarter, on the quarter's last working day (its last day, unless that is a day off), or
      up to ``DUTY_CATCH_UP_DAYS`` later when that day was missed.
    - A new assignment without a contact by its cadre since it started, ``FIRST_CONTACT_DAYS`` (7)
      days after it started; and without a visit, on the last working day of the month its first
      visit is due by (``first_visit_due``: the start month, or the next for a late start). Both to
      the cadre, and caught up for ``DUTY_CATCH_UP_DAYS`` if missed.
    """
    out: list[Notice] = []
    quarter = quarter_of(today)
    first_contact_days = int(portal_setting("FIRST_CONTACT_DAYS"))
    catch_up = datetime.timedelta(days=DUTY_CATCH_UP_DAYS)
    rows_by_quarter: dict[str, list[dict]] = {}

    def not_contacted(q):
        if q.label not in rows_by_quarter:
            rows_by_quarter[q.label] = _not_contacted(q)
        return rows_by_quarter[q.label]

    remind_from = quarter.end - datetime.timedelta(days=int(portal_setting("QUARTER_END_REMINDER_DAYS")))
    cadre_rows = not_contacted(quarter) if remind_from <= today <= quarter.end else []
    young = today - datetime.timedelta(days=first_contact_days)
    leader_quarters = [
        q for q in (quarter, quarter_of(quarter.start - ONE_DAY))
        if last_working_day_on_or_before(calendar, q.end) <= today <= q.end + catch_up
    ]
    first_contact = _assignment_rows(
        Assignment.objects.active()
        .filter(start_date__gte=young - catch_up, start_date__lte=young)
        .exclude(Exists(Contact.objects.filter(platform=OuterRef("platform_id"), cadre=OuterRef("cadre_id"),
                                               date__gte=OuterRef("start_date"))))
    )
    visit_months = []
    this_month_start = today.replace(day=1)
    previous_month_start = (this_month_start - ONE_DAY).replace(day=1)
    for month_start in (this_month_start, previous_month_start):
        end = month_end(month_start)
        if last_working_day_on_or_before(calendar, end) <= today <= end + catch_up:
            first_start, last_start = first_visit_starts(end)
            visit_months.append(Q(start_date__gte=first_start, start_date__lte=min(last_start, today)))
    first_visit = []
    if visit_months:
        months = visit_months[0] if len(visit_months) == 1 else visit_months[0] | visit_months[1]
        first_visit = _assignment_rows(
            Assignment.objects.active().filter(months)
            .exclude(Exists(Contact.objects.filter(platform=OuterRef("platform_id"), cadre=OuterRef("cadre_id"),
                                                   date__gte=OuterRef("start_date"), kind=Contact.Kind.VISIT)))
        )

    leader_rows = [(q, not_contacted(q)) for q in leader_quarters]
    wanted = {r["cadre__user_id"] for r in [*cadre_rows, *first_contact, *first_visit]}
    for _q, rows in leader_rows:
        wanted.update(r["cadre__unit__leader_id"] for r in rows)
        wanted.update(r["cadre__user_id"] for r in rows)  # named in the leader's list
    people = _people(wanted)

    for row in cadre_rows:
        if row["start_date"] > young or (person := people.get(row["cadre__user_id"])) is None:
            continue
        values = {"platform": row["platform__name"], "quarter": quarter.label, "end": quarter.end.isoformat()}
        subject, body = registry.render(Kind.QUARTER_CONTACT, values)
        out.append(Notice(
            key=f"quarter_contact:platform:{row['platform_id']}:quarter:{quarter.label}:user:{person.user_id}",
            kind=Kind.QUARTER_CONTACT, recipient_id=person.user_id, subject=subject, body=body, params=values,
            topic=registry.topic("platform", row["platform_id"]), recipient_label=person.label,
        ))

    for q, rows in leader_rows:
        by_unit: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            if row["cadre__unit__leader_id"] in people:
                by_unit[(row["cadre__unit_id"], row["cadre__unit__leader_id"])].append(row)
        for (unit_id, leader_id), unit_rows in sorted(by_unit.items()):
            person = people[leader_id]
            values = {"unit": unit_rows[0]["cadre__unit__name"], "quarter": q.label, "count": len(unit_rows),
                      "end": q.end.isoformat(),
                      "platforms": [[r["platform__name"], people[r["cadre__user_id"]].name
                                     if r["cadre__user_id"] in people else ""] for r in unit_rows]}
            subject, body = registry.render(Kind.QUARTER_CONTACT_UNIT, values)
            out.append(Notice(
                key=f"quarter_contact_unit:unit:{unit_id}:quarter:{q.label}:user:{leader_id}",
                kind=Kind.QUARTER_CONTACT_UNIT, recipient_id=leader_id, subject=subject, body=body, params=values,
                recipient_label=person.label,
            ))

    for rows, kind, key in ((first_contact, Kind.FIRST_CONTACT, "first_contact"),
                            (first_visit, Kind.FIRST_VISIT, "first_visit")):
        for row in rows:
            if (person := people.get(row["cadre__user_id"])) is None:
                continue
            values = {"platform": row["platform__name"], "start": row["start_date"].isoformat(),
                      "days": first_contact_days, "month_end": first_visit_due(row["start_date"]).isoformat()}
            subject, body = registry.render(kind, values)
            out.append(Notice(
                key=f"{key}:assignment:{row['id']}:user:{person.user_id}",
                kind=kind, recipient_id=person.user_id, subject=subject, body=body, params=values,
                topic=registry.topic("platform", row["platform_id"]), recipient_label=person.label,
            ))
    return out


def sweep_contact_duties(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Send the contact-duty reminders due as of ``now`` and not sent yet."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=CONTACT_DUTIES, now=now, day=today, dry_run=dry_run)
    calendar = registry.working_calendar()
    if not calendar.is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            planned = _plan_contact_duties(today, calendar)
            unsent = {row.key for row in notices_send(planned, dry_run=True)}
            result.notifications = [o for o in planned if o.key in unsent]
            return result
        with transaction.atomic():
            run = lock_run(CONTACT_DUTIES, today)
            planned = _plan_contact_duties(today, calendar)
            inserted = {n.key for n in notices_send(planned, now=timezone.now())}
            result.notifications = [o for o in planned if o.key in inserted]
            finish_run(run, len(inserted))
    return result


# --- the texts --------------------------------------------------------------------------------


def _quarter_contact(params: dict) -> Text:
    """``params``: platform, quarter, end."""
    return Text(
        _("Not yet contacted this quarter: %(platform)s") % params,
        _("You have not contacted %(platform)s yet in %(quarter)s, which ends on %(end)s. Every platform "
          "is contacted at least once a quarter: get in touch (by its preferred channel) and log the "
          "contact.") % params,
    )


def _quarter_contact_unit(params: dict) -> Text:
    """``params``: unit, quarter, end, count, and platforms: [platform name, cadre name or ""]."""
    listing = "\n".join(f"- {platform}" + (f" ({cadre})" if cadre else "") for platform, cadre in params["platforms"])
    return Text(
        ngettext("%(unit)s: %(count)d platform not contacted in %(quarter)s",
                 "%(unit)s: %(count)d platforms not contacted in %(quarter)s", params["count"]) % params,
        "\n".join([
            _("These platforms of %(unit)s had no contact in %(quarter)s (which ends on %(end)s), "
              "with their cadres:") % params,
            listing,
        ]),
    )


def _first_contact(params: dict) -> Text:
    """``params``: platform, start, days (the first-contact limit), month_end."""
    return Text(
        _("First contact late: %(platform)s") % params,
        _("You were assigned %(platform)s on %(start)s. The first contact is due within %(days)d days; none is "
          "logged yet. Get in touch and log the contact.") % params,
    )


def _first_visit(params: dict) -> Text:
    """``params``: as for the first contact (``month_end``: the day the first visit is due by, the end
    of the start month or, for an assignment started late in a month, of the next)."""
    if params["month_end"][:7] == params["start"][:7]:
        body = _("You were assigned %(platform)s on %(start)s. The first visit on site is due by the end of "
                 "that month, %(month_end)s; none is logged yet.")
    else:
        body = _("You were assigned %(platform)s on %(start)s, late in that month. The first visit on site "
                 "is due by the end of the next month, %(month_end)s; none is logged yet.")
    return Text(_("First visit due by the end of the month: %(platform)s") % params, body % params)


def register() -> None:
    """Declare the duties' kinds of notice, the platform topic and the sweep (``LiaisonConfig.ready``)."""
    for code, label, render in (
        (Kind.QUARTER_CONTACT, gettext_lazy("Platform not yet contacted this quarter"), _quarter_contact),
        (Kind.QUARTER_CONTACT_UNIT, gettext_lazy("Platforms of the unit not contacted this quarter"),
         _quarter_contact_unit),
        (Kind.FIRST_CONTACT, gettext_lazy("New assignment: first contact late"), _first_contact),
        (Kind.FIRST_VISIT, gettext_lazy("New assignment: first visit late"), _first_visit),
    ):
        registry.register_kind(code, label, render)
    registry.register_topic(registry.Topic(
        name="platform",
        url=lambda pk: reverse("platforms:detail", args=[pk]),
        labels=_platform_names,
        openable=lambda user, ids: set(platforms_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)),
        open_label=gettext_lazy("Open the platform"),
        closed_label=gettext_lazy("You no longer serve this platform."),
    ))
    registry.register_sweep(registry.Sweep(
        name=CONTACT_DUTIES, label=gettext_lazy("Contact duties"), run=sweep_contact_duties, order=20,
    ))


def _platform_names(ids: set[int]) -> dict[int, str]:
    return dict(Platform.objects.filter(pk__in=ids).values_list("pk", "name"))
