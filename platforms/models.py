from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.text_limits import TITLE_MAX_LENGTH, LimitedCharField


class Platform(models.Model):
    """A high-level science and technology innovation platform served by the scheme."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial or ministerial")
        MUNICIPAL = "municipal", _("Municipal")

    class Category(models.TextChoices):
        NATIONAL_LABORATORY = "national_lab", _("National laboratory")
        NATIONAL_KEY_LABORATORY = "national_key_lab", _("National key laboratory")
        PROVINCIAL_KEY_LABORATORY = "provincial_key_lab", _("Provincial key laboratory")
        TECHNOLOGY_INNOVATION_CENTRE = "tech_innovation_centre", _("Technology innovation centre")
        ENGINEERING_RESEARCH_CENTRE = "engineering_research_centre", _("Engineering research centre")
        ENGINEERING_TECHNOLOGY_CENTRE = "engineering_technology_centre", _("Engineering technology research centre")
        NEW_TYPE_RD_INSTITUTE = "new_rd_institute", _("New-type R&D institute")
        INDUSTRIAL_INNOVATION_CENTRE = "industrial_innovation_centre", _("Industrial innovation centre")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("Visit on site")
        MEETING = "meeting", _("Meeting")

    name = LimitedCharField(_("name"), max_length=TITLE_MAX_LENGTH, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, db_index=True)
    category = models.CharField(_("category"), max_length=40, choices=Category.choices)
    #: The university, institute or firm that hosts the platform (依托单位).
    host_institution = LimitedCharField(_("host institution"), max_length=200)
    district = LimitedCharField(_("district or park"), max_length=100, db_index=True)
    technology_field = LimitedCharField(_("technology field"), max_length=100, blank=True)
    address = LimitedCharField(_("address"), max_length=300, blank=True)
    #: The person at the platform the cadre should reach, and how and when they prefer it:
    #: service must not disturb the platform's daily work.
    contact_person = LimitedCharField(_("contact person"), max_length=100, blank=True)
    contact_phone = LimitedCharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel.choices, blank=True
    )
    preferred_times = LimitedCharField(_("preferred times"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    batch = models.PositiveSmallIntegerField(_("batch"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]

    def __str__(self):
        return self.name
