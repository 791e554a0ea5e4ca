"""Benchmark: every page and API list of every role, at launch scale and at national scale (100x).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pages_bench.py \\
        [--reuse] [--keep] [--runs 3] [--only REGEX] [--explain N]

Builds (or with ``--reuse`` reuses) the databases ``liaison_eval_1x`` and ``liaison_eval_100x``
with ``national_data``, as ``evaluation_bench.py`` does, and starts one worker process per database
("today" frozen to the data's last day, 10:00 Asia/Shanghai, the clock ticking). Each worker signs
in one user of each role, the same person at both scales (the data's first group): an admin
(``bench_admin``, made a superuser if missing), bureau staff, the leader of the first unit, and
its first cadre. The pages are the URL conf's, enumerated as the authorization test does
(``tests/urlconf.py``): every route without parameters, and every route of one record with the
newest record the user may see, leaving out downloads (exports, templates, xlsx), sign-in and
-out, the API's schema, the admin's pages other than its index and its lists, and the platforms'
link pages. A page is timed for a role where it answers 200 at both scales, after a warm-up (which
also lets the evaluation's boards be counted and kept, as a reader finds them: the counts afresh
are ``evaluation_bench.py``'s), ``--runs`` times, alternating between the scales.

It prints, slowest ratio first, each page's median at both scales, the ratio, the number of queries
at each scale (exit status 1 if a page of the same path differs: a record's page shows another
record at each scale, whose queries may differ with what it holds), the time in the database and
the size of the page; then the pages over 3x.
``--explain N`` prints EXPLAIN (ANALYZE, BUFFERS) of the N slowest queries at 100x of each page
over 3x.
"""

import argparse
import datetime
import os
import re
import statistics
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import national_data  # noqa: E402  (bench/ is not a package)
from side_by_side import Worker, claim_stdout, ensure_database, fmt_ms, measured, serve, start_django  # noqa: E402

SCALES = (1, 100)
ROLES = ("admin", "bureau", "leader", "cadre")
TARGET = 3.0
ADMIN_USERNAME = "bench_admin"
#: Routes that are no page to time: downloads, sign-in and -out, the language switch, the API's
#: schema and its root, writes with no page (mark all read), the import forms.
LEFT_OUT = re.compile(r"export|template|xlsx|logout|login|set_language|healthz|schema|api-docs|api-root|"
                      r"read_all|import|api-token|voice:")


# --- the worker: one per database ----------------------------------------------------------------------


def worker(db_url: str, end: datetime.date) -> None:
    """Answer the parent's commands (``side_by_side.serve``)."""
    protocol = claim_stdout()
    traveller = start_django(db_url, end)
    import pytest
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liaison.models import Cadre, Unit
    from tests.urlconf import expected_hidden, fill, routes

    User = get_user_model()
    admin = User.objects.filter(username=ADMIN_USERNAME).first() or User.objects.create_superuser(
        ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.com", None)
    users = {
        "admin": admin,
        "bureau": User.objects.get(username=national_data.BUREAU_USERNAME),
        "leader": Unit.objects.filter(is_office=False).order_by("pk").first().leader,
        "cadre": Cadre.objects.filter(is_active=True).order_by("pk").select_related("user").first().user,
    }
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)

    def pages_of(role) -> dict:
        """Route pattern -> the URL to time for ``role``."""
        user = User.objects.get(pk=users[role].pk)
        found = {}
        for route in routes():
            if LEFT_OUT.search(route.name or route.pattern):
                continue
            if route.pattern.startswith("admin/") and not (route.name == "admin:index"
                                                            or route.name.endswith("_changelist")):
                continue
            if "format" in route.regex.groupindex:
                continue
            try:
                urls = fill(route, user)
            except (Exception, pytest.fail.Exception):
                continue
            visible = [url for url, record in urls if not expected_hidden(route, record, user)]
            if visible:
                found[route.pattern] = visible[0]
        return found

    def run_page(role, path):
        response = clients[role].get(path)
        return {"status": response.status_code, "bytes": len(response.content)}

    def handle(command):
        op = command["op"]
        if op == "pages":
            return {"pages": pages_of(command["role"]), "user": users[command["role"]].username}
        if op == "page":
            seconds, queries, outcome = measured(connection, lambda: run_page(command["role"], command["path"]))
            return {"seconds": seconds, "queries": queries, **outcome}
        if op == "explain":
            with CaptureQueriesContext(connection) as captured:
                clients[command["role"]].get(command["path"])
            reads = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
            slowest = sorted(reads, key=lambda q: -float(q["time"]))[: command["top"]]
            plans = []
            with connection.cursor() as cursor:
                for query in slowest:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    plans.append({"time": float(query["time"]), "sql": query["sql"],
                                  "plan": "\n".join(row[0] for row in cursor.fetchall())})
            return {"plans": plans}
        return {"error": f"unknown op {op}"}

    serve(protocol, handle)
    traveller.stop()


# --- the parent ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--end", type=datetime.date.fromisoformat, default=national_data.END_DAY,
                        help="the data's last day, and the frozen today (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", type=re.compile, default=None, help="time only the pages whose path matches")
    parser.add_argument("--roles", nargs="*", default=list(ROLES), choices=ROLES)
    parser.add_argument("--prefix", default="liaison_eval", help="the databases are <prefix>_1x and <prefix>_100x")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse databases already built")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--explain", type=int, default=0, metavar="N",
                        help="EXPLAIN ANALYZE the N slowest queries at 100x of each page over 3x")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.end)
        return 0

    server_url, _ = national_data.server_and_db(os.environ.get("DATABASE_URL", ""), "postgres")
    names = {scale: f"{args.prefix}_{scale}x" for scale in SCALES}
    for scale in SCALES:
        ensure_database(server_url, names[scale], scale, args.end, args.reuse)
    urls = {scale: national_data.server_and_db(server_url, names[scale])[1] for scale in SCALES}
    workers = {scale: Worker(__file__, scale, urls[scale], args.end) for scale in SCALES}
    status = 0
    try:
        items, refused = [], []
        for role in args.roles:
            listed = {scale: w.ask(op="pages", role=role) for scale, w in workers.items()}
            print(f"{role}: {listed[1]['user']} / {listed[100]['user']}", flush=True)
            for pattern, path_1 in listed[1]["pages"].items():
                path_100 = listed[100]["pages"].get(pattern)
                if path_100 is None or (args.only and not args.only.search(path_1)):
                    continue
                paths = {1: path_1, 100: path_100}
                warm = {scale: w.ask(op="page", role=role, path=paths[scale]) for scale, w in workers.items()}
                if any(answer["status"] != 200 for answer in warm.values()):
                    refused.append((role, path_1, warm[1]["status"], warm[100]["status"]))
                    continue
                items.append((role, pattern, paths))
        print(f"timing {len(items)} pages, {args.runs} runs each at each scale ...", flush=True)
        times = {(index, scale): [] for index in range(len(items)) for scale in SCALES}
        db_times = {(index, scale): [] for index in range(len(items)) for scale in SCALES}
        answers = {}
        for _ in range(args.runs):
            for index, (role, _pattern, paths) in enumerate(items):
                for scale, w in workers.items():  # alternating, so drift in the machine's load hits both alike
                    answer = w.ask(op="page", role=role, path=paths[scale])
                    times[index, scale].append(answer["seconds"])
                    db_times[index, scale].append(answer["db_seconds"])
                    answers[index, scale] = answer

        rows = []
        for index, (role, _pattern, paths) in enumerate(items):
            one, hundred = statistics.median(times[index, 1]), statistics.median(times[index, 100])
            rows.append((hundred / one, index, role, paths[1], one, hundred))
        rows.sort(reverse=True)
        header = (f"{'role':<7} {'page (as at 1x)':<52} {'1x':>9} {'100x':>9} {'ratio':>6} {'queries':>11} "
                  f"{'in the db':>17} {'KB 1x/100x':>11}")
        print(f"\nas of {args.end} 10:00 Asia/Shanghai; medians of {args.runs} runs after a warm-up, alternating "
              f"1x and 100x (milliseconds)\n\n{header}\n" + "-" * len(header))
        over = []
        for ratio, index, role, path, one, hundred in rows:
            paths = items[index][2]
            q1, q100 = answers[index, 1]["queries"], answers[index, 100]["queries"]
            flag = ""
            # Fewer at scale is no growth: a short list read whole at launch scale becomes a search.
            if q100 > q1 and paths[1] == paths[100]:
                status, flag = 1, "  <- QUERIES NOT FLAT"
            elif q1 != q100 and paths[1] != paths[100]:
                flag = "  (another record at each scale)"
            if ratio > TARGET:
                over.append((role, path, index, ratio))
            in_db = (f"{fmt_ms(statistics.median(db_times[index, 1]))} / "
                     f"{fmt_ms(statistics.median(db_times[index, 100]))}")
            size = f"{answers[index, 1]['bytes'] // 1024} / {answers[index, 100]['bytes'] // 1024}"
            print(f"{role:<7} {path[:52]:<52} {fmt_ms(one):>9} {fmt_ms(hundred):>9} {ratio:>5.1f}x "
                  f"{f'{q1} / {q100}':>11} {in_db:>17} {size:>11}{flag}")
        print(f"\n{len(rows)} pages timed; {len(over)} over {TARGET:g}x" + (":" if over else "."))
        for role, path, _index, ratio in over:
            print(f"  {ratio:5.1f}x  {role:<7} {path}")
        if refused:
            # 405 (a write's route), 403 and 302 (another role's page) are expected; anything else is named.
            by_status = {}
            for role, path, s1, s100 in refused:
                by_status.setdefault((s1, s100), []).append(f"{role} {path}")
            print("\nnot timed (not 200 at 1x / 100x): " + "; ".join(
                f"{len(found)} answering {s1} / {s100}" + ("" if s1 in (302, 403, 405) and s1 == s100
                                                           else ": " + ", ".join(found))
                for (s1, s100), found in sorted(by_status.items())))
        for role, _path, index, ratio in over[:] if args.explain else []:
            answer = workers[100].ask(op="explain", role=role, path=items[index][2][100], top=args.explain)
            for number, plan in enumerate(answer["plans"], start=1):
                print(f"\n--- {role} {items[index][2][100]} ({ratio:.1f}x): query {number}, "
                      f"{plan['time'] * 1000:,.0f} ms ---\n{plan['sql']}\n\n{plan['plan']}")
    finally:
        for w in workers.values():
            w.close()
        if not (args.keep or args.reuse):
            for name in names.values():
                national_data.drop_database(server_url, name)
            print("databases dropped")
    return status


if __name__ == "__main__":
    sys.exit(main())
