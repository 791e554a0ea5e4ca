"""Reads about achievements that are more than a one-line filter.

``achievement_list`` is what every list, page and API view starts from: scoped to the user, the
related rows joined and the platform's current cadre annotated, so a page's query count does not
grow with its rows.
"""

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat, Length

from liaison.models import Assignment
from platforms.models import Platform

from . import matching
from .access import achievements_visible_to, demands_visible_to, matches_visible_to, service_records_visible_to
from .models import (
    MATCHABLE_STAGES,
    Achievement,
    AchievementEvent,
    Demand,
    DemandStatus,
    Match,
    MatchStatus,
    ServiceRecord,
    Stage,
)


def achievement_list(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The achievements ``user`` may see, ready for a list: platform, collecting cadre, contact and
    landing unit joined, annotated with ``responsible_cadre_id``, ``responsible_unit_id`` and
    ``responsible_cadre_name`` (the platform's current cadre; empty when it has none)."""
    active = Assignment.objects.active().filter(platform=OuterRef("platform_id"))
    name = Concat(F("cadre__user__last_name"), F("cadre__user__first_name"))
    return (
        achievements_visible_to(user, queryset)
        .annotate(
            responsible_cadre_id=Subquery(active.values("cadre_id")[:1]),
            responsible_unit_id=Subquery(active.values("cadre__unit_id")[:1]),
            responsible_cadre_name=Coalesce(Subquery(active.annotate(n=name).values("n")[:1]), Value("")),
        )
        .select_related("platform", "collected_by__user", "collected_by__unit", "landing_unit", "assessed_by")
    )


def achievement_timeline(achievement: Achievement) -> QuerySet:
    """The achievement's timeline, oldest first, with who acted."""
    return AchievementEvent.objects.filter(achievement=achievement).select_related("actor").order_by("at", "id")


def platform_achievements(*, user, platform: Platform, limit: int) -> tuple[list[Achievement], int]:
    """The newest ``limit`` achievements of a platform the user may see, and how many there are."""
    queryset = achievements_visible_to(user).filter(platform=platform)
    rows = list(queryset.select_related("collected_by__user").order_by("-collected_on", "-id")[:limit])
    # Always counted, so the page's query count is the same with few or many.
    return rows, queryset.count()


def stage_counts(queryset: QuerySet) -> dict[str, int]:
    """How many achievements of ``queryset`` are in each stage, in one query."""
    counts = dict.fromkeys(Stage.values, 0)
    for row in queryset.order_by().values("stage").annotate(n=Count("pk")):
        counts[row["stage"]] = row["n"]
    return counts




# --- demands, matches and suggestions -------------------------------------------------------------


def demand_list(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The demands ``user`` may see, with their unit and who entered them, and how many matches
    each has standing (not failed)."""
    # A subquery, not a join and a GROUP BY: a page of 50 counts its own 50 demands' matches (a
    # grouped join counted every demand's before the page was cut: 170 ms at national scale).
    live = (Match.objects.filter(demand=OuterRef("pk")).exclude(status=MatchStatus.FAILED).order_by()
            .values("demand").annotate(n=Count("pk")).values("n"))
    return (
        demands_visible_to(user, queryset)
        .select_related("unit", "raised_by")
        .annotate(live_matches=Coalesce(Subquery(live, output_field=IntegerField()), 0))
    )


def match_list(*, user, queryset: QuerySet | None = None) -> QuerySet:
    return matches_visible_to(user, queryset).select_related(
        "achievement__platform", "demand__unit", "confirmed_by"
    )


#: The corpora ranked against, kept in this process: {kind: (version, Corpus)}.
_CORPORA: dict[str, tuple] = {}


def _candidates(kind: str) -> tuple[type, Q]:
    """The model of ``kind``'s candidates, and which of its rows are candidates."""
    if kind == "demands":
        return Demand, ~Q(status=DemandStatus.CLOSED)
    return Achievement, Q(stage__in=MATCHABLE_STAGES)


def _corpus(kind: str) -> matching.Corpus:
    """The open demands' or the matchable achievements' ``Corpus``, kept in the process until their
    table changes. The table's version is one aggregate: its rows' number and newest id (a row
    added or deleted), the latest ``updated_at`` (every service that writes a demand or an
    achievement stamps it), and the candidates' number and their words' length (a row that comes
    or goes, or is reworded, in the same instant as the latest). A rewording to words of the same
    length, stamped before the latest change (by a server whose clock lags), is seen at the next
    change. The aggregate reads the table (25 ms for 43,000 achievements); reading every
    candidate's words and weighing them took 700-900 ms for each suggestion at national scale
    (bench/README.md, "Every page at national scale")."""
    model, is_candidate = _candidates(kind)
    version = tuple(model.objects.aggregate(
        n=Count("pk"), newest=Max("pk"), changed=Max("updated_at"),
        candidates=Count("pk", filter=is_candidate), words=Sum(Length("match_terms"), filter=is_candidate),
    ).values())
    kept = _CORPORA.get(kind)
    if kept is None or kept[0] != version:
        rows = model.objects.filter(is_candidate).order_by().values_list("pk", "technology_field", "match_terms")
        corpus = matching.Corpus(matching.Candidate(*row) for row in rows.iterator(chunk_size=2000))
        kept = _CORPORA[kind] = (version, corpus)
    return kept[1]


def suggested_demands(*, achievement: Achievement, limit: int = matching.SUGGESTIONS) -> list[tuple[Demand, matching.Suggestion]]:
    """The demands not closed that fit ``achievement`` best, best first, with why; those already
    matched with it are left out. A few queries whatever the number of demands (``_corpus``); none
    for an achievement without words to match (nothing would fit)."""
    if not achievement.match_terms.split():
        return []
    ranked = _corpus("demands").rank(
        words=achievement.match_terms.split(), technology_field=achievement.technology_field, limit=limit,
        leave_out=set(achievement.matches.values_list("demand_id", flat=True)),
    )
    demands = Demand.objects.select_related("unit").in_bulk([s.pk for s in ranked])
    return [(demands[s.pk], s) for s in ranked if s.pk in demands]


def suggested_achievements(*, demand: Demand, limit: int = matching.SUGGESTIONS) -> list[tuple[Achievement, matching.Suggestion]]:
    """The achievements that can be matched (assessed, matched or negotiating) and fit ``demand``
    best, best first, with why; those already matched with it are left out. Every achievement is a
    candidate, whoever looks: the demand's unit must be able to find them (the page shows a title,
    field and platform, and links only to what the reader may open). None for a demand without
    words to match: nothing would fit, and there is no need to weigh every candidate to find that."""
    if not demand.match_terms.split():
        return []
    ranked = _corpus("achievements").rank(
        words=demand.match_terms.split(), technology_field=demand.technology_field, limit=limit,
        leave_out=set(demand.matches.values_list("achievement_id", flat=True)),
    )
    achievements = Achievement.objects.select_related("platform").in_bulk([s.pk for s in ranked])
    return [(achievements[s.pk], s) for s in ranked if s.pk in achievements]


__all__ = [
    "achievement_list", "achievement_timeline", "demand_list", "match_list", "platform_achievements", "stage_counts",
    "suggested_achievements", "suggested_demands",
]


# --- service records -------------------------------------------------------------------------------

def service_record_list(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The service records ``user`` may see, ready for a list: the platform, the cadre credited and
    their unit, the achievement, the issue and who recorded it joined."""
    return service_records_visible_to(user, queryset).select_related(
        "platform", "given_by__user", "given_by__unit", "achievement", "issue", "contact", "recorded_by"
    )


def platform_service_records(*, user, platform: Platform, limit: int) -> tuple[list[ServiceRecord], int]:
    """The newest ``limit`` services given to a platform that the user may see, and how many there are."""
    queryset = service_records_visible_to(user).filter(platform=platform)
    rows = list(queryset.select_related("given_by__user", "achievement", "issue").order_by("-given_on", "-id")[:limit])
    return rows, queryset.count()


def achievement_service_records(*, user, achievement: Achievement) -> list[ServiceRecord]:
    """The services given for an achievement that the user may see, newest first."""
    return list(
        service_records_visible_to(user).filter(achievement=achievement)
        .select_related("given_by__user", "achievement", "issue").order_by("-given_on", "-id")
    )


__all__ += ["achievement_service_records", "platform_service_records", "service_record_list"]
