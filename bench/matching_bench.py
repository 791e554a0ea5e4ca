"""Benchmark: suggested matches at national scale, 30,000 achievements and 6,000 technology demands.

    .venv/bin/python bench/matching_bench.py                       # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/matching_bench.py

With a PostgreSQL ``DATABASE_URL`` the benchmark creates its own database (``liaison_match_bench``,
or ``--db``) and drops it at the end (``--keep`` keeps it); without one it uses a temporary SQLite
file. It migrates, then loads the data with ``bulk_create``, each text's words cut by jieba as the
services cut them (``achievements.matching.terms_of``):

- 300 platforms, one cadre, 20 districts and parks;
- 30,000 achievements spread over the stages (a third of them assessed, matched or negotiating:
  the candidates for a demand), 6,000 demands (5,000 open or matched: the candidates for an
  achievement), their titles and descriptions drawn from the demo's topics with variations, so
  that the words overlap as real ones do.

It then times, ``--samples`` times each on achievements and demands drawn at random (the same
ones every run):

1. ``suggested_demands(achievement=...)``: what the achievement page and
   ``/api/v1/achievements/<id>/suggestions/`` call (the target: well under a second);
2. ``suggested_achievements(demand=...)``: the demand page's and ``/api/v1/demands/<id>/suggestions/``;
3. ``match_confirm``: confirming one match, which weighs the pair among the open demands (each run
   rolled back).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

N_PLATFORMS, N_PLACES, N_ACHIEVEMENTS, N_DEMANDS = 300, 20, 30_000, 6_000
TODAY = datetime.date(2026, 11, 30)
SEED = 20261130


class Rollback(Exception):
    pass


#: Words that qualify a technique in the texts made up here (and by national_data.py).
EXTRAS = ["低成本", "高效", "智能化", "绿色", "国产化", "高可靠", "轻量化", "数字化", "模块化", "柔性",
          "高精度", "在线监测", "快速检测", "节能", "长寿命", "耐高温", "大规模", "精密"]


def record_texts(rng: random.Random, topics, extras=EXTRAS) -> tuple[str, str, str, str]:
    """A made-up achievement's or demand's field, title, sub-field and description, from
    ``topics`` ((field, (technique, result, sub-field, kind)) pairs): texts that share words as
    real ones do, some with many records, some with few."""
    field, (technique, result, sub_field, _kind) = rng.choice(topics)
    other = rng.choice(topics)[1]
    title = f"{technique}{result}" if rng.random() < 0.7 else f"{rng.choice(extras)}{technique}{result}"
    description = (
        f"围绕{sub_field}方向，{rng.choice(extras)}{technique}{result}，"
        f"兼顾{other[0]}{rng.choice(extras)}，已完成{rng.choice(['实验室验证', '中试', '小批量试制', '样机研制'])}，"
        f"适用于{other[2]}和{rng.choice(extras)}场景。"
    )
    return field, title, sub_field, description


def load_data() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from achievements.demo import DEMO_TOPICS, TOPICS
    from achievements.matching import terms_of
    from achievements.models import Achievement, Demand, Stage
    from liaison.models import Cadre, Unit
    from platforms.models import Platform

    rng = random.Random(SEED)
    topics = [(field, topic) for field, items in TOPICS.items() for topic in items]
    topics += [(field, topic) for items in DEMO_TOPICS.values() for field, topic in
               [("biomedicine", t) for t in items]]
    extras = EXTRAS

    user = get_user_model().objects.create_user("bench", password="x", is_superuser=True)
    city = Unit.objects.create(name="市科技局", kind=Unit.Kind.CITY_DEPARTMENT)
    places = Unit.objects.bulk_create(
        [Unit(name=f"第{i}园区", kind=Unit.Kind.PARK if i % 2 else Unit.Kind.DISTRICT) for i in range(N_PLACES)]
    )
    cadre = Cadre.objects.create(user=user, unit=city)
    platforms = Platform.objects.bulk_create([
        Platform(name=f"平台{i}", level="provincial", category="other", host_institution="某大学", district="某区")
        for i in range(N_PLATFORMS)
    ])
    stages = [Stage.COLLECTED, Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING, Stage.TRANSFORMED, Stage.DROPPED]
    weights = [40, 18, 8, 7, 17, 10]
    assessed_at = timezone.now()
    achievements = []
    for i in range(N_ACHIEVEMENTS):
        field, title, sub_field, description = record_texts(rng, topics, extras)
        stage = rng.choices(stages, weights)[0]
        achievements.append(Achievement(
            platform=platforms[i % N_PLATFORMS], collected_by=cadre, collected_on=TODAY, title=title,
            description=description, sub_field=sub_field, achievement_type="patent", technology_field=field,
            stage=stage, stage_entered_on=TODAY, readiness_level=None if stage == Stage.COLLECTED else 6,
            judgement="" if stage == Stage.COLLECTED else "high",
            assessed_at=None if stage == Stage.COLLECTED else assessed_at,
            dropped_from=Stage.COLLECTED if stage == Stage.DROPPED else "",
            drop_reason="x" if stage == Stage.DROPPED else "",
            transformation_mode="licence" if stage == Stage.TRANSFORMED else "",
            counterpart_enterprise="某企业" if stage == Stage.TRANSFORMED else "",
            contract_amount=1 if stage == Stage.TRANSFORMED else None,
            transformed_on=TODAY if stage == Stage.TRANSFORMED else None,
            match_terms=terms_of(title, sub_field, description),
        ))
    Achievement.objects.bulk_create(achievements, batch_size=2000)
    demands = []
    for i in range(N_DEMANDS):
        field, title, sub_field, description = record_texts(rng, topics, extras)
        status = rng.choices(["open", "matched", "closed"], [70, 13, 17])[0]
        demands.append(Demand(
            unit=places[i % N_PLACES], enterprise=f"企业{i}", title=f"寻求{title}", description=description,
            sub_field=sub_field, technology_field=field, status=status,
            close_reason="已满足" if status == "closed" else "", raised_by=user, raised_on=TODAY,
            match_terms=terms_of(f"寻求{title}", sub_field, description),
        ))
    Demand.objects.bulk_create(demands, batch_size=2000)
    return {"user": user}


def timed(fn, samples) -> list[float]:
    times = []
    for sample in samples:
        started = time.perf_counter()
        fn(sample)
        times.append(time.perf_counter() - started)
    return times


def report(name: str, times: list[float]) -> None:
    t = sorted(times)
    p95 = t[min(len(t) - 1, int(len(t) * 0.95))]
    print(f"  {name:<44} median {statistics.median(t) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
          f"max {t[-1] * 1000:7.1f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="liaison_match_bench")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith("postgres")
    if postgres:
        from sweep_bench import create_database, drop_database, server_and_db

        server_url, bench_url = server_and_db(url, args.db)
        create_database(server_url, args.db)
        os.environ["DATABASE_URL"] = bench_url
    else:
        handle, path = tempfile.mkstemp(suffix=".sqlite3")
        os.close(handle)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        from achievements import selectors, services
        from achievements.models import MATCHABLE_STAGES, Achievement, Demand, DemandStatus

        print(f"{connection.vendor}: migrating and loading ...", flush=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        data = load_data()
        print(f"loaded {Achievement.objects.count():,} achievements and {Demand.objects.count():,} demands "
              f"in {time.perf_counter() - started:.1f}s", flush=True)

        rng = random.Random(SEED + 1)
        matchable = list(Achievement.objects.filter(stage__in=MATCHABLE_STAGES).values_list("pk", flat=True))
        open_demands = list(Demand.objects.exclude(status=DemandStatus.CLOSED).values_list("pk", flat=True))
        print(f"candidates: {len(open_demands):,} demands not closed, {len(matchable):,} matchable achievements")
        achievements = [Achievement.objects.get(pk=pk) for pk in rng.sample(matchable, args.samples)]
        demands = [Demand.objects.get(pk=pk) for pk in rng.sample(open_demands, args.samples)]

        selectors.suggested_demands(achievement=achievements[0])  # warm-up: jieba, the server's caches
        found = []

        def suggest_demands(achievement):
            found.append(len(selectors.suggested_demands(achievement=achievement)))

        def suggest_achievements(demand):
            found.append(len(selectors.suggested_achievements(demand=demand)))

        def confirm(pair):
            achievement, demand = pair
            try:
                with transaction.atomic():
                    services.match_confirm(achievement=achievement, demand=demand, by=data["user"])
                    raise Rollback
            except Rollback:
                pass

        print(f"{args.samples} samples each:")
        report("suggested demands for an achievement", timed(suggest_demands, achievements))
        report("suggested achievements for a demand", timed(suggest_achievements, demands))
        report("confirm a match (rolled back)", timed(confirm, list(zip(achievements, demands))))
        print(f"  suggestions found per query: median {statistics.median(found)}, min {min(found)}")
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        if postgres and not args.keep:
            drop_database(server_url, args.db)
        elif not postgres and not args.keep:
            os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
