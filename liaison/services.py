"""Every change of state to units, cadres, assignments and contacts.

Pages, the API, the admin, imports and tasks all call these functions: one rule, one place.
Each runs in one transaction and raises ``ValidationError`` with a message a person can act on.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.text_limits import LONG_TEXT_MAX_LENGTH, require_text_lengths, text_length_errors
from platforms.models import Platform

from .models import Assignment, Cadre, Contact
from .signals import platform_transferred


def _today() -> datetime.date:
    return timezone.localdate()


def _max_platforms() -> int:
    return settings.PORTAL["MAX_PLATFORMS_PER_CADRE"]


def _min_platforms() -> int:
    return settings.PORTAL["MIN_PLATFORMS_PER_CADRE"]


def _lock_cadre(cadre: Cadre) -> Cadre:
    # The row lock serialises concurrent assignment requests for one cadre, so the count of
    # active platforms checked below cannot be raced past the maximum.
    return Cadre.objects.select_for_update().select_related("user").get(pk=cadre.pk)


def _lock_platform(platform: Platform) -> Platform:
    return Platform.objects.select_for_update().get(pk=platform.pk)


def _check_platform_free(platform: Platform) -> None:
    holder = Assignment.objects.active().filter(platform=platform).select_related("cadre__user").first()
    if holder is not None:
        raise ValidationError(
            {"platform": _("%(platform)s already has a responsible cadre: %(cadre)s. End or transfer that assignment first.")
             % {"platform": platform, "cadre": holder.cadre}},
            code="platform_taken",
        )


def _insert_assignment(*, cadre: Cadre, platform: Platform, start_date: datetime.date, by=None) -> Assignment:
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(cadre=cadre, platform=platform, start_date=start_date)
    except IntegrityError:
        # The partial unique index is the last guard against a concurrent assignment.
        raise ValidationError(
            {"platform": _("%(platform)s already has a responsible cadre.") % {"platform": platform}},
            code="platform_taken",
        )
    _announce_if_transferred(assignment, by=by)
    return assignment


def _announce_if_transferred(assignment: Assignment, *, by) -> None:
    """Send ``platform_transferred`` if the platform's previous assignment was another cadre's.

    Every path that starts an assignment comes through here, so a move is announced however it
    was made: in one step, or ended first and assigned again later.
    """
    previous = (
        Assignment.objects.filter(platform_id=assignment.platform_id, end_date__isnull=False)
        .exclude(pk=assignment.pk)
        .select_related("cadre__user")
        .order_by("-end_date", "-start_date", "-pk")
        .first()
    )
    if previous is None or previous.cadre_id == assignment.cadre_id:
        return
    platform_transferred.send(
        sender=Assignment,
        platform=assignment.platform,
        from_cadre=previous.cadre,
        to_cadre=assignment.cadre,
        reason=previous.end_reason,
        on=assignment.start_date,
        assignment=assignment,
        by=by,
    )


def _check_room_for(cadre: Cadre, *, incoming: int) -> None:
    """Refuse ``incoming`` more platforms for ``cadre`` if they would take it past the maximum.

    The message gives the count the cadre serves now, before any of the ``incoming`` is added:
    a batch refused halfway must not report the count it reached before being rolled back.
    """
    serving = Assignment.objects.active().filter(cadre=cadre).count()
    most = _max_platforms()
    if serving + incoming <= most:
        return
    if incoming == 1 and serving == most:
        message = _("%(cadre)s already serves %(count)d platforms, the most a cadre may serve.")
    else:
        message = ngettext(
            "%(cadre)s serves %(count)d platform; %(count)d + %(incoming)d would exceed %(max)d.",
            "%(cadre)s serves %(count)d platforms; %(count)d + %(incoming)d would exceed %(max)d.",
            serving,
        )
    raise ValidationError(
        {"cadre": message % {"cadre": cadre, "count": serving, "incoming": incoming, "max": most}},
        code="too_many_platforms",
    )


def _check_assignable(*, cadre: Cadre, platform: Platform, start_date: datetime.date) -> None:
    if not cadre.is_active:
        raise ValidationError({"cadre": _("%(cadre)s is no longer active.") % {"cadre": cadre}}, code="cadre_inactive")
    if not platform.is_active:
        raise ValidationError(
            {"platform": _("%(platform)s is no longer active.") % {"platform": platform}}, code="platform_inactive"
        )
    if start_date > _today():
        raise ValidationError({"start_date": _("The start date cannot be in the future.")}, code="future")
    # One responsible cadre at a time holds for the past too: a start date back inside an ended
    # assignment would make two cadres responsible for the same days.
    previous_end = (
        Assignment.objects.filter(platform=platform, end_date__gt=start_date)
        .order_by("-end_date")
        .values_list("end_date", flat=True)
        .first()
    )
    if previous_end is not None:
        raise ValidationError(
            {"start_date": _(
                "%(platform)s had an earlier assignment ending on %(date)s: the start date cannot be before that day."
            ) % {"platform": platform, "date": previous_end.isoformat()}},
            code="overlaps_previous",
        )


@transaction.atomic
def assignment_create(
    *, cadre: Cadre, platform: Platform, start_date: datetime.date | None = None, by=None
) -> Assignment:
    """Make ``cadre`` responsible for ``platform``; a cadre never holds more than the maximum.

    ``by``, the user acting (None if not known), is named on the issues' timelines if this moves the
    platform from another cadre (see ``signals.platform_transferred``); the same in the services below.
    """
    start_date = start_date or _today()
    cadre = _lock_cadre(cadre)
    platform = _lock_platform(platform)
    _check_assignable(cadre=cadre, platform=platform, start_date=start_date)
    _check_room_for(cadre, incoming=1)
    _check_platform_free(platform)
    return _insert_assignment(cadre=cadre, platform=platform, start_date=start_date, by=by)


@transaction.atomic
def assignment_end(*, assignment: Assignment, reason: str, end_date: datetime.date | None = None) -> Assignment:
    """End an assignment, keeping it as history."""
    end_date = end_date or _today()
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.end_date is not None:
        raise ValidationError(_("This assignment has already ended."), code="already_ended")
    if not reason.strip():
        raise ValidationError({"end_reason": _("Give the reason for ending the assignment.")}, code="reason_required")
    require_text_lengths(end_reason=(reason.strip(), Assignment._meta.get_field("end_reason").max_length))
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")}, code="end_before_start")
    if end_date > _today():
        raise ValidationError({"end_date": _("The end date cannot be in the future.")}, code="future")
    assignment.end_date = end_date
    assignment.end_reason = reason.strip()
    assignment.save(update_fields=["end_date", "end_reason"])
    return assignment


@transaction.atomic
def assignment_transfer(
    *, platform: Platform, to_cadre: Cadre, reason: str, date: datetime.date | None = None, by=None
) -> Assignment:
    """Hand a platform over to another cadre (for example when its cadre leaves): one step."""
    date = date or _today()
    to_cadre = _lock_cadre(to_cadre)
    platform = _lock_platform(platform)
    current = Assignment.objects.active().filter(platform=platform).first()
    if current is not None and current.cadre_id == to_cadre.pk:
        raise ValidationError({"cadre": _("%(cadre)s is already responsible for this platform.") % {"cadre": to_cadre}})
    _check_assignable(cadre=to_cadre, platform=platform, start_date=date)
    _check_room_for(to_cadre, incoming=1)
    if current is not None:
        assignment_end(assignment=current, reason=reason, end_date=date)
    return _insert_assignment(cadre=to_cadre, platform=platform, start_date=date, by=by)


@transaction.atomic
def platforms_transfer(
    *, platforms: Iterable[Platform], to_cadre: Cadre, reason: str, date: datetime.date | None = None, by=None
) -> list[Assignment]:
    """Hand several platforms (a leaving cadre's) over to one cadre with ``assignment_transfer``:
    all or none, and refused up front when the cadre could not take them all."""
    platforms = sorted({p.pk: p for p in platforms}.values(), key=lambda p: p.pk)
    to_cadre = _lock_cadre(to_cadre)
    _check_room_for(to_cadre, incoming=len(platforms))
    return [
        assignment_transfer(platform=platform, to_cadre=to_cadre, reason=reason, date=date, by=by)
        for platform in platforms
    ]


@transaction.atomic
def cadre_set_platforms(
    *,
    cadre: Cadre,
    platforms: Iterable[Platform],
    reason: str = "",
    start_date: datetime.date | None = None,
    by=None,
) -> list[Assignment]:
    """Set a cadre's platforms as one set of 2 to 4, atomically.

    Platforms leaving the set have their assignment ended with ``reason``; platforms joining it
    must be free (no other responsible cadre). Returns the cadre's active assignments afterwards.
    """
    start_date = start_date or _today()
    cadre = _lock_cadre(cadre)
    wanted = {p.pk: p for p in platforms}
    if not _min_platforms() <= len(wanted) <= _max_platforms():
        raise ValidationError(
            {"platforms": _("A cadre serves %(min)d to %(max)d platforms; %(count)d were chosen.")
             % {"min": _min_platforms(), "max": _max_platforms(), "count": len(wanted)}},
            code="platform_count",
        )
    current = {a.platform_id: a for a in Assignment.objects.active().filter(cadre=cadre)}
    leaving = [a for pid, a in current.items() if pid not in wanted]
    if leaving and not reason.strip():
        raise ValidationError({"end_reason": _("Give the reason for ending the assignments that are removed.")})
    for assignment in leaving:
        assignment_end(assignment=assignment, reason=reason, end_date=start_date)
    taken = []
    # Lock in id order, not the caller's: two requests naming the same platforms in different
    # orders would otherwise deadlock on PostgreSQL.
    for pid, platform in sorted(wanted.items()):
        if pid in current:
            continue
        platform = _lock_platform(platform)
        _check_assignable(cadre=cadre, platform=platform, start_date=start_date)
        holder = Assignment.objects.active().filter(platform=platform).select_related("cadre__user").first()
        if holder is not None:
            taken.append(_("%(platform)s (served by %(cadre)s)") % {"platform": platform, "cadre": holder.cadre})
            continue
        _insert_assignment(cadre=cadre, platform=platform, start_date=start_date, by=by)
    if taken:
        raise ValidationError(
            {"platforms": _("These platforms already have a responsible cadre: %(list)s.") % {"list": "; ".join(taken)}},
            code="platform_taken",
        )
    return list(Assignment.objects.active().filter(cadre=cadre).select_related("platform"))


@transaction.atomic
def cadre_deactivate(*, cadre: Cadre) -> Cadre:
    """End a cadre's service. Refused while they still hold platforms: hand them over first."""
    cadre = _lock_cadre(cadre)
    held = Assignment.objects.active().filter(cadre=cadre).count()
    if held:
        raise ValidationError(
            ngettext(
                "%(cadre)s still serves %(count)d platform. Transfer it to another cadre first.",
                "%(cadre)s still serves %(count)d platforms. Transfer them to other cadres first.",
                held,
            )
            % {"cadre": cadre, "count": held},
            code="cadre_has_platforms",
        )
    cadre.is_active = False
    cadre.save(update_fields=["is_active"])
    return cadre


@transaction.atomic
def cadre_delete(*, cadre: Cadre) -> None:
    """Delete a cadre who has no history; one with history is deactivated instead."""
    try:
        cadre.delete()
    except ProtectedError:
        # Assignments, contacts and issues all protect their cadre: any of them is history.
        raise ValidationError(
            _("%(cadre)s has assignments, contacts or issues on record and cannot be deleted; "
              "deactivate the cadre instead.") % {"cadre": cadre},
            code="has_history",
        )


@transaction.atomic
def platform_deactivate(*, platform: Platform, reason: str) -> Platform:
    """Take a platform out of the scheme; its active assignment ends with ``reason``."""
    platform = _lock_platform(platform)
    active = Assignment.objects.active().filter(platform=platform).first()
    if active is not None:
        assignment_end(assignment=active, reason=reason)
    platform.is_active = False
    platform.save(update_fields=["is_active", "updated_at"])
    return platform


@transaction.atomic
def platform_delete(*, platform: Platform) -> None:
    """Delete a platform with no history; one with history is deactivated instead."""
    try:
        platform.delete()
    except ProtectedError:
        raise ValidationError(
            _("%(platform)s has assignments, contacts or issues on record and cannot be deleted; "
              "deactivate it instead.") % {"platform": platform},
            code="has_history",
        )


def responsible_cadre(*, platform: Platform, on: datetime.date) -> Cadre | None:
    assignment = Assignment.objects.covering(on).filter(platform=platform).select_related("cadre__user").first()
    return assignment.cadre if assignment else None


@transaction.atomic
def contact_create(
    *,
    cadre: Cadre,
    platform: Platform,
    date: datetime.date,
    kind: str,
    summary: str,
    people_met: str = "",
    needs: str = "",
    by,
) -> Contact:
    """Record a contact. Only the cadre responsible for the platform on that date may log it."""
    errors = {}
    if date > _today():
        errors["date"] = _("The date of a contact cannot be in the future.")
    elif not Assignment.objects.covering(date).filter(platform=platform, cadre=cadre).exists():
        errors["platform"] = _("%(cadre)s was not the cadre responsible for %(platform)s on %(date)s.") % {
            "cadre": cadre, "platform": platform, "date": date.isoformat()
        }
    if kind not in Contact.Kind.values:
        errors["kind"] = _("Choose the kind of contact.")
    if not summary.strip():
        errors["summary"] = _("Describe the platform's situation and progress.")
    errors.update(
        text_length_errors(
            summary=(summary.strip(), LONG_TEXT_MAX_LENGTH),
            needs=(needs.strip(), LONG_TEXT_MAX_LENGTH),
            people_met=(people_met.strip(), Contact._meta.get_field("people_met").max_length),
        )
    )
    if errors:
        raise ValidationError(errors)
    return Contact.objects.create(
        cadre=cadre,
        platform=platform,
        date=date,
        kind=kind,
        people_met=people_met.strip(),
        summary=summary.strip(),
        needs=needs.strip(),
        created_by=by,
    )
