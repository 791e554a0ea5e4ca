"""Supervision (督办): every change of state of a supervision, and the reads its pages share.

Bureau staff open a supervision on an issue: a written instruction and a number of working days
to reply, counted like an issue's deadline (the opening day is not counted, day 1 is the next
working day; provisional when the count reaches a year whose calendar is not loaded). The leader
of the responsible unit and the platform's cadre are told, once. One of them (or staff, writing
down a reply given on paper) replies on the issue's page; staff then close it, or renew it: send
it back with a new instruction and a new reply-by date, which tells them again (once per round).
An open supervision past its reply-by date is escalated to the office's leader by the daily
supervision sweep (``issues.supervision_enforcement``). Every step is an entry on the issue's
timeline with who, when and the text.

Like ``issues.services``: keyword-only arguments, one transaction each, the row locked first,
``PermissionDenied`` when the user may not act (``issues.access``), ``ValidationError`` with field
messages otherwise. An action returns the supervision as saved.

Decisions the issue left open, made here:

- A supervision can be opened on any issue not yet resolved (a solution determined still needs
  carrying out); a resolved issue is reopened first. A live supervision stays live when its issue
  is resolved: staff close it once they have read the reply.
- The responsible unit is fixed when the supervision is opened (the unit of the platform's cadre
  then, else of the cadre who recorded the issue). Besides its leader and staff, the platform's
  cadre now and the leader of that cadre's unit may reply, so a platform moved to another cadre
  does not strand it.
- Staff may close a supervision before any reply (it is no longer needed), and renew one that is
  still waiting (to change the instruction or give more time).
- A reply tells the staff member who opened the supervision, once per round.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateField, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, text_length_errors
from config.timeline import timeline_value as _json
from liaison.access import roles_of
from liaison.models import Assignment, Unit, user_display_name
from notices.registry import topic
from notices.services import Notice, notices_send

from . import access, notices
from .calendar import load_calendar
from .models import EscalationLevel, Issue, IssueEvent, Supervision
from .services import _active_user_ids, _deny, _hold_calendar, _lock, _record
from .workdays import WorkdayCalendar

Kind = IssueEvent.Kind
Status = Supervision.Status

#: The longest time to reply a supervision may give, in working days (about three months).
MAX_REPLY_WORKING_DAYS = 60


def _today() -> datetime.date:
    return timezone.localdate()


def reply_by_date(calendar: WorkdayCalendar, counted_from: datetime.date, working_days: int) -> tuple[datetime.date, bool]:
    """The reply-by date ``working_days`` after ``counted_from`` (not counted), and whether it is provisional."""
    return calendar.add_working_days(counted_from, working_days)


def _check(errors: dict, *, instruction: str, reply_working_days) -> None:
    errors.update(text_length_errors(instruction=(instruction, LONG_TEXT_MAX_LENGTH)))
    if not instruction:
        errors["instruction"] = _("Write the instruction: what the unit must do and report.")
    if isinstance(reply_working_days, bool) or not isinstance(reply_working_days, int) or not (
        1 <= reply_working_days <= MAX_REPLY_WORKING_DAYS
    ):
        errors["reply_working_days"] = _("Give from 1 to %(max)d working days to reply.") % {
            "max": MAX_REPLY_WORKING_DAYS
        }


def _lock_supervision(supervision: Supervision) -> Supervision:
    # Every action on a supervision takes its row lock first, as actions on an issue do.
    return (
        Supervision.objects.select_for_update(of=("self",))
        .select_related("issue__platform", "issue__recorded_by__unit", "unit", "opened_by")
        .get(pk=supervision.pk)
    )


def _responsible(issue: Issue):
    """The platform's cadre now (else the cadre who recorded the issue) and that cadre's unit."""
    cadre = access.responsible_cadre(issue) or issue.recorded_by
    return cadre, Unit.objects.get(pk=cadre.unit_id)


def _snapshot(supervision: Supervision) -> dict:
    return {
        "supervision": supervision.pk,
        "supervision_status": supervision.status,
        "reply_working_days": supervision.reply_working_days,
        "reply_by": _json(supervision.reply_by),
        "reply_by_provisional": supervision.reply_by_provisional,
        "renew_count": supervision.renew_count,
    }


def _notify_unit(supervision: Supervision, issue: Issue, *, by) -> None:
    """Tell the responsible unit's leader and the platform's cadre, once per supervision and round
    (not the person acting, who knows)."""
    cadre = access.responsible_cadre(issue) or issue.recorded_by
    recipients = [uid for uid in dict.fromkeys([supervision.unit.leader_id, cadre.user_id]) if uid and uid != by.pk]
    active = _active_user_ids(recipients)
    kind = notices.Kind.SUPERVISION_RENEWED if supervision.renew_count else notices.Kind.SUPERVISION_OPENED
    params = {
        "id": issue.pk, "title": issue.title, "platform": issue.platform.name, "unit": supervision.unit.name,
        "by": user_display_name(by), "instruction": supervision.instruction,
        "reply_by": supervision.reply_by.isoformat(), "days": supervision.reply_working_days,
        "provisional": supervision.reply_by_provisional, "round": supervision.renew_count,
    }
    notices_send([
        Notice(key=f"supervision:{supervision.pk}:round:{supervision.renew_count}:user:{uid}", kind=kind,
               recipient_id=uid, params=params, topic=topic("issue", issue.pk))
        for uid in recipients if uid in active
    ])


# --- the actions ---------------------------------------------------------------------------------


@transaction.atomic
def supervision_open(*, issue: Issue, by: User, instruction: str, reply_working_days: int) -> Supervision:
    """Open a supervision on ``issue`` (bureau staff): the unit replies within ``reply_working_days``."""
    _hold_calendar()  # its reply-by date is counted on the calendar: not while it changes
    issue = _lock(issue)
    if not access.can_supervise(by, issue):
        raise _deny(_("Only bureau staff may open a supervision."))
    if issue.status == Issue.Status.RESOLVED:
        raise ValidationError(_("This issue is resolved; reopen it before supervising it."), code="resolved")
    instruction = instruction.strip()
    errors: dict = {}
    _check(errors, instruction=instruction, reply_working_days=reply_working_days)
    if errors:
        raise ValidationError(errors)
    live = Supervision.objects.live().filter(issue=issue).first()
    if live is not None:
        raise ValidationError(
            _("This issue is already under supervision (reply by %(date)s): close or renew that one.")
            % {"date": live.reply_by.isoformat()},
            code="already_supervised",
        )
    today = _today()
    reply_by, provisional = reply_by_date(load_calendar(), today, reply_working_days)
    _cadre, unit = _responsible(issue)
    try:
        with transaction.atomic():
            supervision = Supervision.objects.create(
                issue=issue, unit=unit, opened_by=by, instruction=instruction,
                reply_working_days=reply_working_days, counted_from=today, reply_by=reply_by,
                reply_by_provisional=provisional,
            )
    except IntegrityError:  # another supervision opened at the same moment: the constraint decides
        raise ValidationError(_("This issue is already under supervision: reload the page."),
                              code="already_supervised") from None
    _record(issue, Kind.SUPERVISED, by=by, after={**_snapshot(supervision), "unit": _json(unit)}, note=instruction)
    _notify_unit(supervision, issue, by=by)
    return supervision


@transaction.atomic
def supervision_reply(*, supervision: Supervision, by: User, reply: str) -> Supervision:
    """The responsible unit's written reply (its leader, the platform's cadre, or staff for them)."""
    supervision = _lock_supervision(supervision)
    if not access.can_reply_to_supervision(by, supervision):
        raise _deny(_("Only the responsible unit's leader, the platform's cadre or bureau staff may reply."))
    if supervision.status == Status.REPLIED:
        raise ValidationError(_("This supervision has been replied to; bureau staff close or renew it."),
                              code="replied")
    if supervision.status == Status.CLOSED:
        raise ValidationError(_("This supervision is closed."), code="closed")
    reply = reply.strip()
    errors = text_length_errors(reply=(reply, LONG_TEXT_MAX_LENGTH))
    if not reply:
        errors["reply"] = _("Write the reply: what was done, and what remains.")
    if errors:
        raise ValidationError(errors)
    before = _snapshot(supervision)
    now = timezone.now()
    supervision.status = Status.REPLIED
    supervision.reply, supervision.replied_by, supervision.replied_at = reply, by, now
    supervision.save(update_fields=["status", "reply", "replied_by", "replied_at"])
    issue = supervision.issue
    on_time = timezone.localdate(now) <= supervision.reply_by
    _record(issue, Kind.SUPERVISION_REPLIED, by=by, before={"supervision_status": before["supervision_status"]},
            after={"supervision": supervision.pk, "supervision_status": supervision.status, "on_time": on_time},
            note=reply)
    opener = supervision.opened_by_id
    if opener != by.pk and opener in _active_user_ids([opener]):
        notices_send([Notice(
            key=f"supervision_replied:{supervision.pk}:round:{supervision.renew_count}:user:{opener}",
            kind=notices.Kind.SUPERVISION_REPLIED, recipient_id=opener, topic=topic("issue", issue.pk),
            params={"id": issue.pk, "title": issue.title, "platform": issue.platform.name,
                    "unit": supervision.unit.name, "by": user_display_name(by), "reply": reply,
                    "reply_by": supervision.reply_by.isoformat(), "on_time": on_time},
        )])
    return supervision


@transaction.atomic
def supervision_close(*, supervision: Supervision, by: User, note: str = "") -> Supervision:
    """Close a supervision (bureau staff), replied to or no longer needed, with an optional note."""
    supervision = _lock_supervision(supervision)
    if not access.can_supervise(by):
        raise _deny(_("Only bureau staff may close a supervision."))
    if supervision.status == Status.CLOSED:
        raise ValidationError(_("This supervision is already closed."), code="closed")
    note = note.strip()
    errors = text_length_errors(note=(note, SHORT_TEXT_MAX_LENGTH))
    if errors:
        raise ValidationError(errors)
    before = supervision.status
    supervision.status = Status.CLOSED
    supervision.closed_by, supervision.closed_at, supervision.close_note = by, timezone.now(), note
    supervision.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
    _record(supervision.issue, Kind.SUPERVISION_CLOSED, by=by, before={"supervision_status": before},
            after={"supervision": supervision.pk, "supervision_status": supervision.status}, note=note)
    return supervision


@transaction.atomic
def supervision_renew(*, supervision: Supervision, by: User, instruction: str, reply_working_days: int) -> Supervision:
    """Send a live supervision back (bureau staff): a new instruction and a new reply-by date counted
    from today. The reply, if any, stays on the timeline; the unit is told again."""
    _hold_calendar()  # the new reply-by date is counted on the calendar: not while it changes
    supervision = _lock_supervision(supervision)
    if not access.can_supervise(by):
        raise _deny(_("Only bureau staff may renew a supervision."))
    if supervision.status == Status.CLOSED:
        raise ValidationError(_("This supervision is closed; open a new one."), code="closed")
    instruction = instruction.strip()
    errors: dict = {}
    _check(errors, instruction=instruction, reply_working_days=reply_working_days)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(supervision)
    today = _today()
    supervision.reply_by, supervision.reply_by_provisional = reply_by_date(load_calendar(), today, reply_working_days)
    supervision.instruction, supervision.reply_working_days, supervision.counted_from = (
        instruction, reply_working_days, today)
    supervision.status = Status.OPEN
    supervision.reply, supervision.replied_by, supervision.replied_at = "", None, None
    supervision.renew_count += 1
    supervision.escalated_at = None  # a new round: escalated afresh if this reply-by passes too
    supervision.save(update_fields=["instruction", "reply_working_days", "counted_from", "reply_by",
                                    "reply_by_provisional", "status", "reply", "replied_by", "replied_at",
                                    "renew_count", "escalated_at"])
    issue = supervision.issue
    _record(issue, Kind.SUPERVISION_RENEWED, by=by, before=before, after=_snapshot(supervision), note=instruction)
    _notify_unit(supervision, issue, by=by)
    return supervision


# --- reads ---------------------------------------------------------------------------------------


def _cadre_name():
    return Concat(F("cadre__user__last_name"), F("cadre__user__first_name"))


def supervision_list(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The supervisions ``user`` may see, ready for a list or the API: related rows joined, and
    annotated with ``responsible_cadre_name`` (the platform's cadre now, empty when none)."""
    active = Assignment.objects.active().filter(platform=OuterRef("issue__platform_id"))
    return (
        access.supervisions_visible_to(user, queryset)
        .select_related("issue__platform", "unit", "opened_by", "replied_by", "closed_by")
        .annotate(responsible_cadre_name=Coalesce(Subquery(active.annotate(n=_cadre_name()).values("n")[:1]),
                                                  Value("")))
    )


#: The status filter's values (``SupervisionFilterForm``, the API): the statuses, ``overdue`` (open
#: past the reply-by date), and ``unsupervised`` (issues escalated to the office with none yet).
FILTER_STATUSES = ("open", "overdue", "replied", "closed", "unsupervised")


def filter_supervisions(queryset: QuerySet, *, status: str = "", unit: Unit | None = None,
                        today: datetime.date | None = None) -> QuerySet:
    """Narrow a supervision queryset by the list's filters (``unit``: the responsible unit)."""
    if status == "overdue":
        queryset = queryset.overdue(today or _today())
    elif status == "unsupervised":
        queryset = queryset.none()
    elif status:
        queryset = queryset.filter(status=status)
    if unit is not None:
        queryset = queryset.filter(unit=unit)
    return queryset


def unsupervised_escalations(*, user, status: str = "", unit: Unit | None = None) -> QuerySet:
    """Open issues escalated to the office with no live supervision: they belong on the supervision
    list by themselves. For those who supervise or see everything (the office); empty for others,
    and under a status filter other than none or ``unsupervised``. ``unit``: the platform's cadre's now."""
    roles = roles_of(user)
    if not roles.sees_everything or status not in ("", "unsupervised"):
        return Issue.objects.none()
    live = Supervision.objects.live().filter(issue=OuterRef("pk"))
    active = Assignment.objects.active().filter(platform=OuterRef("platform_id"))
    queryset = (
        Issue.objects.open().filter(escalation_level=EscalationLevel.OFFICE).exclude(Exists(live))
        .with_responsible_cadre()
        .annotate(responsible_cadre_name=Coalesce(Subquery(active.annotate(n=_cadre_name()).values("n")[:1]),
                                                  Value("")),
                  responsible_unit_name=Coalesce(Subquery(active.values("cadre__unit__name")[:1]), Value("")))
        .select_related("platform")
        .order_by("due_date", "pk")
    )
    if unit is not None:
        queryset = queryset.filter(responsible_unit_id=unit.pk)
    return queryset


def ordered(queryset: QuerySet) -> QuerySet:
    """Waiting for a reply first (soonest reply-by first), then replied, then closed (latest first)."""
    rank = Case(When(status=Status.OPEN, then=Value(0)), When(status=Status.REPLIED, then=Value(1)),
                default=Value(2), output_field=IntegerField())
    return queryset.order_by(rank, Case(When(status=Status.CLOSED, then=Value(None)), default=F("reply_by"), output_field=DateField()),
                             F("closed_at").desc(nulls_last=True), "-pk")


@dataclass(frozen=True)
class SupervisionRow:
    """One row of the supervision list: a supervision, or an issue escalated to the office without one."""

    issue: Issue
    supervision: Supervision | None = None
    overdue: bool = False


class SupervisionRows:
    """The supervision list as one sequence for ``Paginator``: the issues escalated to the office
    with no supervision first, then the supervisions. Counting is two queries, a page at most two
    more, however many rows there are."""

    def __init__(self, issues: QuerySet, supervisions: QuerySet, *, today: datetime.date):
        self.issues, self.supervisions, self.today = issues, supervisions, today
        self._counts: tuple[int, int] | None = None

    def _count_parts(self) -> tuple[int, int]:
        if self._counts is None:
            self._counts = (self.issues.count(), self.supervisions.count())
        return self._counts

    def count(self) -> int:
        return sum(self._count_parts())

    def __len__(self) -> int:
        return self.count()

    def _supervision_row(self, supervision: Supervision) -> SupervisionRow:
        overdue = supervision.status == Status.OPEN and supervision.reply_by < self.today
        return SupervisionRow(issue=supervision.issue, supervision=supervision, overdue=overdue)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        escalated, _supervised = self._count_parts()
        rows = []
        if start < escalated:
            rows += [SupervisionRow(issue=issue) for issue in self.issues[start:min(stop, escalated)]]
        if stop > escalated:
            part = self.supervisions[max(start - escalated, 0):stop - escalated]
            rows += [self._supervision_row(s) for s in part]
        return rows

    def __iter__(self):
        """Every row, in chunks (for the export)."""
        for issue in self.issues.iterator(chunk_size=500):
            yield SupervisionRow(issue=issue)
        for supervision in self.supervisions.iterator(chunk_size=500):
            yield self._supervision_row(supervision)


def supervision_rows(*, user, status: str = "", unit: Unit | None = None,
                     today: datetime.date | None = None) -> SupervisionRows:
    """The supervision list for ``user`` with its filters applied (see ``SupervisionRows``)."""
    today = today or _today()
    supervisions = ordered(filter_supervisions(supervision_list(user=user), status=status, unit=unit, today=today))
    return SupervisionRows(unsupervised_escalations(user=user, status=status, unit=unit), supervisions, today=today)


def issue_supervisions(issue: Issue) -> list[Supervision]:
    """The issue's supervisions, newest first, with who acted (for the issue page)."""
    return list(
        Supervision.objects.filter(issue=issue)
        .select_related("unit", "opened_by", "replied_by", "closed_by")
        .order_by("-opened_at", "-pk")
    )
