"""Every change of state to achievements.

Pages, the API, the admin and the demo all call these functions: one rule, one place. Each runs
in one transaction, takes the achievement's row lock, checks who may act with the predicates in
``achievements.access`` (raising ``PermissionDenied`` with a message that says who may), raises
``ValidationError`` with field messages a person can act on, and writes what it did on the
achievement's timeline (``AchievementEvent``) with who, when, before and after. A change returns
the achievement as saved, read afresh under its lock: the instance passed in is not updated.

Decisions the issue leaves open, made here:

- Each step may be dated (``on``) when recorded after the fact: never in the future, never before
  the day the achievement entered its current stage. ``stage_entered_on`` takes that day.
- Re-assessing is allowed while the achievement is assessed (the assessment is replaced; the
  timeline keeps the old one). Stepping back from assessed to collected keeps the assessment on
  record until the next one.
- Transforming is allowed from matched (a deal signed without a separate negotiation) or from
  negotiating. Stepping back from transformed clears the transformation (kept on the timeline).
- A dropped achievement steps back to the stage it was dropped from; the reason stays on the
  timeline.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.text_limits import (
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    require_text_lengths,
    text_length_errors,
)
from config.timeline import timeline_value
from liaison.access import roles_of
from liaison.models import Contact, Unit
from platforms.models import Platform

from . import access
from .models import (
    READINESS_MAX,
    READINESS_MIN,
    STAGE_ORDER,
    Achievement,
    AchievementEvent,
    AchievementType,
    Judgement,
    Stage,
    TechnologyField,
    TransformationMode,
)

Kind = AchievementEvent.Kind

#: The descriptive fields ``achievement_update`` may change.
DESCRIPTIVE_FIELDS = (
    "title", "description", "achievement_type", "registration_numbers", "technology_field", "sub_field",
)
ASSESSMENT_FIELDS = (
    "readiness_level", "ip_status", "market_prospects", "judgement", "recommended_mode", "assessed_by", "assessed_at",
)
TRANSFORMATION_FIELDS = (
    "transformation_mode", "counterpart_enterprise", "landing_unit", "contract_amount", "transformed_on",
)
#: The largest contract amount the column holds (万元).
MAX_CONTRACT_AMOUNT = Decimal("9999999999.99")


def _today() -> datetime.date:
    return timezone.localdate()


_json = timeline_value


def _snapshot(achievement: Achievement, *fields: str) -> dict:
    return {name: _json(getattr(achievement, name)) for name in fields}


def _record(achievement: Achievement, kind: str, *, by, before=None, after=None, note: str = "") -> AchievementEvent:
    return AchievementEvent.objects.create(
        achievement=achievement, kind=kind, actor=by, before=before or {}, after=after or {}, note=note
    )


def _lock(achievement: Achievement) -> Achievement:
    # Two people acting at once are serialised, and each sees the other's result before checking
    # its own rules. ``of=("self",)``: lock the achievement only, not the rows joined for reading.
    return (
        Achievement.objects.select_for_update(of=("self",))
        .select_related("platform", "collected_by__unit", "landing_unit")
        .get(pk=achievement.pk)
    )


def _save(achievement: Achievement, *fields: str) -> None:
    achievement.save(update_fields=[*fields, "updated_at"])


def _require_steward(by: User, achievement: Achievement) -> None:
    if not access.can_change_achievement(by, achievement):
        raise PermissionDenied(
            _(
                "Only the platform's responsible cadre, the cadre who collected the achievement, the leader of "
                "the responsible cadre's unit or bureau staff may change this achievement."
            )
        )


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in Stage.values else stage


def _wrong_stage(achievement: Achievement, wanted: str) -> ValidationError:
    return ValidationError(
        {"stage": _("The achievement is %(stage)s; %(wanted)s")
         % {"stage": _stage_label(achievement.stage), "wanted": wanted}},
        code="wrong_stage",
    )


def _step_day(achievement: Achievement, on: datetime.date | None, field: str = "on") -> datetime.date:
    """The day a step happened: today by default, never in the future nor before the stage began."""
    on = on or _today()
    if on > _today():
        raise ValidationError({field: _("The date cannot be in the future.")}, code="future")
    if on < achievement.stage_entered_on:
        raise ValidationError(
            {field: _("The date cannot be before %(date)s, when the achievement entered its current stage.")
             % {"date": achievement.stage_entered_on.isoformat()}},
            code="before_stage",
        )
    return on


def _moment(on: datetime.date) -> datetime.datetime:
    """Now if ``on`` is today, else noon of that day in the portal's time zone."""
    if on == _today():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(12, 0)))


def descriptive_errors(
    *, title: str, description: str, achievement_type: str, registration_numbers: str, technology_field: str,
    sub_field: str,
) -> dict:
    errors = text_length_errors(
        description=(description, LONG_TEXT_MAX_LENGTH),
        registration_numbers=(registration_numbers, SHORT_TEXT_MAX_LENGTH),
        sub_field=(sub_field, 100),
    )
    if not title:
        errors["title"] = _("Give the achievement a title.")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("Keep the title under 200 characters; put the detail in the description.")
    if achievement_type not in AchievementType.values:
        errors["achievement_type"] = _("Choose the type of achievement.")
    if technology_field not in TechnologyField.values:
        errors["technology_field"] = _("Choose one of the eight high-tech fields.")
    return errors


# --- collecting and describing ---------------------------------------------------------------------


@transaction.atomic
def achievement_collect(
    *,
    by: User,
    platform: Platform,
    title: str,
    achievement_type: str,
    technology_field: str,
    description: str = "",
    registration_numbers: str = "",
    sub_field: str = "",
    collected_on: datetime.date | None = None,
    contact: Contact | None = None,
) -> Achievement:
    """Collect an achievement from a platform. Only its responsible cadre on ``collected_on`` may,
    and is credited with it for good.

    ``collected_on`` defaults to the contact's date, else today, and may not be in the future; the
    contact must be one of that cadre's with this platform, on or before that day.
    """
    if collected_on is None:
        collected_on = contact.date if contact is not None else _today()
    if collected_on > _today():
        raise ValidationError({"collected_on": _("The collection date cannot be in the future.")}, code="future")
    if not access.can_collect_achievement(by, platform=platform, on=collected_on):
        raise PermissionDenied(
            _("Only the cadre responsible for %(platform)s on %(date)s may collect its achievements.")
            % {"platform": platform, "date": collected_on.isoformat()}
        )
    title, description = title.strip(), description.strip()
    registration_numbers, sub_field = registration_numbers.strip(), sub_field.strip()
    errors = descriptive_errors(
        title=title, description=description, achievement_type=achievement_type,
        registration_numbers=registration_numbers, technology_field=technology_field, sub_field=sub_field,
    )
    cadre = roles_of(by).cadre
    if contact is not None:
        if contact.platform_id != platform.pk:
            errors["contact"] = _("That contact was with another platform.")
        elif contact.cadre_id != cadre.pk:
            errors["contact"] = _("That contact was another cadre's.")
        elif contact.date > collected_on:
            errors["contact"] = _("That contact took place after the collection date.")
    if errors:
        raise ValidationError(errors)

    achievement = Achievement.objects.create(
        platform=platform,
        collected_by=cadre,
        collected_on=collected_on,
        contact=contact,
        title=title,
        description=description,
        achievement_type=achievement_type,
        registration_numbers=registration_numbers,
        technology_field=technology_field,
        sub_field=sub_field,
        stage=Stage.COLLECTED,
        stage_entered_on=collected_on,
    )
    _record(
        achievement,
        Kind.COLLECTED,
        by=by,
        after={
            **_snapshot(achievement, "platform", "collected_by", "collected_on", *DESCRIPTIVE_FIELDS, "stage"),
            "contact": contact.pk if contact else None,
        },
    )
    return achievement


@transaction.atomic
def achievement_update(
    *,
    achievement: Achievement,
    by: User,
    title: str,
    achievement_type: str,
    technology_field: str,
    description: str = "",
    registration_numbers: str = "",
    sub_field: str = "",
) -> Achievement:
    """Correct what the achievement is (title, description, type, numbers, field), while it is on
    its way: a transformed or dropped achievement's record stands as it was closed."""
    achievement = _lock(achievement)
    _require_steward(by, achievement)
    if not achievement.is_active:
        raise _wrong_stage(achievement, _("step it back first to correct its details."))
    values = {
        "title": title.strip(),
        "description": description.strip(),
        "achievement_type": achievement_type,
        "registration_numbers": registration_numbers.strip(),
        "technology_field": technology_field,
        "sub_field": sub_field.strip(),
    }
    errors = descriptive_errors(**values)
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in values.items() if getattr(achievement, name) != value]
    if not changed:
        raise ValidationError(_("Nothing was changed."), code="unchanged")
    before = _snapshot(achievement, *changed)
    for name in changed:
        setattr(achievement, name, values[name])
    _save(achievement, *changed)
    _record(achievement, Kind.UPDATED, by=by, before=before, after=_snapshot(achievement, *changed))
    return achievement


# --- assessing and moving forward ------------------------------------------------------------------


@transaction.atomic
def achievement_assess(
    *,
    achievement: Achievement,
    by: User,
    readiness_level: int,
    judgement: str,
    ip_status: str = "",
    market_prospects: str = "",
    recommended_mode: str = "",
    on: datetime.date | None = None,
) -> Achievement:
    """Assess how transformable a collected achievement is (collected -> assessed), or assess an
    assessed one again: readiness level 1-9 (GB/T 22900), IP status, market prospects, an overall
    judgement (high, medium, low) and the recommended mode of transformation."""
    achievement = _lock(achievement)
    _require_steward(by, achievement)
    if achievement.stage not in (Stage.COLLECTED, Stage.ASSESSED):
        raise _wrong_stage(achievement, _("only a collected or assessed achievement is assessed."))
    ip_status, market_prospects = ip_status.strip(), market_prospects.strip()
    errors = text_length_errors(
        ip_status=(ip_status, SHORT_TEXT_MAX_LENGTH), market_prospects=(market_prospects, SHORT_TEXT_MAX_LENGTH)
    )
    if readiness_level is None or not isinstance(readiness_level, int) or isinstance(readiness_level, bool) or not (
        READINESS_MIN <= readiness_level <= READINESS_MAX
    ):
        errors["readiness_level"] = _("Choose a technology readiness level from 1 to 9.")
    if judgement not in Judgement.values:
        errors["judgement"] = _("Choose the overall judgement: high, medium or low.")
    if recommended_mode and recommended_mode not in TransformationMode.values:
        errors["recommended_mode"] = _("Choose one of the modes of transformation, or none.")
    if errors:
        raise ValidationError(errors)
    on = _step_day(achievement, on)

    fields = ("stage", *ASSESSMENT_FIELDS)
    before = _snapshot(achievement, *fields)
    first = achievement.stage == Stage.COLLECTED
    achievement.readiness_level = readiness_level
    achievement.judgement = judgement
    achievement.ip_status = ip_status
    achievement.market_prospects = market_prospects
    achievement.recommended_mode = recommended_mode
    achievement.assessed_by = by
    achievement.assessed_at = _moment(on)
    saved = list(ASSESSMENT_FIELDS)
    if first:
        achievement.stage = Stage.ASSESSED
        achievement.stage_entered_on = on
        saved += ["stage", "stage_entered_on"]
    _save(achievement, *saved)
    _record(achievement, Kind.ASSESSED, by=by, before=before, after=_snapshot(achievement, *fields))
    return achievement


#: The stage ``achievement_advance`` moves to, from each stage it moves.
_NEXT = {Stage.ASSESSED: Stage.MATCHED, Stage.MATCHED: Stage.NEGOTIATING}


@transaction.atomic
def achievement_advance(
    *, achievement: Achievement, by: User, note: str, on: datetime.date | None = None
) -> Achievement:
    """Move an achievement one stage forward: assessed -> matched (a counterpart is found) ->
    negotiating, with a note on what happened. Transforming is ``achievement_transform``."""
    achievement = _lock(achievement)
    _require_steward(by, achievement)
    if achievement.stage not in _NEXT:
        if achievement.stage == Stage.COLLECTED:
            raise _wrong_stage(achievement, _("assess it first."))
        if achievement.stage == Stage.NEGOTIATING:
            raise _wrong_stage(achievement, _("record the transformation to move it on."))
        raise _wrong_stage(achievement, _("it can no longer move forward."))
    note = note.strip()
    errors = text_length_errors(note=(note, SHORT_TEXT_MAX_LENGTH))
    if not note:
        errors["note"] = _("Say what happened: who the counterpart is, or where the negotiation stands.")
    if errors:
        raise ValidationError(errors)
    on = _step_day(achievement, on)
    before = _snapshot(achievement, "stage", "stage_entered_on")
    achievement.stage = _NEXT[achievement.stage]
    achievement.stage_entered_on = on
    _save(achievement, "stage", "stage_entered_on")
    _record(achievement, Kind.ADVANCED, by=by, before=before,
            after=_snapshot(achievement, "stage", "stage_entered_on"), note=note)
    return achievement


def _amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@transaction.atomic
def achievement_transform(
    *,
    achievement: Achievement,
    by: User,
    transformation_mode: str,
    counterpart_enterprise: str,
    contract_amount,
    transformed_on: datetime.date | None = None,
    landing_unit: Unit | None = None,
    note: str = "",
) -> Achievement:
    """Record the transformation of a matched or negotiating achievement: the mode (article 16),
    the counterpart enterprise, the district or park where it lands, the contract amount in 万元
    (0 or more) and the date (not in the future)."""
    achievement = _lock(achievement)
    _require_steward(by, achievement)
    if achievement.stage not in (Stage.MATCHED, Stage.NEGOTIATING):
        raise _wrong_stage(achievement, _("only a matched or negotiating achievement is transformed."))
    counterpart_enterprise, note = counterpart_enterprise.strip(), note.strip()
    errors = text_length_errors(note=(note, SHORT_TEXT_MAX_LENGTH))
    if transformation_mode not in TransformationMode.values:
        errors["transformation_mode"] = _("Choose the mode of transformation.")
    if not counterpart_enterprise:
        errors["counterpart_enterprise"] = _("Name the enterprise that takes the achievement up.")
    elif len(counterpart_enterprise) > TITLE_MAX_LENGTH:
        errors["counterpart_enterprise"] = _("Keep the enterprise's name under 200 characters.")
    amount = _amount(contract_amount)
    if amount is None or not amount.is_finite():
        errors["contract_amount"] = _("Give the contract amount in 10,000 yuan (0 if there is none).")
    elif amount < 0:
        errors["contract_amount"] = _("The contract amount cannot be negative.")
    elif amount > MAX_CONTRACT_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        errors["contract_amount"] = _("Give the amount in 10,000 yuan with at most two decimals.")
    if landing_unit is not None and landing_unit.kind == Unit.Kind.CITY_DEPARTMENT:
        errors["landing_unit"] = _("Choose a district, county or park: a city department is not a place.")
    day = transformed_on or _today()
    if day > _today():
        errors["transformed_on"] = _("The transformation date cannot be in the future.")
    elif day < achievement.stage_entered_on:
        errors["transformed_on"] = _(
            "The date cannot be before %(date)s, when the achievement entered its current stage."
        ) % {"date": achievement.stage_entered_on.isoformat()}
    if errors:
        raise ValidationError(errors)

    fields = ("stage", "stage_entered_on", *TRANSFORMATION_FIELDS)
    before = _snapshot(achievement, *fields)
    achievement.stage = Stage.TRANSFORMED
    achievement.stage_entered_on = day
    achievement.transformation_mode = transformation_mode
    achievement.counterpart_enterprise = counterpart_enterprise
    achievement.landing_unit = landing_unit
    achievement.contract_amount = amount.quantize(Decimal("0.01"))
    achievement.transformed_on = day
    _save(achievement, *fields)
    _record(achievement, Kind.TRANSFORMED, by=by, before=before, after=_snapshot(achievement, *fields), note=note)
    return achievement


# --- dropping and stepping back ----------------------------------------------------------------------


@transaction.atomic
def achievement_drop(
    *, achievement: Achievement, by: User, reason: str, on: datetime.date | None = None
) -> Achievement:
    """Drop an achievement that will not be transformed, from any stage before transformed, with
    the reason."""
    achievement = _lock(achievement)
    _require_steward(by, achievement)
    if not achievement.is_active:
        raise _wrong_stage(achievement, _("only an achievement on its way can be dropped."))
    reason = reason.strip()
    errors = text_length_errors(reason=(reason, SHORT_TEXT_MAX_LENGTH))
    if not reason:
        errors["reason"] = _("Give the reason for dropping it.")
    if errors:
        raise ValidationError(errors)
    on = _step_day(achievement, on)
    fields = ("stage", "stage_entered_on", "drop_reason", "dropped_from")
    before = _snapshot(achievement, *fields)
    achievement.dropped_from = achievement.stage
    achievement.stage = Stage.DROPPED
    achievement.stage_entered_on = on
    achievement.drop_reason = reason
    _save(achievement, *fields)
    _record(achievement, Kind.DROPPED, by=by, before=before, after=_snapshot(achievement, *fields), note=reason)
    return achievement


def previous_stage(achievement: Achievement) -> str | None:
    """Where stepping back leads: the stage before, or the stage it was dropped from."""
    if achievement.stage == Stage.DROPPED:
        return achievement.dropped_from or None
    index = STAGE_ORDER.index(achievement.stage)
    return STAGE_ORDER[index - 1] if index > 0 else None


@transaction.atomic
def achievement_step_back(*, achievement: Achievement, by: User, reason: str) -> Achievement:
    """Move an achievement one stage back, with the reason: a dropped one returns to the stage it
    was dropped from; a transformed one returns to negotiation and its transformation is cleared
    (the timeline keeps it)."""
    achievement = _lock(achievement)
    _require_steward(by, achievement)
    target = previous_stage(achievement)
    if target is None:
        raise _wrong_stage(achievement, _("it is at the first stage and cannot step back."))
    reason = reason.strip()
    errors = text_length_errors(reason=(reason, SHORT_TEXT_MAX_LENGTH))
    if not reason:
        errors["reason"] = _("Give the reason for stepping back.")
    if errors:
        raise ValidationError(errors)
    fields = ["stage", "stage_entered_on"]
    if achievement.stage == Stage.DROPPED:
        fields += ["drop_reason", "dropped_from"]
    elif achievement.stage == Stage.TRANSFORMED:
        fields += list(TRANSFORMATION_FIELDS)
    before = _snapshot(achievement, *fields)
    if achievement.stage == Stage.DROPPED:
        achievement.drop_reason = ""
        achievement.dropped_from = ""
    elif achievement.stage == Stage.TRANSFORMED:
        achievement.transformation_mode = ""
        achievement.counterpart_enterprise = ""
        achievement.landing_unit = None
        achievement.contract_amount = None
        achievement.transformed_on = None
    achievement.stage = target
    achievement.stage_entered_on = _today()
    _save(achievement, *fields)
    _record(achievement, Kind.STEPPED_BACK, by=by, before=before, after=_snapshot(achievement, *fields), note=reason)
    return achievement


@transaction.atomic
def achievement_comment(*, achievement: Achievement, by: User, text: str) -> AchievementEvent:
    """Add a comment to the timeline; anyone who may see the achievement may comment."""
    if not access.can_comment_on_achievement(by, achievement):
        raise PermissionDenied(_("You may not comment on this achievement."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the comment.")}, code="required")
    require_text_lengths(text=(text, SHORT_TEXT_MAX_LENGTH))
    return _record(achievement, Kind.COMMENTED, by=by, note=text)
