"""The sweeps that enforce the rules without anyone remembering to (DESIGN.md, "Enforcement").

Each sweep is a function of the moment ``now`` it runs as of; it decides from the database and
the working-day calendar what is due *as of now*, leaves out what was already sent, and writes the
rest: notifications, timeline events and escalation levels, in one transaction. Run it again, or
twice at once, and the second run finds nothing left to do. With ``dry_run`` it only reports
what it would send, writing nothing.

The deadline sweep (``sweep_deadlines``), daily, does nothing on a day that is not a working day.

- Reminders go to the platform's responsible cadre (the cadre who recorded the issue when the
  platform has none) ``REMINDER_WORKING_DAYS_BEFORE`` (3 and 1) working days before the due date
  and on the due day. Catching up after missed days, only the nearest reminder goes out: with
  ``w`` working days left today, the reminder sent is the one for the smallest offset ``>= w``
  (on the due day, the due-day reminder; with 2 left and the 3-day one missed, the 3-day one,
  saying "2 working days"). Older missed reminders are superseded and never sent; after the due
  date no reminder goes out at all, the escalation takes over. Reminders are keyed by the due
  date, so a due date moved by an extension or a calendar change gets reminders of its own.
- Escalations: on the first overdue working day to the leader of the responsible cadre's unit
  (level 1); ``OFFICE_ESCALATION_WORKING_DAYS`` (5) working days later to the office (level 2:
  bureau staff and the office unit's leader). Each is an ``escalated`` event and raises
  ``Issue.escalation_level``. Catching up, an issue that is past both thresholds and was never
  escalated gets both escalations in the same run: unlike a reminder, the leader's escalation is
  not superseded by the office's (the leader must still chase the cadre).
- An open issue whose due date in force has not passed (an extension moved it) goes back to
  level 0, so that if the new date passes it is escalated afresh. An issue that stays overdue
  when its date moves keeps its level: whoever was told still knows.

The periodic dispatch report (``sweep_dispatch_report``): the latest period whose report is due
(``issues.reports.report_period_due``: the week before, each Monday at 08:30, by default; every
other week or monthly as ``PORTAL["DISPATCH_REPORT_FREQUENCY"]`` says), once. Beat runs it every
morning; on the days nothing new is due it finds the report already made and does nothing. (The contact duties' sweep is liaison's: ``liaison.duties``; stale
achievements are the achievements room's.)

Exactly once. A sweep first locks its ``SweepRun`` row (one per kind and day) with
``select_for_update``, so concurrent sweeps of a kind and day queue up, and each reads only after
the one before it has committed. It then sends only keys not yet present; the unique key on
``Notification`` is the last guard (see ``notices.services.notices_send``). Escalation candidates are
selected ``FOR UPDATE`` with their current level in the condition, so even sweeps of two different
days (``enforce --at``) cannot raise one issue to one level twice. Reminder events are written only
for the reminders actually inserted. The broker plays no part in this: the rows are the outbox.

Cost. Selection is by date ranges computed from the calendar (``due_date`` between today and the
day after the last reminder offset; ``escalation_level``/``due_date`` cut-offs), served by the
indexes on ``(status, due_date)`` and ``(status, escalation_level, due_date)``: the work grows with
the number of issues due for something, not with the number open. Notifications and events are
written with one ``INSERT`` each (``notices.bulk.insert_rows``), levels with one ``UPDATE`` per level.

Records are stamped with the real time; ``now`` only decides what is due (``enforce --at``).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.portal import portal_setting
from liaison.models import BUREAU_STAFF_GROUP, Assignment, Cadre, Unit
from notices import registry
from notices.bulk import insert_rows
from notices.services import Notice, notices_send
from notices.sweeps import Person, SweepResult, collector_paused, finish_run, lock_run
from notices.sweeps import people as _people

from . import notices, reports
from .calendar import load_calendar
from .models import DispatchReport, EscalationLevel, Issue, IssueEvent
from .notices import Kind
from .workdays import WorkdayCalendar, local_date

ONE_DAY = datetime.timedelta(days=1)

#: The sweeps' names (``SweepRun.kind``).
DEADLINES = "deadlines"
DISPATCH_REPORT = "dispatch_report"

__all__ = ["SweepResult", "portal_setting", "sweep_deadlines", "sweep_dispatch_report"]


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    issue_id: int
    title: str
    from_level: int
    to_level: int


@dataclass(frozen=True)
class Responsible:
    cadre_id: int
    user_id: int
    name: str
    unit_id: int
    unit_name: str
    leader_id: int | None


def _responsible(rows: list[dict]) -> dict[int, Responsible]:
    """Each issue row's responsible cadre, by issue id: the platform's current cadre (first-inquiry
    responsibility), else the cadre who recorded it (looked up only for the platforms without one)."""
    fields = ("id", "user_id", "user__username", "user__last_name", "user__first_name", "unit_id", "unit__name",
              "unit__leader_id")

    def make(get) -> Responsible:
        name = f"{get('user__last_name')}{get('user__first_name')}".strip() or get("user__username")
        return Responsible(get("id"), get("user_id"), name, get("unit_id"), get("unit__name"), get("unit__leader_id"))

    by_platform, by_cadre = {}, {}
    if rows:
        found = Assignment.objects.active().filter(platform_id__in={row["platform_id"] for row in rows}).values(
            "platform_id", *(f"cadre__{name}" for name in fields)
        )
        by_platform = {row["platform_id"]: make(lambda name, row=row: row[f"cadre__{name}"]) for row in found}
    recorder_ids = {row["recorded_by_id"] for row in rows if row["platform_id"] not in by_platform}
    if recorder_ids:
        found = Cadre.objects.filter(pk__in=recorder_ids).values(*fields)
        by_cadre = {row["id"]: make(row.__getitem__) for row in found}
    return {
        row["id"]: who for row in rows
        if (who := by_platform.get(row["platform_id"]) or by_cadre.get(row["recorded_by_id"])) is not None
    }


def bureau_staff_ids() -> list[int]:
    return sorted(
        get_user_model().objects.filter(groups__name=BUREAU_STAFF_GROUP, is_active=True).values_list("id", flat=True)
    )


def office_recipient_ids() -> list[int]:
    """The office: bureau staff, and the leader of the unit marked as the office."""
    leaders = Unit.objects.filter(is_office=True, leader__isnull=False).values_list("leader_id", flat=True)
    return sorted({*bureau_staff_ids(), *leaders})


# --- the deadline sweep ---------------------------------------------------------------------------


def latest_due_date_with(calendar: WorkdayCalendar, today: datetime.date, n: int) -> datetime.date:
    """The latest due date that has at least ``n`` (>= 1) working days in ``(due_date, today]``.

    Working days counted back from today land on the ``n``-th working day before it; any later
    non-working day also still has ``n`` working days up to today, up to the next working day.
    """
    nth_before, _provisional = calendar.add_working_days(today, -n)
    return calendar.add_working_days(nth_before, 1)[0] - ONE_DAY


@dataclass
class _Reminder:
    issue: dict
    offset: int
    working_days_left: int
    person: Person
    outgoing: Notice


@dataclass
class _Escalate:
    issue: dict
    level: int
    working_days_overdue: int
    people: list[Person]
    outgoing: list[Notice]
    unit_name: str
    cadre_name: str


@dataclass
class _DeadlinePlan:
    reminders: list[_Reminder] = field(default_factory=list)
    escalations: list[_Escalate] = field(default_factory=list)

    @property
    def outgoing(self) -> list[Notice]:
        return [r.outgoing for r in self.reminders] + [o for e in self.escalations for o in e.outgoing]


_ISSUE_FIELDS = ("id", "title", "issue_class", "due_date", "platform_id", "platform__name", "recorded_by_id",
                 "escalation_level")


# The texts: ``issues.notices`` renders them from each row's params (translated templates cached per
# language); the sweeps render them in the default language, under ``translation.override``, as
# the rows' stored text, and keep the params for each reader's language.


def _issue_values(issue: dict, days: int) -> dict:
    return {"id": issue["id"], "title": issue["title"], "platform": issue["platform__name"],
            "class": issue["issue_class"], "due": issue["due_date"].isoformat(), "days": days}


def _reminder_params(issue: dict, left: int) -> dict:
    return _issue_values(issue, left)


def _escalation_params(issue: dict, level: int, overdue: int, cadre_name: str, unit_name: str) -> dict:
    return {**_issue_values(issue, overdue), "level": level, "cadre": cadre_name, "unit": unit_name}


def _reminder_text(issue: dict, left: int) -> notices.Text:
    return notices.notification_text(Kind.ISSUE_REMINDER, _reminder_params(issue, left))


def _escalation_text(issue: dict, level: int, overdue: int, cadre_name: str, unit_name: str) -> notices.Text:
    return notices.notification_text(
        Kind.ISSUE_ESCALATION, _escalation_params(issue, level, overdue, cadre_name, unit_name)
    )


def _plan_deadlines(today: datetime.date, calendar: WorkdayCalendar, *, lock: bool) -> _DeadlinePlan:
    offsets = sorted({int(k) for k in portal_setting("REMINDER_WORKING_DAYS_BEFORE")} | {0})
    office_after = int(portal_setting("OFFICE_ESCALATION_WORKING_DAYS"))

    # Due within the reminder horizon: at most max(offsets) working days left.
    horizon = calendar.add_working_days(today, offsets[-1] + 1)[0] - ONE_DAY
    due_soon = list(
        Issue.objects.open().filter(due_date__gte=today, due_date__lte=horizon).order_by("pk").values(*_ISSUE_FIELDS)
    )
    # Due for an escalation: level 0 and overdue (today, a working day, is then at least the first
    # overdue working day), or level 1 and overdue by 1 + office_after working days.
    office_cutoff = latest_due_date_with(calendar, today, 1 + office_after)
    overdue = Issue.objects.open().filter(
        Q(escalation_level=EscalationLevel.NONE, due_date__lt=today)
        | Q(escalation_level=EscalationLevel.UNIT_LEADER, due_date__lte=office_cutoff)
    )
    if lock:
        # Locked in one order (by id) like every bulk issue lock, so no deadlock with a calendar change.
        overdue = overdue.select_for_update(of=("self",))
    overdue = list(overdue.order_by("pk").values(*_ISSUE_FIELDS))

    rows = due_soon + overdue
    responsible_for = _responsible(rows)

    def responsible(row) -> Responsible | None:
        return responsible_for.get(row["id"])

    office_ids = office_recipient_ids() if overdue else []
    wanted = set(office_ids)
    for row in rows:
        if (who := responsible(row)) is not None:
            wanted.update([who.user_id, who.leader_id])
    people = _people(wanted)

    # Working days between today and each due date: a handful of distinct dates, counted once each.
    distance: dict[datetime.date, int] = {}

    def working_days_from_today(due: datetime.date) -> int:
        if due not in distance:
            distance[due] = abs(calendar.working_days_between(today, due))
        return distance[due]

    plan = _DeadlinePlan()
    for row in due_soon:
        due = row["due_date"]
        left = working_days_from_today(due)
        offset = min(o for o in offsets if o >= left)
        who = responsible(row)
        person = people.get(who.user_id) if who else None
        if person is None:
            continue
        params = _reminder_params(row, left)
        subject, body = notices.notification_text(Kind.ISSUE_REMINDER, params)
        key = f"reminder:{offset}:issue:{row['id']}:due:{due.isoformat()}:user:{person.user_id}"
        plan.reminders.append(_Reminder(row, offset, left, person, Notice(
            key=key, kind=Kind.ISSUE_REMINDER, recipient_id=person.user_id, subject=subject, body=body,
            topic=registry.topic("issue", row["id"]), recipient_label=person.label, params=params,
        )))

    for row in overdue:
        due = row["due_date"]
        late = working_days_from_today(due)
        target = EscalationLevel.OFFICE if late >= 1 + office_after else EscalationLevel.UNIT_LEADER
        who = responsible(row)
        cadre_name = who.name if who else ""
        unit_name = who.unit_name if who else ""
        for level in range(row["escalation_level"] + 1, target + 1):
            if level == EscalationLevel.UNIT_LEADER:
                recipients = [people[who.leader_id]] if who and who.leader_id in people else []
            else:
                recipients = [people[uid] for uid in office_ids if uid in people]
            params = _escalation_params(row, level, late, cadre_name, unit_name)
            subject, body = notices.notification_text(Kind.ISSUE_ESCALATION, params)
            outgoing = [
                Notice(key=f"escalation:{level}:issue:{row['id']}:due:{due.isoformat()}:user:{p.user_id}",
                         kind=Kind.ISSUE_ESCALATION, recipient_id=p.user_id, subject=subject, body=body,
                         topic=registry.topic("issue", row["id"]), recipient_label=p.label, params=params)
                for p in recipients
            ]
            plan.escalations.append(_Escalate(row, level, late, recipients, outgoing, unit_name, cadre_name))

    return plan


#: The timeline entries' columns, as the sweep writes them (``insert_rows``: thousands a run).
_EVENT_FIELDS = ("issue_id", "kind", "before", "after", "message", "message_params", "note")


def _apply_deadline_plan(plan: _DeadlinePlan, result: SweepResult) -> int:
    stamp = timezone.now()
    inserted = {n.key: n.pk for n in notices_send(plan.outgoing, now=stamp)}
    events = []
    for reminder in plan.reminders:
        notification_id = inserted.get(reminder.outgoing.key)
        if notification_id is None:
            continue  # sent before, or by a racing sweep of another day: it has its own event
        issue = reminder.issue
        message_params = {"name": reminder.person.name}
        events.append((
            issue["id"], IssueEvent.Kind.REMINDED, {},
            {"reminder": reminder.offset, "due_date": issue["due_date"].isoformat(),
             "working_days_left": reminder.working_days_left, "recipients": [reminder.person.user_id],
             "notifications": [notification_id]},
            notices.EventMessage.REMINDER_SENT, message_params,
            notices.event_message_text(notices.EventMessage.REMINDER_SENT, message_params),
        ))
    final_level: dict[int, int] = {}
    for escalation in plan.escalations:
        issue = escalation.issue
        final_level[issue["id"]] = max(final_level.get(issue["id"], 0), escalation.level)
        message = (notices.EventMessage.ESCALATED_TO_LEADER if escalation.level == EscalationLevel.UNIT_LEADER
                   else notices.EventMessage.ESCALATED_TO_OFFICE)
        message_params = {"unit": escalation.unit_name, "names": [p.name for p in escalation.people]}
        events.append((
            issue["id"], IssueEvent.Kind.ESCALATED, {"escalation_level": escalation.level - 1},
            {"escalation_level": escalation.level, "due_date": issue["due_date"].isoformat(),
             "working_days_overdue": escalation.working_days_overdue,
             "recipients": [p.user_id for p in escalation.people],
             "notifications": [inserted[o.key] for o in escalation.outgoing if o.key in inserted]},
            message, message_params, notices.event_message_text(message, message_params),
        ))
    insert_rows(IssueEvent, _EVENT_FIELDS, events, same={"at": stamp})
    for level in (EscalationLevel.UNIT_LEADER, EscalationLevel.OFFICE):
        ids = [issue_id for issue_id, final in final_level.items() if final == level]
        for start in range(0, len(ids), 2000):
            Issue.objects.filter(pk__in=ids[start:start + 2000], escalation_level__lt=level).update(
                escalation_level=level, updated_at=stamp
            )
    result.notifications = [o for o in plan.outgoing if o.key in inserted]
    result.events = len(events)
    return len(inserted)


def _plan_escalations_result(plan: _DeadlinePlan) -> list[Escalation]:
    return [Escalation(e.issue["id"], e.issue["title"], e.level - 1, e.level) for e in plan.escalations]


def _escalation_lines(escalations: list[Escalation], *, dry_run: bool) -> list[str]:
    # Whole sentences per mode, so that each translates as a sentence.
    if dry_run:
        line = _("would escalate issue #%(id)d %(title)s: escalation level %(from)d -> %(to)d")
    else:
        line = _("escalated issue #%(id)d %(title)s: escalation level %(from)d -> %(to)d")
    return [line % {"id": e.issue_id, "title": e.title, "from": e.from_level, "to": e.to_level} for e in escalations]


def sweep_deadlines(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Send the reminders and escalations due as of ``now`` and not sent yet (see the module)."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=DEADLINES, now=now, day=today, dry_run=dry_run)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            plan = _plan_deadlines(today, calendar, lock=False)
            unsent = {row.key for row in notices_send(plan.outgoing, dry_run=True)}
            result.notifications = [o for o in plan.outgoing if o.key in unsent]
            result.escalations = _plan_escalations_result(plan)
            result.de_escalated = _extended_past_today(today).count()
        else:
            with collector_paused(), transaction.atomic():
                run = lock_run(DEADLINES, today)
                result.de_escalated = _extended_past_today(today).update(
                    escalation_level=EscalationLevel.NONE, updated_at=timezone.now()
                )
                plan = _plan_deadlines(today, calendar, lock=True)
                created = _apply_deadline_plan(plan, result)
                result.escalations = _plan_escalations_result(plan)
                finish_run(run, created)
    result.lines = _escalation_lines(result.escalations, dry_run=dry_run)  # in the reader's language
    return result


def _extended_past_today(today: datetime.date):
    return Issue.objects.open().filter(escalation_level__gt=EscalationLevel.NONE, due_date__gte=today)


# --- the periodic dispatch report ----------------------------------------------------------------


def _report_outgoing(figures: dict, period: reports.Period, report_id: int | None) -> list[Notice]:
    people = _people(bureau_staff_ids())
    params = reports.report_text_figures(figures)
    subject, body = notices.notification_text(Kind.DISPATCH_REPORT, params)
    about = registry.topic("report", report_id) if report_id else ""
    return [
        Notice(key=f"dispatch_report:{period.start.isoformat()}:{period.end.isoformat()}:user:{p.user_id}",
               kind=Kind.DISPATCH_REPORT, recipient_id=p.user_id, subject=subject, body=body, topic=about,
               recipient_label=p.label, params=params)
        for p in people.values()
    ]


def _report_made(period: reports.Period) -> bool:
    return DispatchReport.objects.filter(period_start=period.start, period_end=period.end).exists()


def sweep_dispatch_report(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Make the latest report due as of ``now`` at the configured frequency (if not made yet),
    store it, and notify bureau staff. Made once per period, however often it runs."""
    now = now or timezone.now()
    period = reports.report_period_due(now)
    result = SweepResult(sweep=DISPATCH_REPORT, now=now, day=period.start, dry_run=dry_run)
    existing = DispatchReport.objects.filter(period_start=period.start, period_end=period.end)
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            if not existing.exists():
                planned = _report_outgoing(reports.report_figures(period), period, None)
                unsent = {row.key for row in notices_send(planned, dry_run=True)}
                result.notifications = [o for o in planned if o.key in unsent]
            return result
        with transaction.atomic():
            run = lock_run(DISPATCH_REPORT, period.start)
            report = existing.first()
            if report is not None:
                result.report_id = report.pk
                result.note = _("The report for %(start)s to %(end)s was already made.") % period.as_dict()
                finish_run(run, 0)
                return result
            figures = reports.report_figures(period)
            report = DispatchReport.objects.create(
                period_start=period.start, period_end=period.end, figures=figures,
                xlsx=reports.report_xlsx(figures), created_at=timezone.now(),
            )
            result.report_id = report.pk
            planned = _report_outgoing(figures, period, report.pk)
            inserted = {n.key for n in notices_send(planned, now=timezone.now())}
            result.notifications = [o for o in planned if o.key in inserted]
            finish_run(run, len(inserted))
    return result


def register() -> None:
    """Declare the issues room's sweeps and its working-day calendar to the notification machinery."""
    registry.register_calendar(load_calendar)
    registry.register_sweep(registry.Sweep(
        name=DEADLINES, label=gettext_lazy("Deadline sweep"), run=sweep_deadlines, order=10,
    ))
    registry.register_sweep(registry.Sweep(
        name=DISPATCH_REPORT, label=gettext_lazy("Periodic dispatch report"), run=sweep_dispatch_report,
        daily=False, order=90,
        catch_up_due=lambda now: not _report_made(reports.report_period_due(now)),
    ))
