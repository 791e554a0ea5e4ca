"""The score beside the figures (never instead of them): a weighted composite that bureau staff
tune, and the rank it gives.

Each weighted figure is brought to 0-1 before weighting: a count by dividing by the highest count
among those compared in the period (cadres with cadres, units with units), a share as it is, the
ratings' mean divided by 5. A figure a row has no value for (a share of nothing: no issue closed,
no platform owed a contact) drops out of that row's score, with its weight, rather than counting
as zero. The score is the weighted mean times 100, to one decimal. Equal scores share a rank.

The defaults (documented in the README) weigh results above activity, as DESIGN.md's
"Evaluation" asks: issues closed in time and achievements transformed count most.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: (figure, default weight, kind): "count", "share" or "mean" (of ratings, 1-5).
DEFAULT_WEIGHTS = {
    "contacts": 1,
    "visits": 2,
    "duty_share": 3,
    "issues_collected": 2,
    "issues_closed_in_time": 4,
    "in_time_share": 3,
    "ratings_mean": 1,
    "achievements_collected": 2,
    "achievements_transformed": 4,
    "services": 1,
}

#: How each weighable figure is brought to 0-1.
KINDS = {
    "contacts": "count",
    "visits": "count",
    "duty_share": "share",
    "issues_collected": "count",
    "issues_closed_in_time": "count",
    "in_time_share": "share",
    "ratings_mean": "mean",
    "achievements_collected": "count",
    "achievements_transformed": "count",
    "services": "count",
}

LABELS = {
    "contacts": _("Contacts"),
    "visits": _("Visits on site"),
    "duty_share": _("Quarterly contact duty met"),
    "issues_collected": _("Issues collected"),
    "issues_closed_in_time": _("Issues closed in time"),
    "in_time_share": _("Closed in time"),
    "ratings_mean": _("Mean rating"),
    "achievements_collected": _("Achievements collected"),
    "achievements_transformed": _("Achievements transformed"),
    "services": _("Services given"),
}

#: A weight is a whole number from 0 (left out) to this.
MAX_WEIGHT = 100


@dataclass(frozen=True)
class Weights:
    values: dict
    #: The change that set them (a ``ScoreWeights`` row), or None for the defaults.
    source_id: int | None = None

    def items(self):
        return [(key, self.values.get(key, 0)) for key in KINDS]


def current_weights() -> Weights:
    from .models import ScoreWeights

    latest = ScoreWeights.objects.order_by("-changed_at", "-pk").first()
    if latest is None:
        return Weights(dict(DEFAULT_WEIGHTS))
    return Weights({key: int(latest.weights.get(key, 0)) for key in KINDS}, source_id=latest.pk)


def _normalised(row, key: str, highest: dict) -> float | None:
    value = row.value(key)
    if value is None:
        return None
    kind = KINDS[key]
    if kind == "count":
        return float(value) / highest[key] if highest[key] else 0.0
    if kind == "mean":
        return float(value) / 5
    return float(value)


def score_rows(rows: list, weights: Weights) -> None:
    """Set ``score`` and ``rank`` on each row (cadres, or units), compared with one another."""
    weighted = [(key, weight) for key, weight in weights.items() if weight]
    highest = {key: max((float(row.value(key) or 0) for row in rows), default=0) for key, _w in weighted}
    for row in rows:
        total = weight_sum = 0.0
        for key, weight in weighted:
            value = _normalised(row, key, highest)
            if value is not None:
                total += weight * value
                weight_sum += weight
        row.score = round(100 * total / weight_sum, 1) if weight_sum else 0.0
    ordered = sorted(rows, key=lambda r: -r.score)
    for position, row in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        row.rank = previous.rank if previous is not None and previous.score == row.score else position
