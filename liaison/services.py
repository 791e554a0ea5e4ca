"""Every change of state to units, cadres, assignments and contacts.

Pages, the API, the admin, imports and tasks all call these functions: one rule, one place.
Each runs in one transaction and raises ``ValidationError`` with a message a person can act on.
"""

import dataclasses
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token

from config.text_limits import LONG_TEXT_MAX_LENGTH, require_text_lengths, text_length_errors
from platforms.models import Platform

from .access import cadres_handed_over_by
from .models import BUREAU_STAFF_GROUP, Assignment, Cadre, Contact, Unit, user_display_name
from .signals import cadre_handed_over, platform_transferred


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


def _insert_assignment(
    *, cadre: Cadre, platform: Platform, start_date: datetime.date, by=None, hand_over: str | None = None
) -> Assignment:
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(cadre=cadre, platform=platform, start_date=start_date)
    except IntegrityError:
        # The partial unique index is the last guard against a concurrent assignment.
        raise ValidationError(
            {"platform": _("%(platform)s already has a responsible cadre.") % {"platform": platform}},
            code="platform_taken",
        )
    _announce_if_transferred(assignment, by=by, hand_over=hand_over)
    return assignment


def _announce_if_transferred(assignment: Assignment, *, by, hand_over: str | None = None) -> None:
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
        hand_over=hand_over,
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


# --- a cadre leaves (交接) ---------------------------------------------------------------------------


class HandOverRefused(ValidationError):
    """A hand-over refused, nothing changed. ``by_platform`` maps a platform's id to what is wrong with
    its line; ``general`` maps ``cadre``, ``reason`` or ``date`` to what is wrong with the rest. As a
    ``ValidationError`` it carries both, each platform's problems under ``successors`` prefixed with
    the platform's name (what the API answers)."""

    def __init__(self, *, general: dict[str, list[str]], by_platform: dict[int, list[str]], names: dict[int, str]):
        fields = {name: list(messages) for name, messages in general.items() if messages}
        lines = [
            _("%(platform)s: %(problem)s") % {"platform": names.get(pk, pk), "problem": message}
            for pk, messages in sorted(by_platform.items(), key=lambda item: str(names.get(item[0], item[0])))
            for message in messages
        ]
        if lines:
            fields["successors"] = lines
        super().__init__(fields, code="hand_over_refused")
        self.general = fields
        self.by_platform = by_platform


@dataclass
class HandOverLine:
    """One platform of the leaving cadre and its successor (``started``: the new assignment, once made)."""

    assignment: Assignment
    successor: Cadre
    started: Assignment | None = None

    @property
    def platform(self) -> Platform:
        return self.assignment.platform


@dataclass
class HandOver:
    """What ``cadre_hand_over`` did, or with ``dry_run`` would do."""

    cadre: Cadre
    date: datetime.date
    reason: str
    lines: list[HandOverLine] = dataclasses.field(default_factory=list)
    #: Why the leaving cadre's user account stays open ("" when it is closed): another role needs it.
    account_kept_because: str = ""
    dry_run: bool = False


def account_kept_because(user) -> str:
    """The role, other than the cadre's, that keeps ``user``'s account open when their cadre role
    ends: an administrator, bureau staff, or the leader of a unit; "" when there is none."""
    if user.is_superuser:
        return _("%(name)s is an administrator.") % {"name": user_display_name(user)}
    if user.groups.filter(name=BUREAU_STAFF_GROUP).exists():
        return _("%(name)s is bureau staff.") % {"name": user_display_name(user)}
    led = list(Unit.objects.filter(leader=user).order_by("sort_key", "name").values_list("name", flat=True))
    if led:
        return _("%(name)s leads %(units)s.") % {"name": user_display_name(user), "units": ", ".join(led)}
    return ""


def _hand_over_problems(
    *, cadre: Cadre, active: dict[int, Assignment], chosen: dict[int, Cadre], platforms: dict[int, Platform],
    reason: str, date: datetime.date, by,
) -> HandOverRefused | None:
    """Every rule the hand-over would break, each named with its platform; None when there is none."""
    general: dict[str, list[str]] = {}
    by_platform: dict[int, list[str]] = {}
    names = {pk: p.name for pk, p in platforms.items()} | {pk: a.platform.name for pk, a in active.items()}

    def platform_problem(pk: int, message: str) -> None:
        by_platform.setdefault(pk, []).append(message)

    longest_reason = Assignment._meta.get_field("end_reason").max_length
    if not reason:
        general.setdefault("reason", []).append(_("Give the reason the cadre leaves (it ends each assignment)."))
    elif len(reason) > longest_reason:
        general.setdefault("reason", []).append(
            _("Keep the reason within %(max)d characters.") % {"max": longest_reason})
    if date > _today():
        general.setdefault("date", []).append(_("The date of the hand-over cannot be in the future."))
    if not cadre.is_active:
        general.setdefault("cadre", []).append(_("%(cadre)s is no longer active.") % {"cadre": cadre})
    # One scope for the leaving cadre and the successors: an admin's is every cadre, a leader's their units'.
    in_scope = set(
        cadres_handed_over_by(by, Cadre.objects.filter(pk__in={cadre.pk, *(c.pk for c in chosen.values())}))
        .values_list("pk", flat=True)
    )
    if cadre.pk not in in_scope:
        general.setdefault("cadre", []).append(
            _("You may hand over only the cadres of the units you lead; %(cadre)s is of %(unit)s.")
            % {"cadre": cadre, "unit": cadre.unit})

    for pk in sorted(set(chosen) - set(active)):
        platform_problem(pk, _("%(cadre)s does not serve this platform.") % {"cadre": cadre})
    for pk, assignment in active.items():
        successor = chosen.get(pk)
        if successor is None:
            platform_problem(pk, _("Choose its successor."))
            continue
        if successor.pk == cadre.pk:
            platform_problem(pk, _("The leaving cadre cannot be their own successor."))
            continue
        if not successor.is_active or not successor.user.is_active:
            platform_problem(pk, _("%(cadre)s is no longer active.") % {"cadre": successor})
        if successor.pk not in in_scope:
            platform_problem(pk, _("%(cadre)s is of %(unit)s: choose a cadre of a unit you lead.")
                             % {"cadre": successor, "unit": successor.unit})
        if date < assignment.start_date:
            platform_problem(pk, _("%(cadre)s has served it since %(start)s: the hand-over cannot be before that day.")
                             % {"cadre": cadre, "start": assignment.start_date.isoformat()})

    incoming: dict[int, list[int]] = {}
    for pk, successor in chosen.items():
        if pk in active and successor.pk != cadre.pk:
            incoming.setdefault(successor.pk, []).append(pk)
    serving = dict(
        Assignment.objects.active().filter(cadre_id__in=incoming).values("cadre_id")
        .annotate(n=Count("pk")).values_list("cadre_id", "n")
    )
    most = _max_platforms()
    for successor_pk, platform_pks in incoming.items():
        now = serving.get(successor_pk, 0)
        if now + len(platform_pks) > most:
            successor = chosen[platform_pks[0]]
            for pk in platform_pks:
                platform_problem(pk, ngettext(
                    "%(cadre)s serves %(count)d platform; with the %(incoming)d this hand-over gives them that "
                    "would exceed %(max)d.",
                    "%(cadre)s serves %(count)d platforms; with the %(incoming)d this hand-over gives them that "
                    "would exceed %(max)d.",
                    now,
                ) % {"cadre": successor, "count": now, "incoming": len(platform_pks), "max": most})
    if general or by_platform:
        return HandOverRefused(general=general, by_platform=by_platform, names=names)
    return None


@transaction.atomic
def cadre_hand_over(
    *,
    cadre: Cadre,
    successors: Mapping[Platform, Cadre | None],
    reason: str,
    date: datetime.date | None = None,
    by,
    dry_run: bool = False,
) -> HandOver:
    """A cadre leaves, in one step: each platform they serve goes to its successor in ``successors``
    on ``date`` (today if None), the old assignments ending with ``reason``; each successor is told
    once of everything they received (``signals.cadre_handed_over``), each open issue's timeline
    records its move (``signals.platform_transferred``), and the cadre is deactivated. Their user
    account is closed too (inactive, no password, so no session or API token works, and their tokens
    deleted) unless another role needs it (``account_kept_because``).

    ``by`` is the user acting: an admin, or the leader of the leaving cadre's unit, who may then
    choose successors only among the cadres of the units they lead. Every rule broken raises one
    ``HandOverRefused`` naming each platform and why; nothing changes. With ``dry_run`` nothing is
    written and the returned ``HandOver`` is the preview.
    """
    date = date or _today()
    reason = (reason or "").strip()
    if not dry_run:
        cadre = _lock_cadre(cadre)
    cadre = Cadre.objects.select_related("user", "unit").get(pk=cadre.pk)
    platforms = {p.pk: p for p in successors}
    wanted = {p.pk: c for p, c in successors.items() if c is not None}
    queryset = Cadre.objects.select_related("user", "unit").filter(pk__in={c.pk for c in wanted.values()})
    if not dry_run:
        # The successors' rows, in id order (two hand-overs naming them in another order cannot
        # deadlock), so their counts of platforms cannot be raced past the maximum.
        queryset = queryset.select_for_update(of=("self",)).order_by("pk")
    fresh = {c.pk: c for c in queryset}
    chosen = {pk: fresh[c.pk] for pk, c in wanted.items() if c.pk in fresh}
    active_queryset = Assignment.objects.active().filter(cadre=cadre).select_related("platform").order_by("platform_id")
    if not dry_run:
        # Locked, the platforms cannot be moved by anyone else while they are handed over.
        list(Platform.objects.select_for_update().filter(pk__in=active_queryset.values("platform_id")).order_by("pk"))
    active = {a.platform_id: a for a in active_queryset}
    refused = _hand_over_problems(cadre=cadre, active=active, chosen=chosen, platforms=platforms, reason=reason,
                                  date=date, by=by)
    if refused is not None:
        raise refused
    result = HandOver(
        cadre=cadre, date=date, reason=reason, dry_run=dry_run,
        lines=[HandOverLine(assignment=a, successor=chosen[pk]) for pk, a in sorted(active.items())],
        account_kept_because=account_kept_because(cadre.user),
    )
    if dry_run:
        return result
    key = f"cadre:{cadre.pk}:assignment:{min(a.pk for a in active.values())}" if active else ""
    received: dict[int, list[Assignment]] = {}
    for line in result.lines:
        assignment_end(assignment=line.assignment, reason=reason, end_date=date)
        line.started = _insert_assignment(cadre=line.successor, platform=line.platform, start_date=date, by=by,
                                          hand_over=key)
        received.setdefault(line.successor.pk, []).append(line.started)
    if received:
        cadre_handed_over.send(
            sender=Cadre, key=key, from_cadre=cadre, received={fresh[pk]: rows for pk, rows in received.items()},
            reason=reason, on=date, by=by,
        )
    cadre_deactivate(cadre=cadre)
    if not result.account_kept_because:
        _close_account(cadre.user)
    return result


def _close_account(user) -> None:
    """End ``user``'s access: inactive, and with no usable password their sessions no longer verify
    (Django checks each session against the password's hash); their API tokens are deleted."""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    Token.objects.filter(user=user).delete()


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
    """Record a contact. Only the cadre responsible for the platform on that date may log it.

    The checks read, then the contact and its history row are written in one transaction: in the
    caller's without a savepoint of their own (a contact logged with its issues, or an API request
    with its idempotency key, is all or nothing already), else in a new one.
    """
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
    with transaction.atomic(savepoint=False):
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


# --- units, cadres and their user accounts (the admin, the API and the bulk import) ---------------


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    """The model's own checks (choices, lengths, unique names, e-mail), as field errors."""
    obj.full_clean(exclude=list(exclude), validate_constraints=False)


def _check_single_office(unit: Unit) -> None:
    if not unit.is_office:
        return
    other = Unit.objects.filter(is_office=True).exclude(pk=unit.pk).first()
    if other is not None:
        raise ValidationError(
            {"is_office": _("%(unit)s is already the city committee's office; there is only one.") % {"unit": other}},
            code="second_office",
        )


@transaction.atomic
def user_account_save(*, username: str, last_name: str, first_name: str = "", email: str = ""):
    """The user account named ``username``, created (without a usable password: the person sets
    one through a password reset) or brought up to date with the names and e-mail given."""
    User = get_user_model()
    username = username.strip()
    user = User.objects.filter(username=username).first()
    values = {"last_name": last_name.strip(), "first_name": first_name.strip(), "email": email.strip()}
    if user is None:
        user = User(username=username, **values)
        user.set_unusable_password()
        _full_clean(user, exclude=["password"])
        user.save()
        return user
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, values[name])
        _full_clean(user, exclude=["password", "username"])
        user.save(update_fields=changed)
    return user


@transaction.atomic
def unit_create(*, name: str, kind: str, is_office: bool = False, leader=None) -> Unit:
    unit = Unit(name=name.strip(), kind=kind, is_office=is_office, leader=leader)
    _full_clean(unit)
    _check_single_office(unit)
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, name: str, kind: str, is_office: bool, leader) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    values = {"name": name.strip(), "kind": kind, "is_office": is_office, "leader_id": leader.pk if leader else None}
    changed = [field for field, value in values.items() if getattr(unit, field) != value]
    if not changed:
        return unit
    for field, value in values.items():
        setattr(unit, field, value)
    _full_clean(unit)
    _check_single_office(unit)
    unit.save(update_fields=changed)
    return unit


def _set_cadre_roles(*, user, unit: Unit, is_unit_leader: bool | None, is_bureau_staff: bool | None) -> None:
    """Make ``user`` the leader of ``unit`` (or no longer its leader) and bureau staff (or not);
    ``None`` leaves that role as it is."""
    if is_unit_leader and unit.leader_id != user.pk:
        unit.leader = user
        unit.save(update_fields=["leader"])
    elif is_unit_leader is False and unit.leader_id == user.pk:
        unit.leader = None
        unit.save(update_fields=["leader"])
    if is_bureau_staff is None:
        return
    group, _created = Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)
    if is_bureau_staff:
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def cadre_create(
    *,
    username: str,
    last_name: str,
    first_name: str = "",
    email: str = "",
    unit: Unit,
    title: str = "",
    phone: str = "",
    batch: int = 1,
    is_unit_leader: bool | None = None,
    is_bureau_staff: bool | None = None,
) -> Cadre:
    """A new cadre with their user account (created if there is none yet) and roles (``None``:
    leave the role as it is)."""
    user = user_account_save(username=username, last_name=last_name, first_name=first_name, email=email)
    if Cadre.objects.filter(user=user).exists():
        raise ValidationError({"username": _("%(username)s is already a cadre.") % {"username": username}},
                              code="already_cadre")
    cadre = Cadre(user=user, unit=unit, title=title.strip(), phone=phone.strip(), batch=batch)
    _full_clean(cadre)
    cadre.save()
    _set_cadre_roles(user=user, unit=unit, is_unit_leader=is_unit_leader, is_bureau_staff=is_bureau_staff)
    return cadre


@transaction.atomic
def cadre_update(
    *,
    cadre: Cadre,
    last_name: str,
    first_name: str,
    email: str,
    unit: Unit,
    title: str,
    phone: str,
    batch: int,
    is_unit_leader: bool | None = None,
    is_bureau_staff: bool | None = None,
) -> Cadre:
    """Change a cadre's details, account names and roles. Moving to another unit ends the
    leadership of the unit left, if they led it."""
    cadre = _lock_cadre(cadre)
    user_account_save(username=cadre.user.username, last_name=last_name, first_name=first_name, email=email)
    if cadre.unit_id != unit.pk:
        Unit.objects.filter(pk=cadre.unit_id, leader=cadre.user).update(leader=None)
    values = {"unit_id": unit.pk, "title": title.strip(), "phone": phone.strip(), "batch": batch}
    changed = [field for field, value in values.items() if getattr(cadre, field) != value]
    if changed:
        for field, value in values.items():
            setattr(cadre, field, value)
        _full_clean(cadre)
        cadre.save(update_fields=changed)
    cadre.user.refresh_from_db()
    _set_cadre_roles(user=cadre.user, unit=unit, is_unit_leader=is_unit_leader, is_bureau_staff=is_bureau_staff)
    return cadre
