"""A platform's links: signed, scoped to one platform (and one closure for a rating), expiring,
revocable. The token itself is never stored: it is the link's id and nonce, signed
(``voice.links``); revoking a link or letting it expire makes every copy of its token useless.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class PlatformLink(models.Model):
    class Kind(models.TextChoices):
        #: The platform's own page: raise a need, follow its issues. One live per platform.
        STANDING = "standing", _("Standing link")
        #: Rate one closure of one issue, once.
        RATING = "rating", _("Rating link")

    platform = models.ForeignKey(
        "platforms.Platform", verbose_name=_("platform"), on_delete=models.PROTECT, related_name="links"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    #: The issue a rating link rates, and which of its closures (1 for the first; one more after
    #: each reopening). Empty for a standing link.
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("issue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="platform_links",
    )
    closure = models.PositiveSmallIntegerField(_("closure"), null=True, blank=True)
    #: Signed into the token with the id: a reissued link never accepts an older token.
    nonce = models.CharField(_("nonce"), max_length=40, default=new_nonce, editable=False)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: A rating link is used up by the rating it carried.
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform link")
        verbose_name_plural = _("platform links")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="standing", issue__isnull=True, closure__isnull=True, used_at__isnull=True)
                | Q(kind="rating", issue__isnull=False, closure__gte=1),
                name="platformlink_kind_fields",
            ),
            models.UniqueConstraint(
                fields=["platform"],
                condition=Q(kind="standing", revoked_at__isnull=True),
                name="platformlink_one_live_standing_per_platform",
            ),
            models.UniqueConstraint(
                fields=["issue", "closure"],
                condition=Q(kind="rating"),
                name="platformlink_one_rating_link_per_closure",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.platform_id} · {self.pk}"

    def refusal(self, now=None) -> str:
        """Why the link no longer opens ("revoked", "used", "expired"), or "" if it does."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return ""
