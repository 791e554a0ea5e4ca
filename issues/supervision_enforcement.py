"""The supervision sweep: an overdue supervision is escalated to the office's leader, once per round.

Daily (beat at 09:00, ``config.schedules``), and nothing on a day that is not a working day, like
the deadline sweep (``issues.enforcement``). As of ``today`` it finds the supervisions still waiting
for a reply (status open) whose reply-by date ended before today and that this round has not
escalated yet (``Supervision.escalated_at`` empty), and for each: tells the leader of the unit
marked as the office (``Unit.is_office``), writes a ``supervision_escalated`` entry on the issue's
timeline, and stamps ``escalated_at``. A renewal clears the stamp, so a renewed supervision whose
new date passes is escalated again; a reply before the sweep runs means nothing is sent.

Exactly once, as every sweep (``notices.sweeps``): the ``SweepRun`` lock for the day, the candidates
selected ``FOR UPDATE`` with the stamp in the condition (so sweeps of two different days cannot
both escalate one round), and the notice's key (the supervision, its round and the recipient).
With no office leader set, the entry still goes on the timeline (naming nobody) and the round is
stamped: the list's "overdue" filter shows it all the same. Missed days are caught up by
``notices.sweeps.catch_up_sweeps`` like every registered daily sweep.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.models import Unit
from notices import registry
from notices.services import Notice, notices_send
from notices.sweeps import Person, SweepResult, finish_run, local_date, lock_run
from notices.sweeps import people as _people

from . import notices
from .calendar import load_calendar
from .models import IssueEvent, Supervision
from .workdays import WorkdayCalendar

#: The sweep's name (``SweepRun.kind``).
SUPERVISIONS = "supervisions"

_FIELDS = ("id", "issue_id", "issue__title", "issue__platform__name", "unit__name", "opened_at", "instruction",
           "reply_by", "renew_count", "opened_by__username", "opened_by__last_name", "opened_by__first_name")


def office_leader_ids() -> list[int]:
    """The leader of the unit marked as the office (市委科技办), if one is set."""
    return sorted(Unit.objects.filter(is_office=True, leader__isnull=False).values_list("leader_id", flat=True))


@dataclass
class _Escalate:
    row: dict
    working_days_overdue: int
    told: list[Person]
    outgoing: list[Notice]


def _plan(today: datetime.date, calendar: WorkdayCalendar, *, lock: bool) -> list[_Escalate]:
    """What to escalate as of ``today``: each supervision, whom to tell, and the notices."""
    candidates = Supervision.objects.overdue(today).filter(escalated_at__isnull=True)
    if lock:
        candidates = candidates.select_for_update(of=("self",))
    rows = list(candidates.order_by("pk").values(*_FIELDS))
    if not rows:
        return []
    people = _people(office_leader_ids())
    planned = []
    for row in rows:
        opened_by = f"{row['opened_by__last_name']}{row['opened_by__first_name']}".strip() or row["opened_by__username"]
        params = {
            "id": row["issue_id"], "title": row["issue__title"], "platform": row["issue__platform__name"],
            "unit": row["unit__name"], "opened_by": opened_by,
            "opened_on": timezone.localdate(row["opened_at"]).isoformat(), "instruction": row["instruction"],
            "reply_by": row["reply_by"].isoformat(),
            # At least 1: past the reply-by date, whatever days off lie between.
            "days": max(calendar.working_days_between(row["reply_by"], today), 1),
        }
        subject, body = notices.notification_text(notices.Kind.SUPERVISION_ESCALATION, params)
        outgoing = [
            Notice(key=f"supervision_escalation:{row['id']}:round:{row['renew_count']}:user:{person.user_id}",
                   kind=notices.Kind.SUPERVISION_ESCALATION, recipient_id=person.user_id, params=params,
                   subject=subject, body=body, topic=registry.topic("issue", row["issue_id"]),
                   recipient_label=person.label)
            for person in people.values()
        ]
        planned.append(_Escalate(row, params["days"], list(people.values()), outgoing))
    return planned


def sweep_supervisions(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Escalate the supervisions overdue as of ``now`` and not escalated this round (see the module)."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=SUPERVISIONS, now=now, day=today, dry_run=dry_run)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            planned = _plan(today, calendar, lock=False)
            outgoing = [notice for e in planned for notice in e.outgoing]
            unsent = {row.key for row in notices_send(outgoing, dry_run=True)}
            result.notifications = [notice for notice in outgoing if notice.key in unsent]
            result.escalations = [e.row["id"] for e in planned]
        else:
            with transaction.atomic():
                run = lock_run(SUPERVISIONS, today)
                planned = _plan(today, calendar, lock=True)
                stamp = timezone.now()
                outgoing = [notice for e in planned for notice in e.outgoing]
                sent = {row.key: row for row in notices_send(outgoing, now=stamp)}
                events = []
                for e in planned:
                    row = e.row
                    message_params = {"reply_by": row["reply_by"].isoformat(), "days": e.working_days_overdue,
                                      "names": [person.name for person in e.told]}
                    events.append(IssueEvent(
                        issue_id=row["issue_id"], kind=IssueEvent.Kind.SUPERVISION_ESCALATED, actor=None, at=stamp,
                        after={"supervision": row["id"], "reply_by": row["reply_by"].isoformat(),
                               "working_days_overdue": e.working_days_overdue,
                               "recipients": [person.user_id for person in e.told],
                               "notifications": [sent[n.key].pk for n in e.outgoing if n.key in sent]},
                        message=notices.EventMessage.SUPERVISION_ESCALATED, message_params=message_params,
                        note=notices.event_message_text(notices.EventMessage.SUPERVISION_ESCALATED, message_params),
                    ))
                IssueEvent.objects.bulk_create(events)
                ids = [e.row["id"] for e in planned]
                for start in range(0, len(ids), 2000):
                    Supervision.objects.filter(pk__in=ids[start:start + 2000], escalated_at__isnull=True).update(
                        escalated_at=stamp
                    )
                result.notifications = [notice for notice in outgoing if notice.key in sent]
                result.escalations = ids
                result.events = len(events)
                finish_run(run, len(sent))
    line = (_("would escalate the supervision of issue #%(id)d %(title)s (reply by %(reply_by)s)") if dry_run
            else _("escalated the supervision of issue #%(id)d %(title)s (reply by %(reply_by)s)"))
    result.lines = [line % {"id": e.row["issue_id"], "title": e.row["issue__title"],
                            "reply_by": e.row["reply_by"].isoformat()} for e in planned]
    return result


def register() -> None:
    """Declare the supervision sweep to the notification machinery (``IssuesConfig.ready``)."""
    registry.register_sweep(registry.Sweep(
        name=SUPERVISIONS, label=gettext_lazy("Supervision sweep"), run=sweep_supervisions, order=20,
    ))
