from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text_limits import SHORT_TEXT_MAX_LENGTH, LimitedTextField


class ScoreWeights(models.Model):
    """One change of the score's weights: the weights from then on, who set them, when, why.

    Never edited or deleted: the latest row is in force, and the rows are the history.
    """

    weights = models.JSONField(_("weights"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = LimitedTextField(_("reason for the change"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("score weights")
        verbose_name_plural = _("score weights")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.changed_at:%Y-%m-%d %H:%M}"
