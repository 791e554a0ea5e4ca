"""The candidates' words kept for ranking suggestions, in each process, until a candidate changes.

Ranking weighs every candidate of the kind (the open demands for an achievement, the matchable
achievements for a demand); reading their words and working out their frequencies took 700-900 ms
a suggestion at national scale (bench/README.md, "Every page at national scale"). A process keeps
each kind's ``matching.Corpus`` with the ``CorpusVersion`` token it was read at, and reads the
words again only when the token has moved: one row read by its key per suggestion.

The token moves at every save or delete of an achievement or a demand, through the receivers
below, in the writer's own transaction: the services, the admin, imports and the test factories
alike. A write that bypasses ``save`` and ``delete`` (``QuerySet.update``, ``bulk_create``, SQL)
must call ``candidates_changed`` itself; the portal has none.
"""

import uuid

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from . import matching
from .models import MATCHABLE_STAGES, Achievement, CorpusVersion, Demand, DemandStatus

#: Which rows of which model are ranked, by kind.
KINDS = {
    "achievements": (Achievement, Q(stage__in=MATCHABLE_STAGES)),
    "demands": (Demand, ~Q(status=DemandStatus.CLOSED)),
}

#: The corpora kept in this process: {kind: (token, Corpus)}.
_KEPT: dict[str, tuple] = {}


def corpus(kind: str) -> matching.Corpus:
    """``kind``'s candidates ready to rank against, read again only if they changed since."""
    # The token is read before the words: a write committed between the two leaves the new words
    # under the old token, read once more at the next suggestion; never old words under a new token.
    # No row yet (no candidate written since the table was made) is a token too: the first write
    # makes the row.
    token = CorpusVersion.objects.filter(kind=kind).values_list("token", flat=True).first()
    kept = _KEPT.get(kind)
    if kept is None or kept[0] != token:
        model, is_candidate = KINDS[kind]
        rows = model.objects.filter(is_candidate).order_by().values_list("pk", "technology_field", "match_terms")
        kept = _KEPT[kind] = (token, matching.Corpus(matching.Candidate(*row) for row in rows.iterator(chunk_size=2000)))
    return kept[1]


def candidates_changed(kind: str) -> None:
    """Give ``kind`` a new token: every process reads its candidates again at its next suggestion.
    One statement, an insert or an update of the kind's row."""
    CorpusVersion.objects.bulk_create(
        [CorpusVersion(kind=kind, token=uuid.uuid4())],
        update_conflicts=True, unique_fields=["kind"], update_fields=["token"],
    )


def _achievement_changed(sender, **kwargs):
    candidates_changed("achievements")


def _demand_changed(sender, **kwargs):
    candidates_changed("demands")


def connect() -> None:
    """Connect the receivers (``AchievementsConfig.ready``)."""
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_achievement_changed, sender=Achievement, dispatch_uid=f"corpus_achievement_{name}")
        signal.connect(_demand_changed, sender=Demand, dispatch_uid=f"corpus_demand_{name}")
