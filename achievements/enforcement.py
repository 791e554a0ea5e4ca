"""Stale achievements: an achievement that stands in one active stage too long reminds its cadre.

The daily sweep (``sweep_stale_achievements``, beat at 09:00, nothing on a day that is not a
working day) finds the achievements in an active stage (collected, assessed, matched,
negotiating) for more than that stage's limit of working days (``PORTAL
["ACHIEVEMENT_STALE_WORKING_DAYS"]``), counted like a deadline: the day it entered the stage
(``Achievement.stage_entered_on``) is not counted, day 1 is the next working day, and it is stale
from the first working day after the limit's last. Each is reminded once per stale spell: the
notice's key is the achievement, the stage and the day it entered it, so a stage change (forward
or back) starts a new spell, and staying put sends nothing more. The reminder goes to the cadre
now responsible for the achievement's platform (first-inquiry responsibility), else the cadre who
collected it; a ``reminded`` timeline entry is written for each reminder actually sent.

Exactly once, as every sweep (``notices.sweeps``): the ``SweepRun`` lock, then only keys not yet
sent. Selection is one indexed range per stage (``stage``, ``stage_entered_on``).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.portal import portal_setting
from issues.calendar import load_calendar
from issues.enforcement import latest_due_date_with
from liaison.models import Assignment, Cadre
from notices import registry
from notices.registry import Text
from notices.services import Notice, notices_send
from notices.sweeps import SweepResult, finish_run, local_date, lock_run
from notices.sweeps import people as _people

from .access import achievements_visible_to
from .models import ACTIVE_STAGES, Achievement, AchievementEvent, Stage

#: The sweep's name (``SweepRun.kind``) and its kind of notice.
STALE_ACHIEVEMENTS = "stale_achievements"
STAGE_STALE = "achievement_stale"


def stale_limits() -> dict[str, int]:
    """Working days each active stage may last before its cadre is reminded (the setting)."""
    limits = portal_setting("ACHIEVEMENT_STALE_WORKING_DAYS")
    return {stage: int(limits[stage]) for stage in ACTIVE_STAGES if stage in limits}


def _plan(today: datetime.date, calendar) -> list[tuple[dict, Notice]]:
    """The reminders due as of ``today`` (a working day): one per stale achievement and spell."""
    condition = Q(pk__in=[])
    for stage, limit in stale_limits().items():
        # More than ``limit`` working days in (entered, today]: entered on or before this day.
        condition |= Q(stage=stage, stage_entered_on__lte=latest_due_date_with(calendar, today, limit + 1))
    rows = list(
        Achievement.objects.filter(condition).order_by("pk").values(
            "id", "title", "stage", "stage_entered_on", "platform_id", "platform__name", "collected_by_id",
        )
    )
    if not rows:
        return []
    current = dict(
        Assignment.objects.active().filter(platform_id__in={r["platform_id"] for r in rows})
        .values_list("platform_id", "cadre__user_id")
    )
    collectors = dict(Cadre.objects.filter(pk__in={r["collected_by_id"] for r in rows}).values_list("pk", "user_id"))
    people = _people([*current.values(), *collectors.values()])
    limits = stale_limits()
    planned = []
    for row in rows:
        person = people.get(current.get(row["platform_id"])) or people.get(collectors.get(row["collected_by_id"]))
        if person is None:
            continue
        since = row["stage_entered_on"]
        params = {"id": row["id"], "title": row["title"], "platform": row["platform__name"], "stage": row["stage"],
                  "since": since.isoformat(), "days": calendar.working_days_between(since, today),
                  "limit": limits[row["stage"]]}
        subject, body = _stale_text(params)
        planned.append((row, Notice(
            key=f"achievement_stale:achievement:{row['id']}:stage:{row['stage']}:since:{since.isoformat()}",
            kind=STAGE_STALE, recipient_id=person.user_id, params=params, subject=subject, body=body,
            topic=registry.topic("achievement", row["id"]), recipient_label=person.label,
        )))
    return planned


def sweep_stale_achievements(*, now: datetime.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Remind the cadres of the achievements stale as of ``now`` and not reminded in this spell yet."""
    now = now or timezone.now()
    today = local_date(now)
    result = SweepResult(sweep=STALE_ACHIEVEMENTS, now=now, day=today, dry_run=dry_run)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        result.ran = False
        result.note = _("%(day)s is not a working day: nothing to do.") % {"day": today.isoformat()}
        return result
    with translation.override(settings.LANGUAGE_CODE):
        if dry_run:
            planned = [notice for _row, notice in _plan(today, calendar)]
            unsent = {row.key for row in notices_send(planned, dry_run=True)}
            result.notifications = [o for o in planned if o.key in unsent]
            return result
        with transaction.atomic():
            run = lock_run(STALE_ACHIEVEMENTS, today)
            planned = _plan(today, calendar)
            stamp = timezone.now()
            sent = {row.key: row for row in notices_send([notice for _row, notice in planned], now=stamp)}
            events = [
                AchievementEvent(
                    achievement_id=row["id"], kind=AchievementEvent.Kind.REMINDED, actor=None, at=stamp,
                    after={"stage": row["stage"], "stage_entered_on": row["stage_entered_on"].isoformat()},
                )
                for row, notice in planned if notice.key in sent
            ]
            AchievementEvent.objects.bulk_create(events)
            result.notifications = [notice for _row, notice in planned if notice.key in sent]
            result.events = len(events)
            finish_run(run, len(sent))
    return result


# --- the text ------------------------------------------------------------------------------------


def _next_step(stage: str) -> str:
    return {
        Stage.COLLECTED: _("assess how transformable it is"),
        Stage.ASSESSED: _("match it with a demand of a district, county or park"),
        Stage.MATCHED: _("open negotiations with the counterpart"),
        Stage.NEGOTIATING: _("conclude the transformation, or drop it with a reason"),
    }.get(stage, "")


def _stale_text(params: dict) -> Text:
    """``params``: id, title, platform, stage (its code), since, days (working days in the stage), limit."""
    values = {**params, "stage": str(dict(Stage.choices).get(params["stage"], params["stage"])),
              "next": _next_step(params["stage"])}
    subject = ngettext(
        "Achievement %(title)s has stood in “%(stage)s” for %(days)d working day",
        "Achievement %(title)s has stood in “%(stage)s” for %(days)d working days",
        params["days"],
    ) % values
    body = "\n".join([
        ngettext(
            "The achievement %(title)s of %(platform)s has been in the stage “%(stage)s” since %(since)s: "
            "%(days)d working day, beyond the %(limit)d the stage should take.",
            "The achievement %(title)s of %(platform)s has been in the stage “%(stage)s” since %(since)s: "
            "%(days)d working days, beyond the %(limit)d the stage should take.",
            params["days"],
        ) % values,
        _("Next step: %(next)s.") % values,
    ])
    return Text(subject, body)


def register() -> None:
    """Declare the kind of notice, the achievement topic and the sweep (``AchievementsConfig.ready``)."""
    registry.register_kind(STAGE_STALE, gettext_lazy("Achievement standing still"), _stale_text)
    registry.register_topic(registry.Topic(
        name="achievement",
        url=lambda pk: reverse("achievements:detail", args=[pk]),
        labels=lambda ids: dict(Achievement.objects.filter(pk__in=ids).values_list("pk", "title")),
        openable=lambda user, ids: set(
            achievements_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
        ),
        open_label=gettext_lazy("Open the achievement"),
        closed_label=gettext_lazy("You can no longer open this achievement."),
    ))
    registry.register_sweep(registry.Sweep(
        name=STALE_ACHIEVEMENTS, label=gettext_lazy("Stale achievements"), run=sweep_stale_achievements, order=30,
    ))
