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

from . import access, corpora, matching
from .models import (
    READINESS_MAX,
    READINESS_MIN,
    STAGE_ORDER,
    Achievement,
    AchievementEvent,
    AchievementType,
    Demand,
    DemandStatus,
    Judgement,
    LIVE_MATCH_STATUSES,
    MATCH_STATUS_ORDER,
    MATCHABLE_STAGES,
    Match,
    MatchStatus,
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
            _("Only the cadre responsible for the platform on %(date)s may collect its achievements.")
            % {"date": collected_on.isoformat()}
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
        match_terms=matching.terms_of(title, sub_field, description),
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
    achievement.match_terms = matching.terms_of(achievement.title, achievement.sub_field, achievement.description)
    _save(achievement, *changed, "match_terms")
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


def money(value, *, missing: str, negative: str, precision: str) -> tuple[Decimal | None, str]:
    """An amount in 万元 as kept (two decimals) and "", or None and the message that says what is
    wrong: not a number, below 0, or more than two decimals (or more than the column holds)."""
    amount = _amount(value)
    if amount is None or not amount.is_finite():
        return None, missing
    if amount < 0:
        return None, negative
    if amount > MAX_CONTRACT_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        return None, precision
    return amount.quantize(Decimal("0.01")), ""


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
    through_match: "Match | None" = None,
) -> Achievement:
    """Record the transformation of a matched or negotiating achievement: the mode (article 16),
    the counterpart enterprise, the district or park where it lands, the contract amount in 万元
    (0 or more) and the date (not in the future). Its matches still under way are marked failed,
    but for ``through_match``, the one signed (``match_set_status``)."""
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
    amount, error = money(
        contract_amount,
        missing=_("Give the contract amount in 10,000 yuan (0 if there is none)."),
        negative=_("The contract amount cannot be negative."),
        precision=_("Give the amount in 10,000 yuan with at most two decimals."),
    )
    if error:
        errors["contract_amount"] = error
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
    _fail_live_matches(achievement, keep=through_match,
                       note=_("The achievement was transformed through another match.") if through_match
                       else _("The achievement was transformed."))
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
    _fail_live_matches(achievement, note=_("The achievement was dropped."))
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


# --- technology demands ------------------------------------------------------------------------------

DEMAND_FIELDS = (
    "unit", "enterprise", "title", "description", "technology_field", "sub_field", "budget", "wanted_by",
    "contact_person",
)


def demand_values(
    *, unit: Unit | None, title: str, technology_field: str, description: str, enterprise: str, sub_field: str,
    budget, wanted_by: datetime.date | None, contact_person: str,
) -> tuple[dict, dict]:
    values = {
        "unit": unit,
        "enterprise": (enterprise or "").strip(),
        "title": (title or "").strip(),
        "description": (description or "").strip(),
        "technology_field": technology_field,
        "sub_field": (sub_field or "").strip(),
        "budget": None,
        "wanted_by": wanted_by,
        "contact_person": (contact_person or "").strip(),
    }
    errors = text_length_errors(
        description=(values["description"], LONG_TEXT_MAX_LENGTH),
        contact_person=(values["contact_person"], SHORT_TEXT_MAX_LENGTH),
        sub_field=(values["sub_field"], 100),
    )
    if unit is None:
        errors["unit"] = _("Choose the district, county or park that raises the demand.")
    elif unit.kind not in access.DEMAND_UNIT_KINDS:
        errors["unit"] = _("Choose a district, county or park: city departments do not raise demands here.")
    if not values["title"]:
        errors["title"] = _("Say in a line what technology is wanted.")
    elif len(values["title"]) > TITLE_MAX_LENGTH:
        errors["title"] = _("Keep the title under 200 characters; put the detail in the description.")
    if len(values["enterprise"]) > TITLE_MAX_LENGTH:
        errors["enterprise"] = _("Keep the enterprise's name under 200 characters.")
    if technology_field not in TechnologyField.values:
        errors["technology_field"] = _("Choose one of the eight high-tech fields.")
    if budget not in (None, ""):
        values["budget"], error = money(
            budget,
            missing=_("Give the budget in 10,000 yuan, or leave it empty."),
            negative=_("The budget cannot be negative."),
            precision=_("Give the budget in 10,000 yuan with at most two decimals."),
        )
        if error:
            errors["budget"] = error
    return values, errors


@transaction.atomic
def demand_raise(
    *,
    by: User,
    unit: Unit | None,
    title: str,
    technology_field: str,
    description: str = "",
    enterprise: str = "",
    sub_field: str = "",
    budget=None,
    wanted_by: datetime.date | None = None,
    contact_person: str = "",
    raised_on: datetime.date | None = None,
) -> Demand:
    """Enter a technology demand of a district, county or park (or of an enterprise in it): its
    own cadres and leader, bureau staff and admins may."""
    raised_on = raised_on or _today()
    values, errors = demand_values(
        unit=unit, title=title, technology_field=technology_field, description=description, enterprise=enterprise,
        sub_field=sub_field, budget=budget, wanted_by=wanted_by, contact_person=contact_person,
    )
    if unit is not None and "unit" not in errors and not access.demand_units_for(by).filter(pk=unit.pk).exists():
        raise PermissionDenied(
            _("Only the cadres and the leader of %(unit)s, or bureau staff, may enter its demands.") % {"unit": unit}
        )
    if raised_on > _today():
        errors["raised_on"] = _("The date cannot be in the future.")
    if wanted_by is not None and wanted_by < raised_on:
        errors["wanted_by"] = _("The wanted-by date cannot be before the day the demand is raised.")
    if errors:
        raise ValidationError(errors)
    return Demand.objects.create(
        **values, raised_by=by, raised_on=raised_on, status=DemandStatus.OPEN,
        match_terms=matching.terms_of(values["title"], values["sub_field"], values["description"]),
    )


def _lock_demand(demand: Demand) -> Demand:
    return Demand.objects.select_for_update(of=("self",)).select_related("unit").get(pk=demand.pk)


def _require_demand_steward(by: User, demand: Demand) -> None:
    if not access.can_change_demand(by, demand):
        raise PermissionDenied(
            _("Only the cadres and the leader of %(unit)s, or bureau staff, may change its demands.")
            % {"unit": demand.unit}
        )


@transaction.atomic
def demand_update(
    *,
    demand: Demand,
    by: User,
    title: str,
    technology_field: str,
    description: str = "",
    enterprise: str = "",
    sub_field: str = "",
    budget=None,
    wanted_by: datetime.date | None = None,
    contact_person: str = "",
) -> Demand:
    """Correct a demand's details (its unit stays: a demand of another unit is another demand)."""
    demand = _lock_demand(demand)
    _require_demand_steward(by, demand)
    values, errors = demand_values(
        unit=demand.unit, title=title, technology_field=technology_field, description=description,
        enterprise=enterprise, sub_field=sub_field, budget=budget, wanted_by=wanted_by,
        contact_person=contact_person,
    )
    if wanted_by is not None and wanted_by < demand.raised_on:
        errors["wanted_by"] = _("The wanted-by date cannot be before the day the demand is raised.")
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in values.items() if getattr(demand, name) != value]
    if not changed:
        raise ValidationError(_("Nothing was changed."), code="unchanged")
    for name in changed:
        setattr(demand, name, values[name])
    demand.match_terms = matching.terms_of(demand.title, demand.sub_field, demand.description)
    demand.save(update_fields=[*changed, "match_terms", "updated_at"])
    return demand


@transaction.atomic
def demand_close(*, demand: Demand, by: User, reason: str) -> Demand:
    """Close a demand (met, withdrawn, or no longer wanted), with the reason. Matches under way stay
    as they are, to be finished or marked failed; no new match can be confirmed."""
    demand = _lock_demand(demand)
    _require_demand_steward(by, demand)
    if demand.status == DemandStatus.CLOSED:
        raise ValidationError({"status": _("The demand is already closed.")}, code="closed")
    reason = reason.strip()
    errors = text_length_errors(reason=(reason, SHORT_TEXT_MAX_LENGTH))
    if not reason:
        errors["reason"] = _("Say why the demand is closed: met, withdrawn, or no longer wanted.")
    if errors:
        raise ValidationError(errors)
    demand.status = DemandStatus.CLOSED
    demand.close_reason = reason
    demand.save(update_fields=["status", "close_reason", "updated_at"])
    return demand


def _status_from_matches(demand: Demand) -> str:
    live = demand.matches.exclude(status=MatchStatus.FAILED).exists()
    return DemandStatus.MATCHED if live else DemandStatus.OPEN


@transaction.atomic
def demand_reopen(*, demand: Demand, by: User) -> Demand:
    """Reopen a closed demand: open again, or matched if a match of it stands."""
    demand = _lock_demand(demand)
    _require_demand_steward(by, demand)
    if demand.status != DemandStatus.CLOSED:
        raise ValidationError({"status": _("Only a closed demand can be reopened.")}, code="not_closed")
    demand.status = _status_from_matches(demand)
    demand.close_reason = ""
    demand.save(update_fields=["status", "close_reason", "updated_at"])
    return demand


# --- matches -------------------------------------------------------------------------------------------


def _match_snapshot(match: Match) -> dict:
    return {"match": match.pk, "demand": {"id": match.demand_id, "name": match.demand.title},
            "match_status": match.status}


def _stage_to(achievement: Achievement, stage: str, on: datetime.date) -> dict:
    """Move the (locked) achievement to ``stage`` as of ``on``; the before snapshot for its event."""
    before = _snapshot(achievement, "stage", "stage_entered_on")
    achievement.stage = stage
    achievement.stage_entered_on = on
    _save(achievement, "stage", "stage_entered_on")
    return before


def suggestion_for(*, achievement: Achievement, demand: Demand) -> matching.Suggestion | None:
    """How well ``demand`` (not closed) fits ``achievement``, weighed among the demands open to
    matching as the suggestions weigh it (``corpora``: kept in the process until a demand changes)."""
    fits = corpora.corpus("demands").rank(
        words=achievement.match_terms.split(), technology_field=achievement.technology_field, only=demand.pk, limit=1,
    )
    return fits[0] if fits else None


@transaction.atomic
def match_confirm(*, achievement: Achievement, demand: Demand, by: User, note: str = "") -> Match:
    """Confirm a match of an assessed achievement with a demand not closed: a steward of the
    achievement or the demand's unit may. The match starts as proposed; an assessed achievement
    becomes matched, an open demand matched. The fit and the words that matched are kept with it."""
    achievement = _lock(achievement)
    demand = _lock_demand(demand)
    if not access.can_confirm_match(by, achievement=achievement, demand=demand):
        raise PermissionDenied(
            _("Only the achievement's stewards or the cadres and leader of %(unit)s may confirm this match.")
            % {"unit": demand.unit}
        )
    if achievement.stage not in MATCHABLE_STAGES:
        if achievement.stage == Stage.COLLECTED:
            raise _wrong_stage(achievement, _("assess it before confirming a match."))
        raise _wrong_stage(achievement, _("it can no longer be matched."))
    if demand.status == DemandStatus.CLOSED:
        raise ValidationError({"demand": _("The demand is closed; reopen it first.")}, code="closed")
    if Match.objects.filter(achievement=achievement, demand=demand).exists():
        raise ValidationError({"demand": _("This achievement and this demand are already matched.")}, code="unique")
    note = note.strip()
    require_text_lengths(note=(note, SHORT_TEXT_MAX_LENGTH))
    suggestion = suggestion_for(achievement=achievement, demand=demand)
    today = _today()
    match = Match.objects.create(
        achievement=achievement, demand=demand, status=MatchStatus.PROPOSED, note=note, confirmed_by=by,
        confirmed_on=today, status_changed_on=today,
        fit=suggestion.fit if suggestion else 0, reasons=list(suggestion.words) if suggestion else [],
    )
    before = {}
    if achievement.stage == Stage.ASSESSED:
        before = _stage_to(achievement, Stage.MATCHED, today)
    if demand.status == DemandStatus.OPEN:
        demand.status = DemandStatus.MATCHED
        demand.save(update_fields=["status", "updated_at"])
    _record(achievement, Kind.MATCH, by=by, before=before,
            after={**_match_snapshot(match), **(_snapshot(achievement, "stage", "stage_entered_on") if before else {})},
            note=note)
    return match


def _lock_match(match: Match) -> Match:
    return Match.objects.select_for_update(of=("self",)).select_related("achievement", "demand__unit").get(pk=match.pk)


@transaction.atomic
def match_set_status(
    *,
    match: Match,
    by: User,
    status: str,
    note: str = "",
    transformation_mode: str = "",
    contract_amount=None,
    transformed_on: datetime.date | None = None,
    counterpart_enterprise: str = "",
) -> Match:
    """Move a match forward (proposed -> contacted -> negotiating -> signed) or mark it failed
    (with the reason), and the achievement with it:

    - negotiating: a matched achievement goes to negotiating;
    - signed: the achievement is transformed (``achievement_transform``) with the mode, amount and
      date given, the demand's enterprise (or ``counterpart_enterprise``) as counterpart and the
      demand's unit as where it lands; the achievement's other matches under way are marked failed;
    - failed: a demand left with no match standing is open again. The achievement stays where it
      is: its stewards step it back if nothing else is under way.
    """
    match = _lock_match(match)
    if not access.can_change_match(by, match):
        raise PermissionDenied(_("Only the achievement's stewards or the demand's unit may change this match."))
    if status not in MatchStatus.values:
        raise ValidationError({"status": _("Choose the match's new status.")}, code="invalid")
    if not match.is_live:
        raise ValidationError({"status": _("The match is %(status)s and can no longer change.")
                               % {"status": match.get_status_display()}}, code="closed")
    if status != MatchStatus.FAILED and MATCH_STATUS_ORDER.index(status) <= MATCH_STATUS_ORDER.index(match.status):
        raise ValidationError({"status": _("A match only moves forward: it is %(status)s already.")
                               % {"status": match.get_status_display()}}, code="backwards")
    if status == MatchStatus.SIGNED and not access.can_change_achievement(by, match.achievement):
        raise PermissionDenied(
            _("Signing records the achievement's transformation: only the achievement's stewards may.")
        )
    note = note.strip()
    errors = text_length_errors(note=(note, SHORT_TEXT_MAX_LENGTH))
    if status == MatchStatus.FAILED and not note:
        errors["note"] = _("Say why the match failed.")
    if errors:
        raise ValidationError(errors)

    achievement = _lock(match.achievement)
    demand = _lock_demand(match.demand)
    today = _today()
    before = {"match_status": match.status}
    if status == MatchStatus.NEGOTIATING and achievement.stage == Stage.MATCHED:
        before.update(_stage_to(achievement, Stage.NEGOTIATING, today))
    if status == MatchStatus.SIGNED:
        unit = demand.unit if demand.unit.kind in access.DEMAND_UNIT_KINDS else None
        achievement_transform(
            achievement=achievement, by=by, transformation_mode=transformation_mode,
            counterpart_enterprise=counterpart_enterprise.strip() or demand.enterprise or demand.unit.name,
            contract_amount=contract_amount, transformed_on=transformed_on, landing_unit=unit,
            note=_("Signed through the match with the demand “%(demand)s”.") % {"demand": demand.title},
            through_match=match,
        )
    match.status = status
    match.status_changed_on = today
    if note:
        match.note = note
    match.save(update_fields=["status", "status_changed_on", "note", "updated_at"])
    if status == MatchStatus.FAILED:
        _refresh_demand_status(demand.pk)
    achievement.refresh_from_db(fields=["stage", "stage_entered_on"])
    after = {**_match_snapshot(match)}
    if "stage" in before:
        after.update(_snapshot(achievement, "stage", "stage_entered_on"))
    _record(achievement, Kind.MATCH, by=by, before=before, after=after, note=note)
    return match


def _fail_live_matches(achievement: Achievement, *, note: str, keep: Match | None = None) -> None:
    """An achievement transformed or dropped ends its matches still under way (but ``keep``): each
    is marked failed with ``note``, and its demand is open again if nothing else stands for it."""
    live = Match.objects.select_for_update().filter(achievement=achievement, status__in=LIVE_MATCH_STATUSES)
    if keep is not None:
        live = live.exclude(pk=keep.pk)
    for match in live:
        match.status = MatchStatus.FAILED
        match.note = note
        match.status_changed_on = _today()
        match.save(update_fields=["status", "note", "status_changed_on", "updated_at"])
        _refresh_demand_status(match.demand_id)


def _refresh_demand_status(demand_id: int) -> None:
    """A demand not closed is matched while any match of it stands, else open."""
    demand = Demand.objects.select_for_update().get(pk=demand_id)
    if demand.status == DemandStatus.CLOSED:
        return
    status = _status_from_matches(demand)
    if status != demand.status:
        demand.status = status
        demand.save(update_fields=["status", "updated_at"])
