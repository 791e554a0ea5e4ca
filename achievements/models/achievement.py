"""Achievements (成果转化): research results a cadre collects from a platform, assesses and follows
to their transformation into use, with a timeline of every change.

``stage`` and the assessment, drop and transformation fields change only through
``achievements.services``: each change is one function that checks who may make it and records it
on the timeline (``AchievementEvent``).

The stages::

    collected ─assess─► assessed ─advance─► matched ─advance─► negotiating ─transform─► transformed
                                               └───────────────transform──────────────────┘
    any stage before transformed ─drop (with a reason)─► dropped
    any stage ─step back (with a reason)─► the stage before (dropped: the stage it was dropped from)
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.text_limits import (
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    LimitedCharField,
    LimitedTextField,
)
from liaison.models import Cadre, Contact, Unit
from platforms.models import Platform


class AchievementType(models.TextChoices):
    PATENT = "patent", _("Patent")
    SOFTWARE = "software", _("Software")
    NEW_VARIETY = "new_variety", _("New plant or animal variety")
    NEW_DRUG_OR_DEVICE = "new_drug_or_device", _("New drug or medical device")
    KNOW_HOW = "know_how", _("Technical know-how")
    OTHER = "other", _("Other")


class TechnologyField(models.TextChoices):
    """The eight fields of the national list of high-tech fields (国家重点支持的高新技术领域)."""

    ELECTRONIC_INFORMATION = "electronic_information", _("Electronic information")
    BIOMEDICINE = "biomedicine", _("Biology and new medicine")
    AEROSPACE = "aerospace", _("Aerospace")
    NEW_MATERIALS = "new_materials", _("New materials")
    HIGH_TECH_SERVICES = "high_tech_services", _("High-tech services")
    NEW_ENERGY = "new_energy", _("New energy and energy saving")
    RESOURCES_ENVIRONMENT = "resources_environment", _("Resources and environment")
    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("Advanced manufacturing and automation")


class Judgement(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class TransformationMode(models.TextChoices):
    """The modes of article 16 of the Law on Promoting the Transformation of Scientific and
    Technological Achievements (促进科技成果转化法第十六条)."""

    OWN_INVESTMENT = "own_investment", _("Own investment in implementation")
    TRANSFER = "transfer", _("Transfer to others")
    LICENCE = "licence", _("Licence to others")
    JOINT_IMPLEMENTATION = "joint_implementation", _("Joint implementation with others")
    INVESTMENT_AT_VALUATION = "investment_at_valuation", _("Investment at a valuation")
    OTHER = "other", _("Other negotiated mode")


class Stage(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    ASSESSED = "assessed", _("Assessed")
    MATCHED = "matched", _("Matched")
    NEGOTIATING = "negotiating", _("In negotiation")
    TRANSFORMED = "transformed", _("Transformed")
    DROPPED = "dropped", _("Dropped")


#: The way forward, one step at a time (transforming may also skip the negotiation).
STAGE_ORDER = [Stage.COLLECTED, Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING, Stage.TRANSFORMED]
#: Stages from which an achievement may still be dropped or changed.
ACTIVE_STAGES = [Stage.COLLECTED, Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING]
#: Stages in which the achievement carries an assessment.
ASSESSED_STAGES = [Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING, Stage.TRANSFORMED]
#: The stages an achievement can be matched with a demand from (a collected one is assessed first).
MATCHABLE_STAGES = [Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING]

READINESS_MIN, READINESS_MAX = 1, 9


def readiness_meanings() -> dict[int, str]:
    """Each technology readiness level (技术就绪水平) as GB/T 22900 defines it, translatable."""
    return {
        1: _("Basic principles discovered or reported"),
        2: _("Technology concept or development plan formed"),
        3: _("Critical functions analysed and proven by experiment (proof of concept)"),
        4: _("Key components or functions validated in the laboratory"),
        5: _("Key components or functions validated in a relevant environment"),
        6: _("System prototype demonstrated in a relevant environment"),
        7: _("Engineering prototype demonstrated in the real operating environment"),
        8: _("Product design finalised, tested and certified"),
        9: _("Product proven in actual use, ready for volume production"),
    }


def readiness_choices() -> list[tuple[int, str]]:
    return [(level, _("%(level)d: %(meaning)s") % {"level": level, "meaning": meaning})
            for level, meaning in readiness_meanings().items()]


class Achievement(models.Model):
    """A research result to be transformed into use (科技成果), collected from a platform."""

    Stage = Stage
    Type = AchievementType
    Field = TechnologyField
    Judgement = Judgement
    Mode = TransformationMode

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="achievements"
    )
    #: The cadre responsible for the platform when it was collected: credited with it for good,
    #: even after the platform moves to another cadre.
    collected_by = models.ForeignKey(
        Cadre, verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="collected_achievements"
    )
    collected_on = models.DateField(_("collected on"), db_index=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="achievements",
        help_text=_("The contact at which the platform brought it up."),
    )
    title = LimitedCharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = LimitedTextField(_("description"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    achievement_type = models.CharField(_("type of achievement"), max_length=30, choices=AchievementType.choices)
    registration_numbers = LimitedCharField(
        _("patent or registration numbers"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True,
        help_text=_("Patent, software copyright, variety or registration numbers, separated by commas."),
    )
    technology_field = models.CharField(
        _("technology field"), max_length=30, choices=TechnologyField.choices, db_index=True
    )
    sub_field = LimitedCharField(_("sub-field"), max_length=100, blank=True)
    #: The words of the title, sub-field and description (``achievements.matching.terms_of``),
    #: written by the services: what suggested matches compare.
    match_terms = models.TextField(_("match terms"), blank=True, editable=False)

    # --- assessment of transformability ---
    readiness_level = models.PositiveSmallIntegerField(
        _("technology readiness level"), null=True, blank=True,
        help_text=_("1 to 9, as GB/T 22900 defines the technology readiness levels."),
    )
    ip_status = LimitedTextField(_("IP status"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    market_prospects = LimitedTextField(_("market prospects"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    judgement = models.CharField(_("overall judgement"), max_length=10, choices=Judgement.choices, blank=True)
    recommended_mode = models.CharField(
        _("recommended mode of transformation"), max_length=30, choices=TransformationMode.choices, blank=True
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)

    # --- stage ---
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, db_index=True)
    #: The day the achievement entered its stage: how long it has stood still.
    stage_entered_on = models.DateField(_("in this stage since"))
    drop_reason = LimitedTextField(_("reason for dropping"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    #: The stage it was dropped from, where stepping back returns it.
    dropped_from = models.CharField(_("dropped from"), max_length=20, choices=Stage.choices, blank=True)

    # --- transformation ---
    transformation_mode = models.CharField(
        _("mode of transformation"), max_length=30, choices=TransformationMode.choices, blank=True
    )
    counterpart_enterprise = LimitedCharField(_("counterpart enterprise"), max_length=TITLE_MAX_LENGTH, blank=True)
    landing_unit = models.ForeignKey(
        Unit, verbose_name=_("district or park where it lands"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="landed_achievements",
    )
    contract_amount = models.DecimalField(
        _("contract amount (10,000 yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    transformed_on = models.DateField(_("transformed on"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["match_terms"])

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        ordering = ["-collected_on", "-id"]
        indexes = [
            models.Index(fields=["platform", "collected_on"], name="achievement_platform_collected"),
            models.Index(fields=["stage", "stage_entered_on"], name="achievement_stage_since"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="achievement_stage_valid"),
            models.CheckConstraint(
                condition=Q(achievement_type__in=AchievementType.values), name="achievement_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(technology_field__in=TechnologyField.values), name="achievement_field_valid"
            ),
            models.CheckConstraint(
                condition=Q(readiness_level__isnull=True)
                | Q(readiness_level__gte=READINESS_MIN, readiness_level__lte=READINESS_MAX),
                name="achievement_readiness_1_to_9",
            ),
            models.CheckConstraint(
                condition=Q(contract_amount__isnull=True) | Q(contract_amount__gte=0),
                name="achievement_amount_not_negative",
            ),
            # Assessed and beyond: the assessment is there.
            models.CheckConstraint(
                condition=~Q(stage__in=ASSESSED_STAGES)
                | (Q(readiness_level__isnull=False, assessed_at__isnull=False) & ~Q(judgement="")),
                name="achievement_assessed_has_assessment",
            ),
            # Transformed exactly when the transformation is recorded.
            models.CheckConstraint(
                condition=(
                    Q(stage="transformed", transformed_on__isnull=False, contract_amount__isnull=False)
                    & ~Q(transformation_mode="")
                    & ~Q(counterpart_enterprise="")
                )
                | (~Q(stage="transformed") & Q(transformed_on__isnull=True, transformation_mode="")),
                name="achievement_transformed_has_transformation",
            ),
            # Dropped exactly when there is a reason and the stage it was dropped from.
            models.CheckConstraint(
                condition=(Q(stage="dropped") & ~Q(drop_reason="") & Q(dropped_from__in=ACTIVE_STAGES))
                | (~Q(stage="dropped") & Q(drop_reason="", dropped_from="")),
                name="achievement_dropped_has_reason",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_active(self) -> bool:
        """Still on its way: neither transformed nor dropped."""
        return self.stage in ACTIVE_STAGES

    @property
    def readiness_meaning(self) -> str:
        return str(readiness_meanings().get(self.readiness_level, "")) if self.readiness_level else ""


class AchievementEvent(models.Model):
    """One entry on an achievement's timeline: what happened, who did it, when, what changed."""

    class Kind(models.TextChoices):
        COLLECTED = "collected", _("Collected")
        UPDATED = "updated", _("Details updated")
        ASSESSED = "assessed", _("Assessed")
        ADVANCED = "advanced", _("Moved forward")
        TRANSFORMED = "transformed", _("Transformed")
        DROPPED = "dropped", _("Dropped")
        STEPPED_BACK = "stepped_back", _("Stepped back")
        COMMENTED = "commented", _("Commented")
        MATCH = "match", _("Match")
        #: The cadre was reminded that it stands still in its stage (``achievements.enforcement``).
        REMINDED = "reminded", _("Reminded")

    achievement = models.ForeignKey(
        Achievement, verbose_name=_("achievement"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    #: The fields the change touched, before and after (JSON-safe: dates as ISO strings).
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    #: A comment, a reason or a note on the step.
    note = LimitedTextField(_("note"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("achievement event")
        verbose_name_plural = _("achievement events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["achievement", "at"], name="achievementevent_at"),
            # The admin's list of every timeline's entries, newest first.
            models.Index(fields=["-at", "-id"], name="achievementevent_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[
                    "collected", "updated", "assessed", "advanced", "transformed", "dropped", "stepped_back",
                    "commented", "match", "reminded",
                ]),
                name="achievementevent_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.achievement_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"
