"""The version of the words that suggestions are ranked against.

``achievements.corpora`` keeps, in each process, the candidates' words worked out for ranking (a
``matching.Corpus``) until the candidates change. Every write of an achievement or a demand gives
its kind a new ``token`` (a receiver of ``post_save`` and ``post_delete``, in the writer's
transaction), so a process learns whether its corpus is still current by reading one row.
"""

from django.db import models


class CorpusVersion(models.Model):
    """The version of one kind's candidates: "achievements" or "demands"."""

    kind = models.CharField(primary_key=True, max_length=20)
    #: A new random value at every write: equal tokens, the same candidates.
    token = models.UUIDField()

    class Meta:
        # Bookkeeping of the portal, not a record anyone edits: no admin, no permissions.
        default_permissions = ()

    def __str__(self):
        return f"{self.kind}: {self.token}"
