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

Contact duties (``sweep_contact_duties``), daily, on working days: see ``_plan_contact_duties``.

The periodic dispatch report (``sweep_dispatch_report``): the latest week whose report is due
(Mondays at 08:30), once.

Exactly once. A sweep first locks its ``SweepRun`` row (one per kind and day) with
``select_for_update``, so concurrent sweeps of a kind and day queue up, and each reads only after
the one before it has committed. It then inserts only keys not yet present; the unique key on
``Notification`` is the last guard (see ``notifications_insert``). Escalation candidates are
selected ``FOR UPDATE`` with their current level in the condition, so even sweeps of two different
days (``enforce --at``) cannot raise one issue to one level twice. Reminder events are written only
for the reminders actually inserted. The broker plays no part in this: the rows are the outbox.

Cost. Selection is by date ranges computed from the calendar (``due_date`` between today and the
day after the last reminder offset; ``escalation_level``/``due_date`` cut-offs), served by the
indexes on ``(status, due_date)`` and ``(status, escalation_level, due_date)``: the work grows with
the number of issues due for something, not with the number open. Notifications and events are
written with ``bulk_create``, levels with one ``UPDATE`` per level.

Records are stamped with the real time; ``now`` only decides what is due (``enforce --at``).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liaison.models import BUREAU_STAFF_GROUP, Assignment, Cadre, Contact, Unit

from . import notices, reports
from .calendar import load_calendar
from .schedules import SCHEDULE_TZ, SWEEP_TIME
from .models import DispatchReport, EscalationLevel, Issue, IssueEvent, Notification, SweepRun
from .notifications import Outgoing, existing_keys, existing_keys_for_issues, notifications_insert
from .workdays import WorkdayCalendar, local_date

ONE_DAY = datetime.timedelta(days=1)
Kind = Notification.Kind

#: A contact-duty reminder whose day was missed (worker down) is still sent this many days later;
#: after that the next duty (the quarter's) takes over.
DUTY_CATCH_UP_DAYS = 14

_DEFAULTS = {
    "REMINDER_WORKING_DAYS_BEFORE": [3, 1],
    "OFFICE_ESCALATION_WORKING_DAYS": 5,
    "FIRST_CONTACT_DAYS": 7,
    "QUARTER_END_REMINDER_DAYS": 15,
}


def portal_setting(name: str):
    return getattr(settings, "PORTAL", {}).get(name, _DEFAULTS[name])


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    issue_id: int
    title: str
    from_level: int
    to_level: int


@dataclass
class SweepResult:
    """What a sweep sent (or, in a dry run, would send) as of ``now``."""

    sweep: str
    now: datetime.datetime
    day: datetime.date
    dry_run: bool
    #: False when the day is not a working day and the sweep did nothing.
    ran: bool = True
    notifications: list[Outgoing] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    events: int = 0
    #: Open issues set back to level 0 because their due date moved past today.
    de_escalated: int = 0
    report_id: int | None = None
    note: str = ""


# --- people --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else f"{self.name} (no e-mail)"


def _people(user_ids) -> dict[int, Person]:
    """Active users by id; an inactive user is nobody's recipient."""
    ids = {uid for uid in user_ids if uid}
    if not ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=ids, is_active=True).values(
        "id", "username", "last_name", "first_name", "email"
    )
    return {
        row["id"]: Person(row["id"], f"{row['last_name']}{row['first_name']}".strip() or row["username"],
                          (row["email"] or "").strip())
        for row in rows
    }


@dataclass(frozen=True)
class Responsible:
    cadre_id: int
    user_id: int
    name: str
    unit_id: int
    unit_name: str
    leader_id: int | None


def _responsible(platform_ids, recorder_ids) -> tuple[dict[int, Responsible], dict[int, Responsible]]:
    """The platforms' current cadres (first-inquiry responsibility), and the recorders as fallback."""
    fields = ("id", "user_id", "user__username", "user__last_name", "user__first_name", "unit_id", "unit__name",
              "unit__leader_id")

    def make(get) -> Responsible:
        name = f"{get('user__last_name')}{get('user__first_name')}".strip() or get("user__username")
        return Responsible(get("id"), get("user_id"), name, get("unit_id"), get("unit__name"), get("unit__leader_id"))

    by_platform, by_cadre = {}, {}
    if platform_ids:
        rows = Assignment.objects.active().filter(platform_id__in=set(platform_ids)).values(
            "platform_id", *(f"cadre__{name}" for name in fields)
        )
        by_platform = {row["platform_id"]: make(lambda name, row=row: row[f"cadre__{name}"]) for row in rows}
    if recorder_ids:
        rows = Cadre.objects.filter(pk__in=set(recorder_ids)).values(*fields)
        by_cadre = {row["id"]: make(row.__getitem__) for row in rows}
    return by_platform, by_cadre


def bureau_staff_ids() -> list[int]:
    return sorted(
        get_user_model().objects.filter(groups__name=BUREAU_STAFF_GROUP, is_active=True).values_list("id", flat=True)
    )


def office_recipient_ids() -> list[int]:
    """The office: bureau staff, and the leader of the unit marked as the office."""
    leaders = Unit.objects.filter(is_office=True, leader__isnull=False).values_list("leader_id", flat=True)
    return sorted({*bureau_staff_ids(), *leaders})


# --- the lock --------------------------------------------------------------------------------------


def _lock_run(kind: str, day: datetime.date) -> SweepRun:
    """Take the sweep's lock row for ``day``, creating it if needed (see the module docstring).

    On PostgreSQL a second sweep's INSERT waits on the first's uncommitted row; get_or_create
    then finds it, and the FOR UPDATE waits until the first sweep has committed.
    """
    SweepRun.objects.get_or_create(kind=kind, day=day)
    return SweepRun.objects.select_for_update().get(kind=kind, day=day)


def _finish_run(run: SweepRun, created: int) -> None:
    run.runs += 1
    run.notifications_created += created
    run.last_run_at = timezone.now()
    run.save(update_fields=["runs", "notifications_created", "last_run_at"])


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
    outgoing: Outgoing


@dataclass
class _Escalate:
    issue: dict
    level: int
    working_days_overdue: int
    people: list[Person]
    outgoing: list[Outgoing]
    unit_name: str
    cadre_name: str


@dataclass
class _DeadlinePlan:
    reminders: list[_Reminder] = field(default_factory=list)
    escalations: list[_Escalate] = field(default_factory=list)

    @property
    def outgoing(self) -> list[Outgoing]:
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
    by_platform, by_recorder = _responsible([r["platform_id"] for r in rows], [r["recorded_by_id"] for r in rows])

    def responsible(row) -> Responsible | None:
        return by_platform.get(row["platform_id"]) or by_recorder.get(row["recorded_by_id"])

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
        plan.reminders.append(_Reminder(row, offset, left, person, Outgoing(
            key=key, kind=Kind.ISSUE_REMINDER, recipient_id=person.user_id, subject=subject, body=body,
            issue_id=row["id"], platform_id=row["platform_id"], recipient_label=person.label, params=params,
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
                Outgoing(key=f"escalation:{level}:issue:{row['id']}:due:{due.isoformat()}:user:{p.user_id}",
                         kind=Kind.ISSUE_ESCALATION, recipient_id=p.user_id, subject=subject, body=body,
                         issue_id=row["id"], platform_id=row["platform_id"], recipient_label=p.label, params=params)
                for p in recipients
            ]
            plan.escalations.append(_Escalate(row, level, late, recipients, outgoing, unit_name, cadre_name))

    # Leave out what was already sent: the sweep is repeatable at any time. (Looked up by issue:
    # a few thousand ids rather than twice as many long keys.)
    sent = existing_keys_for_issues({row["id"] for row in rows})
    plan.reminders = [r for r in plan.reminders if r.outgoing.key not in sent]
    for escalation in plan.escalations:
        escalation.outgoing = [o for o in escalation.outgoing if o.key not in sent]
    return plan


def _apply_deadline_plan(plan: _DeadlinePlan, result: SweepResult) -> int:
    stamp = timezone.now()
    inserted = {n.key: n for n in notifications_insert(plan.outgoing, now=stamp)}
    events = []
    for reminder in plan.reminders:
        notification = inserted.get(reminder.outgoing.key)
        if notification is None:
            continue  # a racing sweep of another day sent it: it has its own event
        issue = reminder.issue
        message_params = {"name": reminder.person.name}
        events.append(IssueEvent(
            issue_id=issue["id"], kind=IssueEvent.Kind.REMINDED, actor=None, at=stamp,
            after={"reminder": reminder.offset, "due_date": issue["due_date"].isoformat(),
                   "working_days_left": reminder.working_days_left, "recipients": [reminder.person.user_id],
                   "notifications": [notification.pk]},
            message=notices.EventMessage.REMINDER_SENT, message_params=message_params,
            note=notices.event_message_text(notices.EventMessage.REMINDER_SENT, message_params),
        ))
    final_level: dict[int, int] = {}
    for escalation in plan.escalations:
        issue = escalation.issue
        final_level[issue["id"]] = max(final_level.get(issue["id"], 0), escalation.level)
        message = (notices.EventMessage.ESCALATED_TO_LEADER if escalation.level == EscalationLevel.UNIT_LEADER
                   else notices.EventMessage.ESCALATED_TO_OFFICE)
        message_params = {"unit": escalation.unit_name, "names": [p.name for p in escalation.people]}
        events.append(IssueEvent(
            issue_id=issue["id"], kind=IssueEvent.Kind.ESCALATED, actor=None, at=stamp,
            before={"escalation_level": escalation.level - 1},
            after={"escalation_level": escalation.level, "due_date": issue["due_date"].isoformat(),
                   "working_days_overdue": escalation.working_days_overdue,
                   "recipients": [p.user_id for p in escalation.people],
                   "notifications": [inserted[o.key].pk for o in escalation.outgoing if o.key in inserted]},
            message=message, message_params=message_params, note=notices.event_message_text(message, message_params),
        ))
    IssueEvent.objects.bulk_create(events)
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


def sweep_deadlines(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Send the reminders and escalations due as of ``now`` and not sent yet (see the module)."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=SweepRun.Kind.DEADLINES, now=now, day=today, dry_run=dry_run)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            plan = _plan_deadlines(today, calendar, lock=False)
            result.notifications = plan.outgoing
            result.escalations = _plan_escalations_result(plan)
            result.de_escalated = _extended_past_today(today).count()
            return result
        with transaction.atomic():
            run = _lock_run(SweepRun.Kind.DEADLINES, today)
            result.de_escalated = _extended_past_today(today).update(
                escalation_level=EscalationLevel.NONE, updated_at=timezone.now()
            )
            plan = _plan_deadlines(today, calendar, lock=True)
            created = _apply_deadline_plan(plan, result)
            result.escalations = _plan_escalations_result(plan)
            _finish_run(run, created)
    return result


def _extended_past_today(today: datetime.date):
    return Issue.objects.open().filter(escalation_level__gt=EscalationLevel.NONE, due_date__gte=today)


# --- contact duties -------------------------------------------------------------------------------


def last_working_day_on_or_before(calendar: WorkdayCalendar, day: datetime.date) -> datetime.date:
    return day if calendar.is_working_day(day) else calendar.add_working_days(day, -1)[0]


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month: a new assignment's first visit is due by then."""
    first_next = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - ONE_DAY


def _assignment_rows(queryset) -> list[dict]:
    return list(
        queryset.filter(platform__is_active=True, cadre__is_active=True).order_by("pk").values(
            "id", "platform_id", "platform__name", "start_date", "cadre_id", "cadre__user_id", "cadre__unit_id",
            "cadre__unit__name", "cadre__unit__leader_id",
        )
    )


def _not_contacted(quarter: reports.Quarter) -> list[dict]:
    contacted = Contact.objects.filter(platform=OuterRef("platform_id"), date__gte=quarter.start, date__lte=quarter.end)
    return _assignment_rows(Assignment.objects.active().exclude(Exists(contacted)))


def _plan_contact_duties(today: datetime.date, calendar: WorkdayCalendar) -> list[Outgoing]:
    """The contact-duty reminders due as of ``today`` (a working day). Each has its own key.

    - The quarter, to the cadre: a platform without any contact this quarter, from
      ``QUARTER_END_REMINDER_DAYS`` (15) days before the quarter's last day until that day.
      Skipped for an assignment younger than ``FIRST_CONTACT_DAYS``: its first-contact week runs.
    - The quarter, to the unit leader: one message per unit listing its platforms not contacted in
      the quarter, on the quarter's last working day (its last day, unless that is a day off), or
      up to ``DUTY_CATCH_UP_DAYS`` later when that day was missed.
    - A new assignment without a contact by its cadre since it started, ``FIRST_CONTACT_DAYS`` (7)
      days after it started; and without a visit, on the last working day of the month it started
      in. Both to the cadre, and caught up for ``DUTY_CATCH_UP_DAYS`` if missed.
    """
    out: list[Outgoing] = []
    quarter = reports.quarter_of(today)
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
        q for q in (quarter, reports.quarter_of(quarter.start - ONE_DAY))
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
            visit_months.append(Q(start_date__gte=month_start, start_date__lte=min(end, today)))
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
        subject, body = notices.notification_text(Kind.QUARTER_CONTACT, values)
        out.append(Outgoing(
            key=f"quarter_contact:platform:{row['platform_id']}:quarter:{quarter.label}:user:{person.user_id}",
            kind=Kind.QUARTER_CONTACT, recipient_id=person.user_id, subject=subject, body=body, params=values,
            assignment_id=row["id"], platform_id=row["platform_id"], recipient_label=person.label,
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
            subject, body = notices.notification_text(Kind.QUARTER_CONTACT_UNIT, values)
            out.append(Outgoing(
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
                      "days": first_contact_days, "month_end": month_end(row["start_date"]).isoformat()}
            subject, body = notices.notification_text(kind, values)
            out.append(Outgoing(
                key=f"{key}:assignment:{row['id']}:user:{person.user_id}",
                kind=kind, recipient_id=person.user_id, subject=subject, body=body, params=values,
                assignment_id=row["id"], platform_id=row["platform_id"], recipient_label=person.label,
            ))
    sent = existing_keys(o.key for o in out)
    return [o for o in out if o.key not in sent]


def sweep_contact_duties(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Send the contact-duty reminders due as of ``now`` and not sent yet."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=SweepRun.Kind.CONTACT_DUTIES, now=now, day=today, dry_run=dry_run)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            result.notifications = _plan_contact_duties(today, calendar)
            return result
        with transaction.atomic():
            run = _lock_run(SweepRun.Kind.CONTACT_DUTIES, today)
            planned = _plan_contact_duties(today, calendar)
            inserted = {n.key for n in notifications_insert(planned, now=timezone.now())}
            result.notifications = [o for o in planned if o.key in inserted]
            _finish_run(run, len(inserted))
    return result


# --- the periodic dispatch report ----------------------------------------------------------------


def _report_outgoing(figures: dict, period: reports.Period, report_id: int | None) -> list[Outgoing]:
    people = _people(bureau_staff_ids())
    params = reports.report_text_figures(figures)
    subject, body = notices.notification_text(Kind.DISPATCH_REPORT, params)
    return [
        Outgoing(key=f"dispatch_report:{period.start.isoformat()}:{period.end.isoformat()}:user:{p.user_id}",
                 kind=Kind.DISPATCH_REPORT, recipient_id=p.user_id, subject=subject, body=body, report_id=report_id,
                 recipient_label=p.label, params=params)
        for p in people.values()
    ]


def sweep_dispatch_report(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Make the latest due weekly report (if not made yet), store it, and notify bureau staff."""
    now = now or timezone.now()
    period = reports.report_period_due(now)
    result = SweepResult(sweep=SweepRun.Kind.DISPATCH_REPORT, now=now, day=period.start, dry_run=dry_run)
    existing = DispatchReport.objects.filter(period_start=period.start, period_end=period.end)
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            if not existing.exists():
                result.notifications = _report_outgoing(reports.report_figures(period), period, None)
            return result
        with transaction.atomic():
            run = _lock_run(SweepRun.Kind.DISPATCH_REPORT, period.start)
            report = existing.first()
            if report is not None:
                result.report_id = report.pk
                result.note = _("The report for %(start)s to %(end)s was already made.") % period.as_dict()
                _finish_run(run, 0)
                return result
            figures = reports.report_figures(period)
            report = DispatchReport.objects.create(
                period_start=period.start, period_end=period.end, figures=figures,
                xlsx=reports.report_xlsx(figures), created_at=timezone.now(),
            )
            result.report_id = report.pk
            planned = _report_outgoing(figures, period, report.pk)
            inserted = {n.key for n in notifications_insert(planned, now=timezone.now())}
            result.notifications = [o for o in planned if o.key in inserted]
            _finish_run(run, len(inserted))
    return result


SWEEPS = {
    "deadlines": sweep_deadlines,
    "contact_duties": sweep_contact_duties,
    "dispatch_report": sweep_dispatch_report,
}


# --- catching up, as beat would have --------------------------------------------------------------

#: How far back ``catch_up_sweeps`` looks: enough for every reminder offset and both escalations.
CATCH_UP_WORKING_DAYS = 10
#: The daily sweeps, in the order beat runs them each morning.
_DAILY_SWEEPS = ((SweepRun.Kind.DEADLINES, sweep_deadlines), (SweepRun.Kind.CONTACT_DUTIES, sweep_contact_duties))


def _sweep_moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, SWEEP_TIME, tzinfo=SCHEDULE_TZ)


def days_to_catch_up(
    kind: str, *, now: datetime.datetime, calendar: WorkdayCalendar, working_days: int = CATCH_UP_WORKING_DAYS
) -> list[datetime.date]:
    """The working days, oldest first, whose daily sweep of ``kind`` beat would have run by ``now``
    and nobody has: among the last ``working_days`` of them (today only once its sweep time has
    passed), those after the latest day the sweep already ran for.

    Only days after the latest run: a sweep run as of an earlier day than one already swept would
    undo that day's escalations (an issue not yet due then goes back to level 0).
    """
    today = local_date(now)
    last = today if now >= _sweep_moment(today) else today - ONE_DAY
    already = SweepRun.objects.filter(kind=kind, day__lte=last).order_by("-day").values_list("day", flat=True).first()
    # A bound in calendar days too, so that even a calendar without working days ends the walk.
    earliest = last - datetime.timedelta(days=7 * working_days)
    if already is not None:
        earliest = max(earliest, already + ONE_DAY)
    days: list[datetime.date] = []
    day = last
    while len(days) < working_days and day >= earliest:
        if calendar.is_working_day(day):
            days.append(day)
        day -= ONE_DAY
    return days[::-1]


def catch_up_sweeps(
    *, now: datetime.datetime | None = None, working_days: int = CATCH_UP_WORKING_DAYS
) -> list[SweepResult]:
    """Do what beat would have done had the portal been running: each daily sweep for each of the
    recent working days it has not run for (``days_to_catch_up``), oldest first, each as of that
    day's sweep time; then the latest periodic dispatch report, unless it was made already.

    Repeating it changes nothing: the days already swept are skipped, and each sweep sends only
    what it has not sent (see the module). Records are stamped with the real time, as ever.
    """
    now = now or timezone.now()
    calendar = load_calendar()
    plans = {kind: days_to_catch_up(kind, now=now, calendar=calendar, working_days=working_days)
             for kind, _sweep in _DAILY_SWEEPS}
    results = []
    for day in sorted({day for days in plans.values() for day in days}):
        for kind, sweep in _DAILY_SWEEPS:
            if day in plans[kind]:
                results.append(sweep(now=_sweep_moment(day)))
    period = reports.report_period_due(now)
    if not DispatchReport.objects.filter(period_start=period.start, period_end=period.end).exists():
        results.append(sweep_dispatch_report(now=now))
    return results
