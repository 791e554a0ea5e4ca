"""A need a platform raised (``PlatformNeed``): raised, classified into an issue, and chased.

- ``need_raise``: the platform raises it through its standing link (``source="platform"``, no
  user), or its responsible cadre enters it on its behalf (``source="cadre"``). It is to be
  classified by the ``PORTAL["NEED_CLASSIFY_WORKING_DAYS"]``-th working day after it arrived
  (default 1; day 1 is the next working day, as for issues).
- ``need_classify``: the responsible cadre (or their unit's leader, or bureau staff) gives it a
  class and a title; this records the issue through ``issues.services.issue_create``, counted from
  the day the need arrived (the platform's clock started when it asked), except class A, which is
  answered on the spot today. The issue's ``created`` entry says it came from the platform.
  ``issue_create`` lets only the cadre serving the platform on the recorded day record an issue:
  when the leader or bureau staff classify, the issue is recorded in that cadre's name and the
  entry names who classified it.
- ``sweep_needs`` (daily, like every sweep: ``notices.sweeps``): on the classify-by day a need
  still waiting reminds the responsible cadre; on any working day after it, their unit's leader is
  told. Each once per need (``reminded_at``/``escalated_at``, selected ``FOR UPDATE`` with the stamp
  in the condition, and the notices' unique keys), and nothing once it is classified. Catching up
  after missed days, a need past its classify-by day gets both in one run.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.text_limits import LONG_TEXT_MAX_LENGTH, text_length_errors
from liaison.models import Assignment, user_display_name
from notices import registry
from notices.services import Notice, notices_send
from notices.sweeps import Person, SweepResult, finish_run, local_date, lock_run
from notices.sweeps import people as _people
from platforms.models import Platform
from platforms.sections import PlatformSection, register_platform_section

from . import access, notices
from .calendar import load_calendar
from .models import Issue, IssueClass, IssueEvent, PlatformNeed
from .services import issue_create

Source = PlatformNeed.Source

#: The sweep's name (``SweepRun.kind``).
NEEDS = "needs"
#: The default of ``PORTAL["NEED_CLASSIFY_WORKING_DAYS"]``.
DEFAULT_CLASSIFY_WORKING_DAYS = 1
#: A callback phone: digits, and the separators people type.
_PHONE_CHARACTERS = set("0123456789+-() ")
#: The needs shown on a platform's page (the oldest waiting first).
NEEDS_SHOWN = 10


def classify_working_days() -> int:
    return int(getattr(settings, "PORTAL", {}).get("NEED_CLASSIFY_WORKING_DAYS", DEFAULT_CLASSIFY_WORKING_DAYS))


def classify_by_for(received_on: datetime.date) -> datetime.date:
    """The last day to classify a need that arrived on ``received_on``."""
    day, _provisional = load_calendar().add_working_days(received_on, classify_working_days())
    return day


def _field_limit(name: str) -> int:
    return PlatformNeed._meta.get_field(name).max_length


# --- raising and classifying -------------------------------------------------------------------------


@transaction.atomic
def need_raise(
    *,
    platform: Platform,
    what: str,
    service_area: str,
    urgency: str,
    callback_name: str,
    callback_phone: str,
    source: str,
    by: User | None = None,
) -> PlatformNeed:
    """Record a need ``platform`` raised. ``source="platform"``: through its standing link, already
    checked by the page (``by`` is None). ``source="cadre"``: entered by ``by``, its responsible cadre."""
    now = timezone.now()
    today = timezone.localdate(now)
    if source == Source.PLATFORM:
        if by is not None:
            raise PermissionDenied(_("A need from the platform itself is raised through its link, not by a user."))
    elif source == Source.CADRE:
        if by is None or not access.can_enter_need(by, platform=platform, on=today):
            raise PermissionDenied(
                _("Only the cadre responsible for the platform may enter a need on its behalf.")
            )
    else:
        raise ValueError(f"Unknown need source {source!r}")
    what, callback_name, callback_phone = what.strip(), callback_name.strip(), callback_phone.strip()
    errors = text_length_errors(
        what=(what, LONG_TEXT_MAX_LENGTH),
        callback_name=(callback_name, _field_limit("callback_name")),
        callback_phone=(callback_phone, _field_limit("callback_phone")),
    )
    if not what:
        errors.setdefault("what", _("Say what the problem is."))
    if service_area not in Issue.ServiceArea.values:
        errors["service_area"] = _("Choose the service area.")
    if urgency not in PlatformNeed.Urgency.values:
        errors["urgency"] = _("Choose how urgent it is.")
    if not callback_name:
        errors.setdefault("callback_name", _("Say whom to call back."))
    if not callback_phone:
        errors.setdefault("callback_phone", _("Give a phone number to call back."))
    elif "callback_phone" not in errors and (
        not set(callback_phone) <= _PHONE_CHARACTERS or sum(c.isdigit() for c in callback_phone) < 5
    ):
        errors["callback_phone"] = _("Give a phone number: digits, with + - ( ) or spaces if you like.")
    if errors:
        raise ValidationError(errors)
    return PlatformNeed.objects.create(
        platform=platform, what=what, service_area=service_area, urgency=urgency, callback_name=callback_name,
        callback_phone=callback_phone, source=source, entered_by=by if source == Source.CADRE else None,
        received_at=now, received_on=today, classify_by=classify_by_for(today),
    )


def _recorder(need: PlatformNeed, by: User, *, on: datetime.date) -> User:
    """Who records the issue (``issue_create`` wants the cadre serving the platform on ``on``):
    ``by`` when that is them, else that cadre."""
    if access.can_create_issue(by, platform=need.platform, on=on):
        return by
    assignment = (
        Assignment.objects.covering(on).filter(platform_id=need.platform_id).select_related("cadre__user").first()
    )
    if assignment is None:
        raise ValidationError(
            _("%(platform)s had no responsible cadre on %(date)s: assign one first, then classify the need.")
            % {"platform": need.platform, "date": on.isoformat()},
            code="no_cadre",
        )
    return assignment.cadre.user


@transaction.atomic
def need_classify(
    *, need: PlatformNeed, by: User, issue_class: str, title: str, answer: str = "", description: str = ""
) -> Issue:
    """Classify ``need`` (A to D): record it as an issue and link the two. Returns the issue.

    The issue is recorded on the day the need arrived, with the need's words as its description
    (``description`` adds to them); class A is answered on the spot, so it is recorded today.
    """
    need = PlatformNeed.objects.select_for_update(of=("self",)).select_related("platform").get(pk=need.pk)
    if not access.can_classify_need(by, need):
        raise PermissionDenied(_("Only the platform's responsible cadre, their unit leader or bureau staff may "
                                 "classify its needs."))
    if need.issue_id is not None:
        raise ValidationError(_("This need was already classified as issue #%(id)d.") % {"id": need.issue_id},
                              code="classified")
    if issue_class not in IssueClass.values:
        raise ValidationError({"issue_class": _("Choose the class: A, B, C or D.")})
    recorded_on = timezone.localdate() if issue_class == IssueClass.A else need.received_on
    description = "\n\n".join(part for part in (need.what, description.strip()) if part)
    issue = issue_create(
        by=_recorder(need, by, on=recorded_on), platform=need.platform, title=title,
        service_area=need.service_area, issue_class=issue_class, description=description,
        recorded_on=recorded_on, answer=answer,
    )
    params = {"source": need.source, "received_on": need.received_on.isoformat(), "need": need.pk,
              "classified_by": user_display_name(by)}
    created = IssueEvent.objects.get(issue=issue, kind=IssueEvent.Kind.CREATED)
    created.message = notices.EventMessage.RAISED_AS_NEED
    created.message_params = params
    with translation.override(settings.LANGUAGE_CODE):
        created.note = notices.event_message_text(created.message, params)
    created.save(update_fields=["message", "message_params", "note"])
    need.issue = issue
    need.classified_at = timezone.now()
    need.classified_by = by
    need.save(update_fields=["issue", "classified_at", "classified_by"])
    return issue


# --- reading ------------------------------------------------------------------------------------------


def platform_needs_awaiting(*, user, platform: Platform, limit: int = NEEDS_SHOWN) -> list[PlatformNeed]:
    """The platform's needs waiting for a class that ``user`` may classify, oldest first (one query)."""
    return list(access.needs_visible_to(user, PlatformNeed.objects.awaiting().filter(platform=platform))[:limit])


# --- the sweep ----------------------------------------------------------------------------------------


@dataclass
class _Due:
    need: dict
    escalate: bool
    told: list[Person]
    outgoing: list[Notice]


_FIELDS = ("id", "platform_id", "platform__name", "what", "received_on", "classify_by", "source", "urgency",
           "callback_name", "callback_phone", "reminded_at", "escalated_at")


def _responsible_by_platform(platform_ids) -> dict[int, dict]:
    rows = Assignment.objects.active().filter(platform_id__in=set(platform_ids)).values(
        "platform_id", "cadre__user_id", "cadre__user__username", "cadre__user__last_name",
        "cadre__user__first_name", "cadre__unit__name", "cadre__unit__leader_id",
    )
    return {row["platform_id"]: row for row in rows}


def _plan(today: datetime.date, *, lock: bool) -> list[_Due]:
    waiting = PlatformNeed.objects.awaiting()
    reminders = waiting.filter(reminded_at__isnull=True, classify_by__lte=today)
    escalations = waiting.filter(escalated_at__isnull=True, classify_by__lt=today)
    if lock:
        reminders, escalations = reminders.select_for_update(of=("self",)), escalations.select_for_update(of=("self",))
    due = [(row, False) for row in reminders.order_by("pk").values(*_FIELDS)]
    due += [(row, True) for row in escalations.order_by("pk").values(*_FIELDS)]
    if not due:
        return []
    responsible = _responsible_by_platform(row["platform_id"] for row, _escalate in due)
    people = _people({uid for row in responsible.values()
                      for uid in (row["cadre__user_id"], row["cadre__unit__leader_id"])})
    planned = []
    for row, escalate in due:
        cadre = responsible.get(row["platform_id"])
        recipient = (cadre["cadre__unit__leader_id"] if escalate else cadre["cadre__user_id"]) if cadre else None
        told = [people[recipient]] if recipient in people else []
        cadre_name = ""
        if cadre:
            cadre_name = (f"{cadre['cadre__user__last_name']}{cadre['cadre__user__first_name']}".strip()
                          or cadre["cadre__user__username"])
        params = {
            "id": row["id"], "platform": row["platform__name"], "what": row["what"],
            "received_on": row["received_on"].isoformat(), "classify_by": row["classify_by"].isoformat(),
            "source": row["source"], "urgency": row["urgency"],
            "callback": f"{row['callback_name']} {row['callback_phone']}",
            "cadre": cadre_name, "unit": cadre["cadre__unit__name"] if cadre else "",
        }
        kind = notices.Kind.NEED_ESCALATION if escalate else notices.Kind.NEED_REMINDER
        subject, body = notices.notification_text(kind, params)
        outgoing = [
            Notice(key=f"{kind}:{row['id']}:user:{person.user_id}", kind=kind, recipient_id=person.user_id,
                   params=params, subject=subject, body=body, topic=registry.topic("need", row["id"]),
                   recipient_label=person.label)
            for person in told
        ]
        planned.append(_Due(row, escalate, told, outgoing))
    return planned


def sweep_needs(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Remind and escalate the needs not classified in time as of ``now`` (see the module)."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=NEEDS, now=now, day=today, dry_run=dry_run)
    if not load_calendar().is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            planned = _plan(today, lock=False)
            outgoing = [notice for due in planned for notice in due.outgoing]
            unsent = {row.key for row in notices_send(outgoing, dry_run=True)}
            result.notifications = [notice for notice in outgoing if notice.key in unsent]
        else:
            with transaction.atomic():
                run = lock_run(NEEDS, today)
                planned = _plan(today, lock=True)
                stamp = timezone.now()
                outgoing = [notice for due in planned for notice in due.outgoing]
                sent = {row.key for row in notices_send(outgoing, now=stamp)}
                reminded = [due.need["id"] for due in planned if not due.escalate]
                escalated = [due.need["id"] for due in planned if due.escalate]
                PlatformNeed.objects.filter(pk__in=reminded, reminded_at__isnull=True).update(reminded_at=stamp)
                PlatformNeed.objects.filter(pk__in=escalated, escalated_at__isnull=True).update(escalated_at=stamp)
                result.notifications = [notice for notice in outgoing if notice.key in sent]
                finish_run(run, len(sent))
        result.escalations = [due.need["id"] for due in planned if due.escalate]
        reminder = (_("would remind: need #%(id)d of %(platform)s") if dry_run
                    else _("reminded: need #%(id)d of %(platform)s"))
        escalation = (_("would escalate: need #%(id)d of %(platform)s") if dry_run
                      else _("escalated: need #%(id)d of %(platform)s"))
        result.lines = [(escalation if due.escalate else reminder)
                        % {"id": due.need["id"], "platform": due.need["platform__name"]} for due in planned]
    return result


# --- registration ---------------------------------------------------------------------------------------


def _need_labels(ids: set[int]) -> dict[int, str]:
    rows = PlatformNeed.objects.filter(pk__in=ids).values_list("pk", "platform__name", "received_on")
    return {pk: f"{name} · {received_on.isoformat()}" for pk, name, received_on in rows}


def _needs_openable(user, ids: set[int]) -> set[int]:
    return set(access.needs_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _platform_section_context(request: HttpRequest, platform: Platform) -> dict:
    return {"platform_needs": platform_needs_awaiting(user=request.user, platform=platform)}


def register() -> None:
    """Declare the needs' sweep, their topic and their section of the platform page (``IssuesConfig.ready``)."""
    registry.register_sweep(registry.Sweep(name=NEEDS, label=gettext_lazy("Needs to classify"), run=sweep_needs,
                                           order=30))
    registry.register_topic(registry.Topic(
        name="need",
        url=lambda pk: reverse("issues:need_classify", args=[pk]),
        labels=_need_labels,
        openable=_needs_openable,
        open_label=gettext_lazy("Classify the need"),
        closed_label=gettext_lazy("You can no longer open this need."),
    ))
    register_platform_section(PlatformSection(
        key="needs", template="issues/needs/platform_section.html", context=_platform_section_context,
    ))
