"""Reads about achievements that are more than a one-line filter.

``achievement_list`` is what every list, page and API view starts from: scoped to the user, the
related rows joined and the platform's current cadre annotated, so a page's query count does not
grow with its rows.
"""

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from liaison.models import Assignment
from platforms.models import Platform

from . import corpora, matching
from .access import achievements_visible_to, demands_visible_to, matches_visible_to, service_records_visible_to
from .models import (
    Achievement,
    AchievementEvent,
    Demand,
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


def suggested_demands(*, achievement: Achievement, limit: int = matching.SUGGESTIONS) -> list[tuple[Demand, matching.Suggestion]]:
    """The demands not closed that fit ``achievement`` best, best first, with why; those already
    matched with it are left out. A few queries whatever the number of demands (``corpora``); none
    for an achievement without words to match (nothing would fit)."""
    if not achievement.match_terms.split():
        return []
    ranked = corpora.corpus("demands").rank(
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
    ranked = corpora.corpus("achievements").rank(
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
