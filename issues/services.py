"""Every change of state to issues and to the working-day calendar.

Pages, the API, the admin and the periodic jobs all call these functions: one rule, one place.
Each runs in one transaction, checks who may act with the predicates in ``issues.access``
(raising ``PermissionDenied``), raises ``ValidationError`` with field messages a person can act
on, and writes what it did on the issue's timeline (``IssueEvent``). An action returns the issue
as saved, read afresh under its row lock: the instance passed in is not updated.

Decisions the design leaves open, made here:

- Reopening does not restart the clock: the due date stands, and a reopened issue past it is
  late. Closing it again records on time or late against that due date.
- A reopened class A issue (say, after a low rating) is reclassified B (the cadre takes it back
  to their own unit), its clock counting from the day it was reopened: it never had one before.
- Reclassifying among B, C and D clears the handover (each class goes to different units), so
  the issue is handed over again. Reclassifying to A closes it as resolved now, with the answer.
- Determining a solution or resolving withdraws a pending extension request.
- A rating is one per resolution; a rating of 1 or 2 reopens the issue (the rating stays on the
  timeline, and the platform rates again after the next resolution).
- A closed issue's due date and on-time flag are history: calendar changes recompute open issues
  only.
- A hand-over tells the leaders of the lead unit and of each cooperating unit (one notification
  each per hand-over; not the person who handed it over, who knows). A decided extension tells
  its requester. A platform moved to another cadre (``issues_note_transfer``, called when
  ``liaison`` sends ``platform_transferred``) puts an entry on each of its open issues' timelines
  and tells the new cadre.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, require_text_lengths, text_length_errors
from config.portal import portal_setting
from config.timeline import timeline_value
from liaison.access import roles_of
from liaison.duties import first_visit_due
from liaison.models import Assignment, Cadre, Contact, Unit, user_display_name
from notices.registry import topic
from notices.services import Notice, notices_send
from platforms.models import Platform

from . import access, notices
from .calendar import DayEntry, compute_deadline, load_calendar
from .models import CalendarDay, CalendarYear, ExtensionRequest, Issue, IssueClass, IssueEvent, Supervision
from .signals import issue_closed
from .workdays import FIRST_DATE, LAST_DATE, WorkdayCalendar

Kind = IssueEvent.Kind
Status = Issue.Status

#: A sanity limit on an extension asked in working days (about a year).
MAX_EXTENSION_WORKING_DAYS = 250


def _today() -> datetime.date:
    return timezone.localdate()


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


_json = timeline_value


def _snapshot(issue: Issue, *fields: str) -> dict:
    values = {}
    for name in fields:
        if name == "handed_to_unit":
            unit = issue.handed_to_unit
            values[name] = _json(unit) if unit else None
        elif name == "cooperating_units":
            values[name] = [_json(u) for u in issue.cooperating_units.order_by("name")] if issue.pk else []
        else:
            values[name] = _json(getattr(issue, name))
    return values


def _record(
    issue: Issue, kind: str, *, by, before=None, after=None, note: str = "", message: str = "", message_params=None
) -> IssueEvent:
    """One timeline entry. A note the portal writes itself also gives its ``message`` key and
    params, so that it reads in each reader's language (``notices.event_note``)."""
    event = _event(issue, kind, by=by, before=before, after=after, note=note, message=message,
                   message_params=message_params)
    event.save(force_insert=True)
    return event


def _event(
    issue: Issue, kind: str, *, by, before=None, after=None, note: str = "", message: str = "", message_params=None
) -> IssueEvent:
    """One timeline entry, not saved yet: ``_record`` saves one, ``IssueEvent.objects.bulk_create``
    several in one statement."""
    return IssueEvent(
        issue=issue, kind=kind, actor=by, before=before or {}, after=after or {}, note=note,
        message=message, message_params=message_params or {},
    )


#: The PostgreSQL advisory lock that orders calendar changes and deadline counts (any fixed number
#: no other lock in the portal uses).
CALENDAR_LOCK_KEY = 2026_13_0001


def _hold_calendar(*, exclusive: bool = False) -> None:
    """Hold the calendar until this transaction ends: alone (``exclusive``) to change it, shared to
    count a deadline on it.

    Without it, an issue recorded while an admin changed the calendar kept the old deadline: it
    read the old calendar, and the change's recount of open issues did not see it yet. Now a
    calendar change waits for the counts in progress to commit (its recount then sees them), and
    a count started during a change waits for it to commit (and reads the new calendar: each
    statement reads what is committed). Counts do not wait for each other. Taken first, before any
    row lock, so the change's row locks on open issues cannot deadlock with it.

    PostgreSQL only: on SQLite every transaction takes the database's write lock when it begins
    (``transaction_mode`` IMMEDIATE), which serialises them already.
    """
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [CALENDAR_LOCK_KEY])


def _lock(issue: Issue) -> Issue:
    # Every action on an issue takes its row lock first: two people acting at once are serialised,
    # and each sees the other's result (status, due date) before checking its own rules.
    # ``of=("self",)``: lock the issue only, not the platform and cadre rows joined for reading.
    return (
        Issue.objects.select_for_update(of=("self",))
        .select_related("platform", "recorded_by__unit")
        .get(pk=issue.pk)
    )


def _require_open(issue: Issue, message: str | None = None) -> None:
    if not issue.is_open:
        raise ValidationError(
            message or _("This issue is %(status)s; reopen it first.") % {"status": issue.get_status_display()},
            code="not_open",
        )


def _approved_extensions(issue: Issue) -> list[ExtensionRequest]:
    return list(issue.extensions.filter(status=ExtensionRequest.Status.APPROVED))


def _apply_deadline(issue: Issue, calendar: WorkdayCalendar, extensions=None) -> bool:
    """Set the issue's deadline fields from the calendar; return whether anything moved."""
    deadline = compute_deadline(
        calendar=calendar,
        issue_class=issue.issue_class,
        counted_from=issue.clock_started_on,
        extensions=_approved_extensions(issue) if extensions is None and issue.pk else (extensions or ()),
    )
    before = (issue.original_due_date, issue.due_date, issue.due_date_provisional)
    issue.original_due_date = deadline.original_due_date
    issue.due_date = deadline.due_date
    issue.due_date_provisional = deadline.provisional
    return before != (issue.original_due_date, issue.due_date, issue.due_date_provisional)


_DEADLINE_FIELDS = ("original_due_date", "due_date", "due_date_provisional")


def _latest_extended_due_date(issue: Issue) -> datetime.date:
    """The latest due date an extension may set: ``MAX_EXTENSION_WORKING_DAYS`` after the current one.

    The same limit as an extension in working days, so that a date typed by mistake (9999-12-31)
    cannot put a deadline out of reach of every count and reminder.
    """
    latest, _provisional = load_calendar().add_working_days(issue.due_date, MAX_EXTENSION_WORKING_DAYS)
    return latest


def _too_late_message(latest: datetime.date) -> str:
    return _("The new due date may be at most %(max)d working days after the current one: %(date)s at the latest.") % {
        "max": MAX_EXTENSION_WORKING_DAYS, "date": latest.isoformat()
    }


def _stop_clock(issue: Issue, *, kind: str, on: datetime.date) -> None:
    issue.closed_on = on
    issue.closure_kind = kind
    issue.on_time = issue.due_date is None or on <= issue.due_date


def _withdraw_pending_extensions(issue: Issue) -> list[int]:
    pending = list(issue.extensions.filter(status=ExtensionRequest.Status.PENDING))
    for extension in pending:
        extension.status = ExtensionRequest.Status.WITHDRAWN
        extension.save(update_fields=["status"])
    return [e.pk for e in pending]


def _save(issue: Issue, *fields: str) -> None:
    issue.save(update_fields=[*fields, "updated_at"])


# --- creating and classifying --------------------------------------------------------------------


def issue_create(
    *,
    by: User,
    platform: Platform,
    title: str,
    service_area: str,
    issue_class: str,
    description: str = "",
    recorded_on: datetime.date | None = None,
    contact: Contact | None = None,
    answer: str = "",
) -> Issue:
    """Record an issue a platform raised. Only its responsible cadre on ``recorded_on`` may.

    ``recorded_on`` defaults to the contact's date, else today, and may not be in the future.
    Class A needs the ``answer`` given on the spot and is recorded as resolved; B, C and D get
    their deadline (10, 15 or 30 working days after ``recorded_on``).

    The checks read; then the calendar is held, the issue written and its first timeline entries
    with it (in one statement), in one transaction: the caller's without a savepoint of its own
    (a contact's issues are saved all or nothing with it), else a new one.
    """
    if recorded_on is None:
        recorded_on = contact.date if contact is not None else _today()
    if recorded_on > _today():
        raise ValidationError({"recorded_on": _("The recorded date cannot be in the future.")}, code="future")
    if not access.can_create_issue(by, platform=platform, on=recorded_on):
        raise _deny(
            _("Only the cadre responsible for the platform on %(date)s may record its issues.")
            % {"date": recorded_on.isoformat()}
        )
    title, description, answer = title.strip(), description.strip(), answer.strip()
    errors = text_length_errors(description=(description, LONG_TEXT_MAX_LENGTH), answer=(answer, LONG_TEXT_MAX_LENGTH))
    if not title:
        errors["title"] = _("Give the issue a title.")
    elif len(title) > Issue._meta.get_field("title").max_length:
        errors["title"] = _("Keep the title under 200 characters; put the detail in the description.")
    if service_area not in Issue.ServiceArea.values:
        errors["service_area"] = _("Choose the service area.")
    if issue_class not in IssueClass.values:
        errors["issue_class"] = _("Choose the class: A, B, C or D.")
    elif issue_class == IssueClass.A and not answer:
        errors["answer"] = _("A class A issue is solved on the spot: say what was answered.")
    elif issue_class != IssueClass.A and answer:
        errors["answer"] = _("Only a class A issue is answered on the spot; choose class A or leave the answer empty.")
    if contact is not None:
        if contact.platform_id != platform.pk:
            errors["contact"] = _("That contact was with another platform.")
        elif contact.date > recorded_on:
            errors["contact"] = _("That contact took place after the recorded date.")
    if errors:
        raise ValidationError(errors)

    cadre = roles_of(by).cadre
    with transaction.atomic(savepoint=False):
        _hold_calendar()
        issue = Issue(
            platform=platform,
            recorded_by=cadre,
            contact=contact,
            title=title,
            description=description,
            service_area=service_area,
            issue_class=issue_class,
            recorded_on=recorded_on,
            clock_started_on=recorded_on,
        )
        if issue_class == IssueClass.A:
            issue.answer = answer
            issue.status = Status.RESOLVED
            issue.resolved_on = recorded_on
            _stop_clock(issue, kind=Issue.ClosureKind.RESOLVED, on=recorded_on)
        else:
            issue.status = Status.OPEN
            _apply_deadline(issue, load_calendar(), extensions=())
        issue.save()

        events = [
            _event(issue, Kind.CREATED, by=by, after={
                "title": title, "platform": _json(platform), "recorded_on": recorded_on.isoformat(),
                "service_area": service_area, "contact": contact.pk if contact else None}),
            _event(issue, Kind.CLASSIFIED, by=by, after=_snapshot(issue, "issue_class", *_DEADLINE_FIELDS)),
        ]
        if issue_class == IssueClass.A:
            events.append(_event(issue, Kind.RESOLVED, by=by, after=_snapshot(issue, "status", "closed_on", "on_time"),
                                 note=answer))
        IssueEvent.objects.bulk_create(events)
        if issue_class == IssueClass.A:
            _announce_closure(issue, kind=Kind.RESOLVED, by=by)
    return issue


@transaction.atomic
def issue_reclassify(*, issue: Issue, by: User, new_class: str, reason: str, answer: str = "") -> Issue:
    """Change an open issue's class, with a reason; its deadline is counted again from the start.

    To A: the issue is resolved now with ``answer`` (on time if before its due date). Among B, C
    and D: the handover is cleared, since each class goes to different units.
    """
    _hold_calendar()
    issue = _lock(issue)
    if not access.can_reclassify_issue(by, issue):
        raise _deny(_("Only the responsible cadre, their unit leader or bureau staff may reclassify this issue."))
    _require_open(issue)
    reason, answer = reason.strip(), answer.strip()
    errors = text_length_errors(reason=(reason, SHORT_TEXT_MAX_LENGTH), answer=(answer, LONG_TEXT_MAX_LENGTH))
    if new_class not in IssueClass.values:
        errors["new_class"] = _("Choose the class: A, B, C or D.")
    elif new_class == issue.issue_class:
        errors["new_class"] = _("The issue is already class %(class)s.") % {"class": new_class}
    elif new_class == IssueClass.A and not answer:
        errors["answer"] = _("A class A issue is solved on the spot: say what was answered.")
    if not reason:
        errors["reason"] = _("Give the reason for the new class.")
    if errors:
        raise ValidationError(errors)

    fields = ("issue_class", "status", *_DEADLINE_FIELDS, "handed_to_unit", "cooperating_units")
    before = _snapshot(issue, *fields)
    issue.issue_class = new_class
    if new_class == IssueClass.A:
        today = _today()
        issue.answer = answer
        _stop_clock(issue, kind=Issue.ClosureKind.RESOLVED, on=today)
        issue.status = Status.RESOLVED
        issue.resolved_on = today
        issue.original_due_date = issue.due_date = None
        issue.due_date_provisional = False
        withdrawn = _withdraw_pending_extensions(issue)
        _save(issue, "issue_class", "answer", "status", "resolved_on", "closed_on", "closure_kind", "on_time",
              *_DEADLINE_FIELDS)
    else:
        withdrawn = []
        _apply_deadline(issue, load_calendar())
        if issue.status == Status.HANDED_OVER:
            issue.status = Status.OPEN
            issue.handed_to_unit = None
            issue.handed_over_at = None
            issue.cooperating_units.clear()
        _save(issue, "issue_class", "status", "handed_to_unit", "handed_over_at", *_DEADLINE_FIELDS)
    after = _snapshot(issue, *fields)
    if withdrawn:
        after["withdrawn_extensions"] = withdrawn
    _record(issue, Kind.RECLASSIFIED, by=by, before=before, after=after, note=reason)
    if new_class == IssueClass.A:
        _record(issue, Kind.RESOLVED, by=by, after=_snapshot(issue, "closed_on", "on_time"), note=answer)
    return issue


# --- handing over ----------------------------------------------------------------------------


def _own_unit(issue: Issue) -> Unit:
    cadre = access.responsible_cadre(issue) or issue.recorded_by
    return cadre.unit


@transaction.atomic
def issue_hand_over(
    *,
    issue: Issue,
    by: User,
    lead_unit: Unit | None = None,
    cooperating_units: Iterable[Unit] = (),
    note: str = "",
) -> Issue:
    """Hand an open issue over (交办) to the unit(s) that must solve it.

    Class B goes to the responsible cadre's own unit and class D to the city committee's office:
    ``lead_unit`` may be left out for both. Class C names a ``lead_unit`` and at least one of the
    ``cooperating_units``. Handing over again replaces the units.
    """
    issue = _lock(issue)
    if not access.can_hand_over_issue(by, issue):
        raise _deny(_("Only the responsible cadre, their unit leader or bureau staff may hand this issue over."))
    if issue.issue_class == IssueClass.A:
        raise ValidationError(_("A class A issue is solved on the spot; there is nothing to hand over."), code="class_a")
    _require_open(issue)
    cooperating = {u.pk: u for u in cooperating_units}
    errors = text_length_errors(note=(note.strip(), SHORT_TEXT_MAX_LENGTH))
    if issue.issue_class == IssueClass.B:
        target = _own_unit(issue)
        if lead_unit is not None and lead_unit.pk != target.pk:
            errors["lead_unit"] = _("A class B issue goes to the cadre's own unit, %(unit)s.") % {"unit": target}
        if cooperating:
            errors["cooperating_units"] = _("A class B issue has no cooperating units; reclassify it C if it needs them.")
    elif issue.issue_class == IssueClass.D:
        target = Unit.objects.filter(is_office=True).first()
        if target is None:
            errors["lead_unit"] = _("No unit is marked as the city committee's office; an admin must mark one first.")
        elif lead_unit is not None and lead_unit.pk != target.pk:
            errors["lead_unit"] = _("A class D issue goes to the city committee's office, %(unit)s.") % {"unit": target}
        if cooperating:
            errors["cooperating_units"] = _("A class D issue is coordinated by the office; name no cooperating units.")
    else:
        target = lead_unit
        if target is None:
            errors["lead_unit"] = _("A class C issue needs a lead unit.")
        if not cooperating:
            errors["cooperating_units"] = _("A class C issue needs at least one cooperating unit.")
        elif target is not None and target.pk in cooperating:
            errors["cooperating_units"] = _("The lead unit cannot also be a cooperating unit.")
    if not errors and issue.status == Status.HANDED_OVER and issue.handed_to_unit_id == target.pk and set(
        issue.cooperating_units.values_list("pk", flat=True)
    ) == set(cooperating):
        errors["lead_unit"] = _("The issue is already handed over to these units.")
    if errors:
        raise ValidationError(errors)

    fields = ("status", "handed_to_unit", "cooperating_units")
    before = _snapshot(issue, *fields)
    issue.status = Status.HANDED_OVER
    issue.handed_to_unit = target
    issue.handed_over_at = timezone.now()
    _save(issue, "status", "handed_to_unit", "handed_over_at")
    issue.cooperating_units.set(cooperating.values())
    event = _record(issue, Kind.HANDED_OVER, by=by, before=before, after=_snapshot(issue, *fields), note=note.strip())
    _notify_hand_over(issue, event=event, by=by, lead_unit=target,
                      cooperating_units=sorted(cooperating.values(), key=lambda u: u.name))
    return issue


def _active_user_ids(user_ids) -> set[int]:
    """Those of ``user_ids`` who are active: an inactive user is nobody's recipient."""
    return set(get_user_model().objects.filter(pk__in={u for u in user_ids if u}, is_active=True)
               .values_list("pk", flat=True))


def _notify_hand_over(issue: Issue, *, event: IssueEvent, by, lead_unit: Unit, cooperating_units: list[Unit]) -> None:
    """Tell the leader of the lead unit and of each cooperating unit, once per hand-over (keyed by its
    timeline entry). A leader of several of the units is told once, in the lead role if theirs."""
    roles = [(lead_unit, "lead")] + [(unit, "cooperating") for unit in cooperating_units]
    active = _active_user_ids(unit.leader_id for unit, _role in roles)
    told: set[int] = set()
    base = {"id": issue.pk, "title": issue.title, "platform": issue.platform.name, "class": issue.issue_class,
            "due": _json(issue.due_date), "by": user_display_name(by), "note": event.note,
            "lead_unit": lead_unit.name, "cooperating_units": [unit.name for unit in cooperating_units]}
    planned = []
    for unit, role in roles:
        leader_id = unit.leader_id
        if leader_id not in active or leader_id in told or leader_id == by.pk:
            continue
        told.add(leader_id)
        planned.append(Notice(
            key=f"handover:issue:{issue.pk}:event:{event.pk}:user:{leader_id}",
            kind=notices.Kind.ISSUE_HANDED_OVER, recipient_id=leader_id,
            params={**base, "unit": unit.name, "role": role}, topic=topic("issue", issue.pk),
        ))
    notices_send(planned)


# --- a platform moved to another cadre ------------------------------------------------------------


@transaction.atomic
def issues_note_transfer(
    *,
    platform: Platform,
    from_cadre: Cadre,
    to_cadre: Cadre,
    reason: str,
    on: datetime.date,
    assignment: Assignment,
    by: User | None = None,
    notify: bool = True,
) -> list[IssueEvent]:
    """Record that ``platform`` moved from ``from_cadre`` to ``to_cadre`` on ``on`` (``assignment``
    being the new one), for ``reason``, by ``by`` (None: not known).

    Called when ``liaison`` sends ``platform_transferred``, inside its transaction. Each open issue
    of the platform (its issues follow it: first-inquiry responsibility) gets a ``transferred``
    timeline entry; the new cadre is told, once per assignment, of the platform's open issues and
    of their contact duties, unless ``notify`` is false (a cadre's hand-over tells each successor
    once of all they received: ``issues_note_hand_over``). Returns the timeline entries.
    """
    open_issues = list(Issue.objects.open().filter(platform=platform).order_by(F("due_date").asc(nulls_last=True), "pk"))
    now = timezone.now()
    reason = reason.strip()
    events = IssueEvent.objects.bulk_create([
        IssueEvent(issue=issue, kind=Kind.TRANSFERRED, actor=by, at=now,
                   before={"responsible_cadre": _json(from_cadre)},
                   after={"responsible_cadre": _json(to_cadre), "transferred_on": on.isoformat()},
                   note=reason)
        for issue in open_issues
    ])
    new_cadre_user = to_cadre.user_id
    if not notify:
        return events
    if new_cadre_user in _active_user_ids([new_cadre_user]) and new_cadre_user != getattr(by, "pk", None):
        params = {
            "platform": platform.name, "from_cadre": from_cadre.name, "reason": reason,
            **_first_duties(on),
            "issues": [_issue_line(issue) for issue in open_issues],
        }
        notices_send([Notice(
            key=f"platform_transferred:assignment:{assignment.pk}:user:{new_cadre_user}",
            kind=notices.Kind.PLATFORM_TRANSFERRED, recipient_id=new_cadre_user, params=params,
            topic=topic("platform", platform.pk),
        )], now=now)
    return events


def _first_duties(on: datetime.date) -> dict:
    """A new assignment's contact duties from ``on``, as a transfer notice's params."""
    first_contact_days = int(portal_setting("FIRST_CONTACT_DAYS"))
    return {
        "start": on.isoformat(),
        "days": first_contact_days,
        "first_contact_by": (on + datetime.timedelta(days=first_contact_days)).isoformat(),
        "month_end": first_visit_due(on).isoformat(),
    }


def _issue_line(issue: Issue) -> list:
    return [issue.pk, issue.title, issue.issue_class, _json(issue.due_date)]


def issues_note_hand_over(
    *,
    key: str,
    from_cadre: Cadre,
    received: dict[Cadre, list[Assignment]],
    reason: str,
    on: datetime.date,
    by: User | None = None,
) -> list:
    """Tell each successor of a leaving cadre, once, of all the platforms they received in the
    hand-over ``key`` (``received``: successor -> their new assignments) with each platform's open
    issues and their contact duties. Called when ``liaison`` sends ``cadre_handed_over``, inside its
    transaction, after each platform's ``platform_transferred`` put the move on the issues'
    timelines. Returns the notifications written."""
    platform_ids = [a.platform_id for assignments in received.values() for a in assignments]
    open_by_platform: dict[int, list[Issue]] = {}
    for issue in Issue.objects.open().filter(platform_id__in=platform_ids).order_by(
        F("due_date").asc(nulls_last=True), "pk"
    ):
        open_by_platform.setdefault(issue.platform_id, []).append(issue)
    active = _active_user_ids(cadre.user_id for cadre in received)
    planned = []
    for cadre, assignments in sorted(received.items(), key=lambda item: item[0].pk):
        if cadre.user_id not in active or cadre.user_id == getattr(by, "pk", None):
            continue
        assignments = sorted(assignments, key=lambda a: a.platform.name)
        params = {
            "from_cadre": from_cadre.name, "reason": reason.strip(), **_first_duties(on),
            "platforms": [
                [a.platform_id, a.platform.name, [_issue_line(i) for i in open_by_platform.get(a.platform_id, [])]]
                for a in assignments
            ],
        }
        planned.append(Notice(
            key=f"platforms_handed_over:{key}:user:{cadre.user_id}",
            kind=notices.Kind.PLATFORMS_HANDED_OVER, recipient_id=cadre.user_id, params=params,
            topic=topic("platform", assignments[0].platform_id) if len(assignments) == 1 else "",
        ))
    return notices_send(planned)


# --- comments and system events ------------------------------------------------------------


@transaction.atomic
def issue_comment(*, issue: Issue, by: User, text: str) -> IssueEvent:
    """Add a comment to the issue's timeline; anyone who may see the issue may comment."""
    if not access.can_comment_on_issue(by, issue):
        raise _deny(_("You may not comment on this issue."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the comment.")}, code="required")
    require_text_lengths(text=(text, SHORT_TEXT_MAX_LENGTH))
    return _record(issue, Kind.COMMENTED, by=by, note=text)


@transaction.atomic
def issue_record_event(
    *, issue: Issue, kind: str, note: str = "", details: dict | None = None, by: User | None = None
) -> IssueEvent:
    """Put a reminder or an escalation on the timeline (for the periodic jobs; ``by`` empty = system).

    Only the kinds nobody takes by hand are accepted here: every other kind has its own service.
    """
    if kind not in (Kind.REMINDED, Kind.ESCALATED):
        raise ValueError(f"issue_record_event records reminders and escalations, not {kind!r}")
    return _record(issue, kind, by=by, after=details or {}, note=note)


# --- extensions --------------------------------------------------------------------------------


@transaction.atomic
def issue_request_extension(
    *,
    issue: Issue,
    by: User,
    reason: str,
    new_due_date: datetime.date | None = None,
    extra_working_days: int | None = None,
) -> ExtensionRequest:
    """The responsible cadre asks for more time: a new due date or extra working days, with a reason."""
    issue = _lock(issue)
    if not access.can_request_extension(by, issue):
        raise _deny(_("Only the platform's responsible cadre may ask for an extension."))
    if issue.issue_class == IssueClass.A:
        raise ValidationError(_("A class A issue has no deadline to extend."), code="class_a")
    _require_open(issue)
    reason = reason.strip()
    errors = text_length_errors(reason=(reason, SHORT_TEXT_MAX_LENGTH))
    if not reason:
        errors["reason"] = _("Give the reason more time is needed.")
    if (new_due_date is None) == (extra_working_days is None):
        errors["new_due_date"] = _("Ask for either a new due date or a number of extra working days.")
    elif new_due_date is not None:
        if new_due_date <= issue.due_date:
            errors["new_due_date"] = _("The new due date must be after the current one, %(date)s.") % {
                "date": issue.due_date.isoformat()
            }
        elif new_due_date < _today():
            errors["new_due_date"] = _("The new due date cannot be in the past.")
        elif new_due_date > (latest := _latest_extended_due_date(issue)):
            errors["new_due_date"] = _too_late_message(latest)
    elif not 1 <= extra_working_days <= MAX_EXTENSION_WORKING_DAYS:
        errors["extra_working_days"] = _("Ask for between 1 and %(max)d extra working days.") % {
            "max": MAX_EXTENSION_WORKING_DAYS
        }
    if not errors and issue.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        errors["__all__"] = _("An extension request for this issue is already waiting for a decision.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                issue=issue,
                requested_by=by,
                reason=reason,
                requested_due_date=new_due_date,
                requested_working_days=extra_working_days,
                due_date_at_request=issue.due_date,
            )
    except IntegrityError:
        raise ValidationError(_("An extension request for this issue is already waiting for a decision."))
    _record(
        issue,
        Kind.EXTENSION_REQUESTED,
        by=by,
        after={"extension": extension.pk, "due_date": _json(issue.due_date), "requested_due_date": _json(new_due_date),
               "requested_working_days": extra_working_days},
        note=reason,
    )
    return extension


@transaction.atomic
def issue_decide_extension(
    *,
    extension: ExtensionRequest,
    by: User,
    approve: bool,
    note: str = "",
    new_due_date: datetime.date | None = None,
    extra_working_days: int | None = None,
) -> ExtensionRequest:
    """Bureau staff approve or refuse a pending extension request.

    Approving grants what was asked unless ``new_due_date`` or ``extra_working_days`` says
    otherwise; the new deadline is on the timeline with ``note``. Refusing needs a ``note``.
    """
    _hold_calendar()
    issue = _lock(extension.issue)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if not access.can_decide_extension(by, issue):
        raise _deny(_("Only bureau staff may decide on extensions."))
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ValidationError(
            _("This request was already decided: %(status)s.") % {"status": extension.get_status_display()},
            code="decided",
        )
    note = note.strip()
    require_text_lengths(note=(note, SHORT_TEXT_MAX_LENGTH))
    now = timezone.now()
    if not approve:
        if not note:
            raise ValidationError({"note": _("Give the reason for refusing, for the cadre to read.")})
        extension.status = ExtensionRequest.Status.REFUSED
        extension.decided_by, extension.decided_at, extension.decision_note = by, now, note
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _record(issue, Kind.EXTENSION_REFUSED, by=by, after={"extension": extension.pk}, note=note)
        _notify_extension_decided(issue, extension=extension, by=by)
        return extension

    _require_open(issue, _("The issue's clock has stopped; there is nothing to extend. Refuse the request instead."))
    if new_due_date is not None and extra_working_days is not None:
        raise ValidationError({"new_due_date": _("Grant either a new due date or extra working days, not both.")})
    if new_due_date is None and extra_working_days is None:
        new_due_date, extra_working_days = extension.requested_due_date, extension.requested_working_days
    if new_due_date is not None and new_due_date <= issue.due_date:
        raise ValidationError(
            {"new_due_date": _("The new due date must be after the current one, %(date)s.")
             % {"date": issue.due_date.isoformat()}}
        )
    if new_due_date is not None and new_due_date > (latest := _latest_extended_due_date(issue)):
        raise ValidationError({"new_due_date": _too_late_message(latest)})
    if extra_working_days is not None and not 1 <= extra_working_days <= MAX_EXTENSION_WORKING_DAYS:
        raise ValidationError(
            {"extra_working_days": _("Grant between 1 and %(max)d extra working days.") % {"max": MAX_EXTENSION_WORKING_DAYS}}
        )
    extension.status = ExtensionRequest.Status.APPROVED
    extension.decided_by, extension.decided_at, extension.decision_note = by, now, note
    extension.granted_due_date, extension.granted_working_days = new_due_date, extra_working_days
    extension.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "granted_due_date", "granted_working_days"]
    )
    before = _snapshot(issue, *_DEADLINE_FIELDS)
    _apply_deadline(issue, load_calendar())
    # No longer late: the escalation was for the old date; the sweep escalates afresh if the new one passes.
    if issue.escalation_level and issue.due_date >= _today():
        issue.escalation_level = Issue.EscalationLevel.NONE
    _save(issue, *_DEADLINE_FIELDS, "escalation_level")
    after = _snapshot(issue, *_DEADLINE_FIELDS)
    after["extension"] = extension.pk
    _record(issue, Kind.EXTENDED, by=by, before=before, after=after, note=note or extension.reason)
    _notify_extension_decided(issue, extension=extension, by=by)
    return extension


def _notify_extension_decided(issue: Issue, *, extension: ExtensionRequest, by) -> None:
    """Tell whoever asked for the extension what was decided (once: a request is decided once)."""
    requester_id = extension.requested_by_id
    if requester_id == by.pk or requester_id not in _active_user_ids([requester_id]):
        return
    params = {"id": issue.pk, "title": issue.title, "approved": extension.status == ExtensionRequest.Status.APPROVED,
              "due": _json(issue.due_date), "by": user_display_name(by), "note": extension.decision_note}
    notices_send([Notice(
        key=f"extension_decided:extension:{extension.pk}:user:{requester_id}",
        kind=notices.Kind.EXTENSION_DECIDED, recipient_id=requester_id, params=params,
        topic=topic("issue", issue.pk),
    )])


# --- stopping the clock, reopening, rating -----------------------------------------------------


@transaction.atomic
def issue_determine_solution(*, issue: Issue, by: User, solution: str) -> Issue:
    """Record that a solution is determined (确定解决方案): the clock stops, on time or late."""
    issue = _lock(issue)
    if not access.can_determine_solution(by, issue):
        raise _deny(_("You may not record a solution for this issue."))
    _require_open(issue)
    solution = solution.strip()
    if not solution:
        raise ValidationError({"solution": _("Describe the solution that was determined.")})
    require_text_lengths(solution=(solution, LONG_TEXT_MAX_LENGTH))
    before = _snapshot(issue, "status")
    _stop_clock(issue, kind=Issue.ClosureKind.SOLUTION_DETERMINED, on=_today())
    issue.status = Status.SOLUTION_DETERMINED
    issue.solution = solution
    withdrawn = _withdraw_pending_extensions(issue)
    _save(issue, "status", "solution", "closed_on", "closure_kind", "on_time")
    after = _snapshot(issue, "status", "closed_on", "closure_kind", "on_time", "due_date")
    if withdrawn:
        after["withdrawn_extensions"] = withdrawn
    _record(issue, Kind.SOLUTION_DETERMINED, by=by, before=before, after=after, note=solution)
    _announce_closure(issue, kind=Kind.SOLUTION_DETERMINED, by=by)
    return issue


@transaction.atomic
def issue_resolve(*, issue: Issue, by: User, resolution: str) -> Issue:
    """Record the issue resolved (办结). From open, this stops the clock; after a solution was
    determined, the clock stays where it stopped and only the resolution is added."""
    issue = _lock(issue)
    if not access.can_resolve_issue(by, issue):
        raise _deny(_("You may not resolve this issue."))
    if issue.status == Status.RESOLVED:
        raise ValidationError(_("This issue is already resolved."), code="resolved")
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the issue was resolved.")})
    require_text_lengths(resolution=(resolution, LONG_TEXT_MAX_LENGTH))
    today = _today()
    before = _snapshot(issue, "status")
    if issue.is_open:
        _stop_clock(issue, kind=Issue.ClosureKind.RESOLVED, on=today)
    issue.status = Status.RESOLVED
    issue.resolved_on = today
    issue.resolution = resolution
    withdrawn = _withdraw_pending_extensions(issue)
    _save(issue, "status", "resolved_on", "resolution", "closed_on", "closure_kind", "on_time")
    after = _snapshot(issue, "status", "closed_on", "closure_kind", "on_time", "resolved_on", "due_date")
    if withdrawn:
        after["withdrawn_extensions"] = withdrawn
    _record(issue, Kind.RESOLVED, by=by, before=before, after=after, note=resolution)
    _announce_closure(issue, kind=Kind.RESOLVED, by=by)
    return issue


def closure_number(issue: Issue) -> int:
    """Which closure of the issue this is: 1 for the first, one more after each reopening."""
    return issue.reopen_count + 1


def _announce_closure(issue: Issue, *, kind: str, by) -> None:
    issue_closed.send(sender=Issue, issue=issue, kind=kind, closure=closure_number(issue), by=by)


def _reopen(issue: Issue, *, by, reason: str, message: str = "", message_params=None) -> Issue:
    fields = ("status", "issue_class", "closed_on", "closure_kind", "on_time", "resolved_on", "rating",
              *_DEADLINE_FIELDS)
    before = _snapshot(issue, *fields)
    if issue.issue_class == IssueClass.A:
        # It had no clock; as class B the cadre takes it back, with a clock starting today.
        issue.issue_class = IssueClass.B
        issue.clock_started_on = _today()
        issue.status = Status.OPEN
        issue.handed_to_unit = None
        issue.handed_over_at = None
        _record(
            issue,
            Kind.RECLASSIFIED,
            by=by,
            before={"issue_class": IssueClass.A},
            after={"issue_class": IssueClass.B, "clock_started_on": issue.clock_started_on.isoformat()},
            note=reason, message=message, message_params=message_params,
        )
    else:
        issue.status = Status.HANDED_OVER if issue.handed_to_unit_id else Status.OPEN
    issue.closed_on = None
    issue.closure_kind = ""
    issue.on_time = None
    issue.resolved_on = None
    issue.solution = ""
    issue.resolution = ""
    issue.rating = None
    issue.rating_comment = ""
    issue.rated_at = None
    issue.reopen_count += 1
    # The due date stands; recomputing only brings in calendar changes made while it was closed.
    _apply_deadline(issue, load_calendar())
    _save(issue, "status", "issue_class", "clock_started_on", "handed_to_unit", "handed_over_at", "closed_on",
          "closure_kind", "on_time", "resolved_on", "solution", "resolution", "rating", "rating_comment", "rated_at",
          "reopen_count",
          *_DEADLINE_FIELDS)
    _record(issue, Kind.REOPENED, by=by, before=before, after=_snapshot(issue, *fields), note=reason,
            message=message, message_params=message_params)
    return issue


@transaction.atomic
def issue_reopen(*, issue: Issue, by: User, reason: str) -> Issue:
    """Reopen an issue whose clock had stopped, with a reason. The due date stands (see above)."""
    _hold_calendar()  # a reopened class A issue starts a clock
    issue = _lock(issue)
    if not access.can_reopen_issue(by, issue):
        raise _deny(_("Only the responsible cadre, their unit leader or bureau staff may reopen this issue."))
    if issue.is_open:
        raise ValidationError(_("This issue is still open."), code="open")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening the issue.")})
    require_text_lengths(reason=(reason, SHORT_TEXT_MAX_LENGTH))
    return _reopen(issue, by=by, reason=reason)


#: Ratings at or below this reopen the issue.
REOPENING_RATING = 2


#: Where a rating came from: the platform itself (its rating link) or its cadre on its behalf.
RATING_SOURCES = ("cadre", "platform")


@transaction.atomic
def issue_rate(
    *, issue: Issue, by: User | None, rating: int, comment: str = "", source: str = "cadre", link=None
) -> Issue:
    """Record the platform's rating (1-5) of a closed issue (resolved, or a solution determined);
    1 or 2 reopens it.

    ``source="cadre"``: the responsible cadre (``by``) enters it on the platform's behalf.
    ``source="platform"``: the platform rated through its rating link (``link``, already checked by
    its room: it names this issue and closure), with ``by=None``. The RATED entry's
    ``after["source"]`` says which, for the evaluation.
    """
    _hold_calendar()  # a low rating reopens, and a reopened class A issue starts a clock
    issue = _lock(issue)
    if source not in RATING_SOURCES:
        raise ValueError(f"Unknown rating source {source!r}")
    if source == "platform":
        if by is not None or link is None or link.issue_id != issue.pk:
            raise _deny(_("This rating link is not for this issue."))
    elif not access.can_rate_issue(by, issue):
        raise _deny(_("Only the platform's responsible cadre may enter its rating."))
    if issue.status not in Issue.CLOSED_STATUSES:
        raise ValidationError(_("Only a resolved issue or one with a solution determined can be rated."),
                              code="not_resolved")
    if source == "platform" and link.closure != closure_number(issue):
        raise ValidationError(_("This issue was reopened since the link was made: the link has expired."),
                              code="stale")
    if issue.rating is not None:
        raise ValidationError(_("The platform has already rated this resolution."), code="rated")
    comment = comment.strip()
    errors = text_length_errors(comment=(comment, SHORT_TEXT_MAX_LENGTH))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = _("Rate from 1 (poor) to 5 (very good).")
    elif rating <= REOPENING_RATING and not comment:
        errors["comment"] = _("Say what the platform was unhappy with: a rating of 1 or 2 reopens the issue.")
    if errors:
        raise ValidationError(errors)
    issue.rating = rating
    issue.rating_comment = comment
    issue.rated_at = timezone.now()
    _save(issue, "rating", "rating_comment", "rated_at")
    after = {"rating": rating, "comment": comment, "source": source}
    if link is not None:
        after["link"] = link.pk
    _record(issue, Kind.RATED, by=by, after=after, note=comment)
    if rating <= REOPENING_RATING:
        _reopen(
            issue,
            by=by,
            reason=_("The platform rated the result %(rating)d of 5: %(comment)s") % {"rating": rating, "comment": comment},
            message=notices.EventMessage.REOPENED_BY_RATING, message_params={"rating": rating, "comment": comment},
        )
    return issue


# --- the calendar ----------------------------------------------------------------------------------


@dataclass
class CalendarChange:
    """What a calendar change did, for the admin's message."""

    created: list[datetime.date] = field(default_factory=list)
    updated: list[datetime.date] = field(default_factory=list)
    unchanged: list[datetime.date] = field(default_factory=list)
    removed: list[datetime.date] = field(default_factory=list)
    years_loaded: list[int] = field(default_factory=list)
    years_unloaded: list[int] = field(default_factory=list)
    #: Open issues whose due date or provisional flag moved.
    issues_recomputed: list[int] = field(default_factory=list)


def _recompute_open_deadlines(*, by, change: CalendarChange) -> list[int]:
    """Recompute every open issue's deadline on the calendar as it now stands in this transaction.

    Each issue whose due date or provisional flag moved gets a ``due_date_recomputed`` entry, its
    note saying what ``change`` did (rendered in each reader's language).
    """
    message_params = _describe(change)
    with translation.override(settings.LANGUAGE_CODE):
        note = notices.event_message_text(notices.EventMessage.CALENDAR_CHANGED, message_params)
    calendar = load_calendar()
    issues = list(
        Issue.objects.open()
        .exclude(issue_class=IssueClass.A)
        .select_for_update()
        .order_by("pk")  # one lock order for everyone: no deadlock between two calendar changes
    )
    approved: dict[int, list[ExtensionRequest]] = {}
    for extension in ExtensionRequest.objects.filter(
        issue_id__in=[i.pk for i in issues], status=ExtensionRequest.Status.APPROVED
    ):
        approved.setdefault(extension.issue_id, []).append(extension)
    moved, events = [], []
    now = timezone.now()
    for issue in issues:
        before = _snapshot(issue, *_DEADLINE_FIELDS)
        if _apply_deadline(issue, calendar, extensions=approved.get(issue.pk, [])):
            issue.updated_at = now
            moved.append(issue)
            events.append(
                IssueEvent(issue=issue, kind=Kind.DUE_DATE_RECOMPUTED, actor=by, at=now, before=before,
                           after=_snapshot(issue, *_DEADLINE_FIELDS), note=note,
                           message=notices.EventMessage.CALENDAR_CHANGED, message_params=message_params)
            )
    Issue.objects.bulk_update(moved, [*_DEADLINE_FIELDS, "updated_at"])
    IssueEvent.objects.bulk_create(events)
    _recompute_reply_by_dates(by=by, calendar=calendar, note=note, message_params=message_params, now=now)
    return [issue.pk for issue in moved]


def _recompute_reply_by_dates(*, by, calendar: WorkdayCalendar, note: str, message_params: dict, now) -> None:
    """Count again the reply-by date of every supervision waiting for a reply (a reply-by date is a
    deadline too: provisional until its year is loaded). Each that moved gets a ``due_date_recomputed``
    entry on its issue's timeline naming the supervision."""
    supervisions = list(Supervision.objects.filter(status=Supervision.Status.OPEN).select_for_update().order_by("pk"))
    moved, events = [], []
    for supervision in supervisions:
        before = {"reply_by": _json(supervision.reply_by), "reply_by_provisional": supervision.reply_by_provisional}
        reply_by, provisional = calendar.add_working_days(supervision.counted_from, supervision.reply_working_days)
        if (reply_by, provisional) == (supervision.reply_by, supervision.reply_by_provisional):
            continue
        supervision.reply_by, supervision.reply_by_provisional = reply_by, provisional
        moved.append(supervision)
        events.append(IssueEvent(
            issue_id=supervision.issue_id, kind=Kind.DUE_DATE_RECOMPUTED, actor=by, at=now,
            before=before, after={"supervision": supervision.pk, "reply_by": _json(reply_by),
                                  "reply_by_provisional": provisional},
            note=note, message=notices.EventMessage.CALENDAR_CHANGED, message_params=message_params,
        ))
    Supervision.objects.bulk_update(moved, ["reply_by", "reply_by_provisional"])
    IssueEvent.objects.bulk_create(events)


def _check_calendar_access(by) -> None:
    if not access.can_manage_calendar(by):
        raise _deny(_("Only an admin may change the working-day calendar."))


def _check_year_loadable(year: int, calendar: WorkdayCalendar) -> str | None:
    status = calendar.year_status(year)
    if status.in_package or status.holidays_entered:
        return None
    return _(
        "Year %(year)d has no holidays entered: enter its holidays and makeup workdays before marking it loaded."
    ) % {"year": year}


@transaction.atomic
def calendar_set_days(
    *,
    entries: Iterable[DayEntry],
    by: User,
    remove: Iterable[datetime.date] = (),
    mark_years_loaded: Iterable[int] = (),
    source_note: str = "",
) -> CalendarChange:
    """Enter or correct holidays and makeup workdays, all or nothing, and recompute open deadlines.

    ``entries`` set a date's kind (replacing an earlier entry for that date); ``remove`` deletes
    entries, so the date falls back to the package or to weekdays. ``mark_years_loaded`` declares
    those years' schedules complete (``source_note`` says where they came from): until then, a
    deadline reaching into a year the package lacks stays provisional, however many days of it are
    entered. Every open issue whose deadline moves gets a timeline entry, in this transaction.
    """
    _check_calendar_access(by)
    _hold_calendar(exclusive=True)
    entries = list(entries)
    remove = sorted(set(remove))
    years = sorted(set(mark_years_loaded))
    errors = []
    seen: dict[datetime.date, str] = {}
    for entry in entries:
        if not FIRST_DATE <= entry.date <= LAST_DATE:
            errors.append(f"{entry.date.isoformat()}: " + _("Enter a date between 1900 and 9998."))
        elif entry.kind not in CalendarDay.Kind.values:
            errors.append(_("%(date)s: the kind must be holiday or workday.") % {"date": entry.date.isoformat()})
        elif seen.get(entry.date, entry.kind) != entry.kind:
            errors.append(_("%(date)s is entered twice, as different kinds.") % {"date": entry.date.isoformat()})
        elif note_error := text_length_errors(note=(entry.note.strip(), CalendarDay._meta.get_field("note").max_length)):
            errors.extend(f"{entry.date.isoformat()}: {message}" for message in note_error["note"].messages)
        seen[entry.date] = entry.kind
    for day in set(remove) & set(seen):
        errors.append(_("%(date)s is both entered and removed.") % {"date": day.isoformat()})
    existing = {row.date: row for row in CalendarDay.objects.select_for_update().filter(date__in=[*seen, *remove])}
    for day in remove:
        if day not in existing:
            errors.append(_("%(date)s has no entry to remove.") % {"date": day.isoformat()})
    if errors:
        raise ValidationError({"entries": errors})
    require_text_lengths(source_note=(source_note.strip(), CalendarYear._meta.get_field("source_note").max_length))
    if any(not FIRST_DATE.year <= year <= LAST_DATE.year for year in years):
        raise ValidationError({"mark_years_loaded": _("Enter a year between 1900 and 9998.")})

    change = CalendarChange()
    now = timezone.now()
    for entry in entries:
        row = existing.get(entry.date)
        note = entry.note.strip()
        if row is None:
            row = CalendarDay.objects.create(date=entry.date, kind=entry.kind, note=note, entered_by=by, entered_at=now)
            existing[entry.date] = row
            change.created.append(entry.date)
        elif (row.kind, row.note) == (entry.kind, note):
            if entry.date not in change.created and entry.date not in change.updated:
                change.unchanged.append(entry.date)
        else:
            row.kind, row.note, row.entered_by, row.entered_at = entry.kind, note, by, now
            row.save(update_fields=["kind", "note", "entered_by", "entered_at"])
            change.updated.append(entry.date)
    for day in remove:
        existing[day].delete()  # one by one, so the history keeps each deleted entry
        change.removed.append(day)

    if years:
        calendar = load_calendar()
        problems = [message for year in years if (message := _check_year_loadable(year, calendar))]
        if problems:
            raise ValidationError({"mark_years_loaded": problems})
        for year in years:
            _set_year_row(year=year, loaded=True, by=by, source_note=source_note, now=now)
        change.years_loaded = years

    if change.created or change.updated or change.removed or change.years_loaded:
        change.issues_recomputed = _recompute_open_deadlines(by=by, change=change)
    return change


def _set_year_row(*, year: int, loaded: bool, by, source_note: str, now) -> CalendarYear:
    row, _created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"loaded": loaded, "source_note": source_note.strip(), "entered_by": by, "entered_at": now}
    )
    if not _created:
        row.loaded, row.entered_by, row.entered_at = loaded, by, now
        if source_note.strip():
            row.source_note = source_note.strip()
        row.save(update_fields=["loaded", "source_note", "entered_by", "entered_at"])
    return row


@transaction.atomic
def calendar_set_year_loaded(*, year: int, loaded: bool, by: User, source_note: str = "") -> CalendarChange:
    """Declare a year's schedule complete (loaded) or not, and recompute open deadlines.

    A year is loaded only when an admin says so here (or through ``calendar_set_days``); loading
    needs the year's holidays entered first. Unloading makes deadlines reaching into it
    provisional again (years the package covers stay loaded whatever is said here).
    """
    _check_calendar_access(by)
    _hold_calendar(exclusive=True)
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise ValidationError({"year": _("Enter a year between 1900 and 9998.")})
    if loaded and (message := _check_year_loadable(year, load_calendar())):
        raise ValidationError({"year": message})
    require_text_lengths(source_note=(source_note.strip(), CalendarYear._meta.get_field("source_note").max_length))
    current = CalendarYear.objects.filter(year=year).first()
    change = CalendarChange()
    if current is not None and current.loaded == loaded and not source_note.strip():
        return change
    _set_year_row(year=year, loaded=loaded, by=by, source_note=source_note, now=timezone.now())
    (change.years_loaded if loaded else change.years_unloaded).append(year)
    change.issues_recomputed = _recompute_open_deadlines(by=by, change=change)
    return change


def _describe(change: CalendarChange) -> dict:
    """What the calendar change did, as the params of its timeline note (``notices.EventMessage``)."""
    days = sorted({*change.created, *change.updated})
    return {
        "days": [d.isoformat() for d in days[:10]],
        "more_days": len(days) > 10,
        "removed": [d.isoformat() for d in change.removed[:10]],
        "years_loaded": list(change.years_loaded),
        "years_unloaded": list(change.years_unloaded),
    }
