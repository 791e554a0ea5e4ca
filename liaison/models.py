from django.conf import settings
from django.db import models
from django.db.models import CharField, F, Q
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.text_limits import LONG_TEXT_MAX_LENGTH, LimitedCharField, LimitedTextField
from platforms.models import Platform

from .unit_order import SORT_KEY_MAX_LENGTH, unit_sort_key

#: Members of this group are bureau staff (the city committee's office and the science bureau):
#: they see everything and supervise late work.
BUREAU_STAFF_GROUP = "bureau_staff"


def display_name(last_name: str, first_name: str, username: str) -> str:
    """A name as the portal shows it: family name first (王干部), else the username."""
    return f"{last_name}{first_name}".strip() or username


def user_display_name(user) -> str:
    return display_name(user.last_name, user.first_name, user.get_username())


def user_full_name(path: str = "") -> Concat:
    """The full name as ``user_display_name`` writes it (董燕杰), as a database expression to search.

    The family and given names are two columns, so a search of each column alone never finds the
    full name someone types. ``path`` leads from the queried model to the user (``"cadre__user"``);
    empty when querying users.
    """
    prefix = f"{path}__" if path else ""
    return Concat(F(f"{prefix}last_name"), F(f"{prefix}first_name"), output_field=CharField())


class Unit(models.Model):
    """A liaison unit (联点单位): a city department, a district or county, or a park."""

    class Kind(models.TextChoices):
        CITY_DEPARTMENT = "city_department", _("City department")
        DISTRICT = "district", _("District or county")
        PARK = "park", _("Park")

    name = LimitedCharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    #: Receives the first escalation of the unit's overdue issues.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_units",
    )
    #: The office (市委科技办) is the unit that class D issues are handed over to.
    is_office = models.BooleanField(_("is the city committee's office"), default=False)
    #: Derived from the three fields above by ``liaison.unit_order.unit_sort_key`` on every save:
    #: the office, city departments, districts and counties, parks, each by pinyin.
    sort_key = models.CharField(_("sort key"), max_length=SORT_KEY_MAX_LENGTH, editable=False, default="")

    # The sort key is derived, not history worth keeping.
    history = HistoricalRecords(excluded_fields=["sort_key"])

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_office"], condition=Q(is_office=True), name="unit_single_office"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Every way a unit is written (admin, API, import, seed) saves it through here, so the key
        # cannot drift from the name, the kind or the office flag.
        self.sort_key = unit_sort_key(name=self.name, kind=self.kind, is_office=self.is_office)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {"name", "kind", "is_office"}.isdisjoint(update_fields):
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)


class Cadre(models.Model):
    """A liaison cadre (联点干部): a user who serves 2 to 4 platforms."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="cadre"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cadres")
    phone = LimitedCharField(_("phone"), max_length=50, blank=True)
    title = LimitedCharField(_("job title"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    batch = models.PositiveSmallIntegerField(_("batch"), default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["unit__sort_key", "user__last_name", "user__first_name"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return user_display_name(self.user)


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(end_date__isnull=True)

    def covering(self, day):
        """Assignments under which the cadre was responsible on ``day``.

        An assignment covers the half-open range [start_date, end_date): on a handover day the
        successor is responsible, not the predecessor.
        """
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=day), start_date__lte=day)


class Assignment(models.Model):
    """A cadre's responsibility for a platform (联点). Ending one never deletes it."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="assignments")
    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("start date"))
    #: The first day the cadre is no longer responsible; empty while the assignment is active.
    end_date = models.DateField(_("end date"), null=True, blank=True, db_index=True)
    end_reason = LimitedCharField(_("reason for ending"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_date", "id"]
        indexes = [
            # "The cadre responsible for a platform on a day" (the evaluation's attribution, once per
            # record counted): the platform's assignments newest first, read from the index alone.
            models.Index(fields=["platform", "-start_date"], include=["end_date", "cadre"],
                         name="assignment_platform_start"),
            # The lists' default order (the API's and the admin's): a page of the newest, read in
            # order from the index rather than 29,000 rows sorted at national scale.
            models.Index(fields=["-start_date", "id"], name="assignment_newest"),
            # The platforms each cadre serves now, counted per cadre (the assignment board's order,
            # the cadres' "platforms served"): from this index alone, not from all 29,000 rows (the
            # board's set of units needing attention, 13-17 ms to 5-6 ms at national scale).
            models.Index(fields=["cadre"], condition=Q(end_date__isnull=True), name="assignment_active_cadre"),
        ]
        constraints = [
            # First-inquiry responsibility: one responsible cadre per platform at a time.
            models.UniqueConstraint(
                fields=["platform"], condition=Q(end_date__isnull=True), name="assignment_one_active_per_platform"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} → {self.platform}"

    @property
    def is_active(self):
        return self.end_date is None


class Contact(models.Model):
    """A contact with a platform (联系); the on-site kind is a visit (走访)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit on site")
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        ONLINE = "online", _("Online exchange")

    platform = models.ForeignKey(Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="contacts")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="contacts")
    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    people_met = LimitedCharField(_("people met"), max_length=300, blank=True)
    summary = LimitedTextField(_("situation and progress"), max_length=LONG_TEXT_MAX_LENGTH)
    needs = LimitedTextField(_("difficulties and needs raised"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["platform", "date"]),
            models.Index(fields=["cadre", "date"]),
            # The newest first (the contacts' list, the admin's): a page read in order, not 166,000
            # contacts sorted at national scale.
            models.Index(fields=["-date", "-created_at", "-id"], name="contact_newest"),
        ]

    def __str__(self):
        return f"{self.platform} · {self.date} · {self.get_kind_display()}"

    @property
    def is_visit(self):
        return self.kind == self.Kind.VISIT
