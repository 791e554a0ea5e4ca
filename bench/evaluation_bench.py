"""Benchmark: the evaluation at launch scale and at national scale (100x), side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/evaluation_bench.py \\
        [--reuse] [--keep] [--runs 7] [--explain] [--pages PATH ...]

Builds two databases with ``national_data`` (``liaison_eval_1x`` and ``liaison_eval_100x``; with
``--reuse`` an existing one of the right scale and end day, with every migration of the project
applied, is kept as it is), then starts one
worker process per database (Django set up on it, "today" frozen with time_machine to the data's
end day, 10:00 Asia/Shanghai, the clock ticking) and times, alternating between the two, ``--runs``
times each after a warm-up run:

- ``scoreboard``: ``evaluation.figures.scoreboard(quarter(day), today=day)``, the units' and
  cadres' scoreboard for the quarter with the quarter before (for the change);
- each page of ``--pages`` (default: the units' scoreboard for this quarter and the bureau's home),
  fetched with Django's test Client signed in as bureau staff, twice: "counted", its figures
  counted afresh (``evaluation.kept.forget_all()`` before, outside the timing), as after a change
  of the records, and "kept", as the next request finds them (``evaluation.kept``). A path that
  answers 404 (the page is not built yet) is skipped with a note.

For each it prints the median, min and max at both scales, the ratio of the medians, and the number
of SQL queries at each scale, which must be equal (exit status 1 if not). ``--explain`` then runs
the scoreboard once more at 100x, capturing its queries, and prints EXPLAIN (ANALYZE, BUFFERS) of the
five slowest. The databases are dropped at the end unless ``--keep`` (or ``--reuse``) is given.
"""

import argparse
import datetime
import os
import statistics
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import national_data  # noqa: E402  (bench/ is not a package)
from side_by_side import Worker, claim_stdout, ensure_database, fmt_ms, measured, serve, start_django  # noqa: E402

SCALES = (1, 100)
DEFAULT_PAGES = ["/evaluation/units/?period=this_quarter", "/bureau/"]

# --- the worker: one per database ----------------------------------------------------------------------


def worker(db_url: str, end: datetime.date) -> None:
    """Answer the parent's commands (``side_by_side.serve``)."""
    protocol = claim_stdout()
    traveller = start_django(db_url, end)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    from evaluation import figures, kept
    from evaluation.periods import quarter

    client = Client()
    client.force_login(get_user_model().objects.get(username=national_data.BUREAU_USERNAME))
    period = quarter(end)

    def counted(fn):
        return measured(connection, fn)

    def run_scoreboard():
        board = figures.scoreboard(period, today=end)
        return {"cadres": len(board.cadres), "units": len(board.units)}

    def run_page(path):
        response = client.get(path)
        return {"status": response.status_code, "bytes": len(response.content)}

    def handle(command):
        op = command["op"]
        if op == "scoreboard":
            seconds, queries, outcome = counted(run_scoreboard)
            return {"seconds": seconds, "queries": queries, **outcome}
        if op == "page":
            try:
                resolve(command["path"].split("?")[0])
            except Resolver404:
                return {"missing": True}
            if command.get("recount"):
                kept.forget_all()  # outside the timing: the page counts its figures afresh
            seconds, queries, outcome = counted(lambda: run_page(command["path"]))
            return {"seconds": seconds, "queries": queries, **outcome}
        if op == "explain":
            with CaptureQueriesContext(connection) as captured:
                figures.scoreboard(period, today=end)
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[: command["top"]]
            plans = []
            with connection.cursor() as cursor:
                for query in slowest:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    plans.append({"time": float(query["time"]), "sql": query["sql"],
                                  "plan": "\n".join(row[0] for row in cursor.fetchall())})
            return {"plans": plans, "queries": len(captured.captured_queries),
                    "total": sum(float(q["time"]) for q in captured.captured_queries)}
        return {"error": f"unknown op {op}"}

    serve(protocol, handle)
    traveller.stop()


# --- the parent ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--end", type=datetime.date.fromisoformat, default=national_data.END_DAY,
                        help="the data's last day, and the frozen today (default %(default)s)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", nargs="*", default=DEFAULT_PAGES, help="paths to fetch as bureau staff")
    parser.add_argument("--prefix", default="liaison_eval", help="the databases are <prefix>_1x and <prefix>_100x")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse databases already built")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the scoreboard's five slowest queries at 100x")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.end)
        return 0

    server_url, _ = national_data.server_and_db(os.environ.get("DATABASE_URL", ""), "postgres")
    names = {scale: f"{args.prefix}_{scale}x" for scale in SCALES}
    counts = {scale: ensure_database(server_url, names[scale], scale, args.end, args.reuse) for scale in SCALES}
    urls = {scale: national_data.server_and_db(server_url, names[scale])[1] for scale in SCALES}
    workers = {scale: Worker(__file__, scale, urls[scale], args.end) for scale in SCALES}
    status = 0
    try:
        items = [("scoreboard", {"op": "scoreboard"}, "scoreboard(quarter(today), today=today)")]
        skipped = []
        for path in args.pages:
            answers = {scale: w.ask(op="page", path=path) for scale, w in workers.items()}  # also the warm-up
            if any(a.get("missing") or a.get("status") == 404 for a in answers.values()):
                skipped.append(path)
                continue
            items.append((f"{path} counted", {"op": "page", "path": path, "recount": True}, f"GET {path}, counted"))
            items.append((path, {"op": "page", "path": path}, f"GET {path}, kept"))
        for _name, command, _label in items[:1]:
            for w in workers.values():
                w.ask(**command)  # warm-up: imports, caches, the server's buffers
        times = {(name, scale): [] for name, _c, _l in items for scale in SCALES}
        db_times = {(name, scale): [] for name, _c, _l in items for scale in SCALES}
        answers = {}
        for _ in range(args.runs):
            for name, command, _label in items:
                for scale, w in workers.items():  # alternating, so drift in the machine's load hits both alike
                    answer = w.ask(**command)
                    times[name, scale].append(answer["seconds"])
                    db_times[name, scale].append(answer["db_seconds"])
                    answers[name, scale] = answer

        shape = {scale: counts[scale] for scale in SCALES}
        print(f"\nas of {args.end} 10:00 Asia/Shanghai, the quarter {args.end:%Y}Q{(args.end.month - 1) // 3 + 1} "
              f"so far; {args.runs} runs each after a warm-up, alternating 1x and 100x")
        for scale in SCALES:
            c = shape[scale]
            print(f"  {scale:>3}x: {c.get('platforms_platform', 0):,} platforms, {c.get('liaison_cadre', 0):,} cadres, "
                  f"{c.get('liaison_unit', 0):,} units, {c.get('liaison_contact', 0):,} contacts, "
                  f"{c.get('issues_issue', 0):,} issues, {c.get('issues_issueevent', 0):,} issue events, "
                  f"{c.get('issues_notification', 0):,} notifications")
        header = (f"{'what':<56} {'1x median':>10} {'(min-max)':>19} {'100x median':>12} {'(min-max)':>21} "
                  f"{'ratio':>6} {'queries 1x/100x':>16} {'in the db 1x/100x':>18}")
        print("\n" + header + "\n" + "-" * len(header))
        for name, _command, label in items:
            one, hundred = sorted(times[name, 1]), sorted(times[name, 100])
            q1, q100 = answers[name, 1]["queries"], answers[name, 100]["queries"]
            ratio = statistics.median(hundred) / statistics.median(one)
            flag = "" if q1 == q100 else "  <- NOT EQUAL"
            if q1 != q100:
                status = 1
            extra = ""
            if "status" in answers[name, 1]:
                extra = f"  [HTTP {answers[name, 1]['status']} / {answers[name, 100]['status']}]"
            spread_1 = f"({fmt_ms(one[0])}-{fmt_ms(one[-1])})"
            spread_100 = f"({fmt_ms(hundred[0])}-{fmt_ms(hundred[-1])})"
            in_db = f"{fmt_ms(statistics.median(db_times[name, 1]))} / {fmt_ms(statistics.median(db_times[name, 100]))}"
            print(f"{label[:56]:<56} {fmt_ms(statistics.median(one)):>10} {spread_1:>19} "
                  f"{fmt_ms(statistics.median(hundred)):>12} {spread_100:>21} "
                  f"{ratio:>5.1f}x {f'{q1} / {q100}':>16} {in_db:>18}{flag}{extra}")
        print("(milliseconds; \"in the db\": the median time its queries took, sent, run and their rows received)")
        for path in skipped:
            print(f"skipped {path}: no such page yet (it answers 404); merge main when it lands")

        if args.explain:
            answer = workers[100].ask(op="explain", top=5)
            print(f"\nthe scoreboard at 100x: {answer['queries']} queries, {answer['total'] * 1000:,.0f} ms in "
                  f"the database; the five slowest:")
            for number, plan in enumerate(answer["plans"], start=1):
                print(f"\n--- {number}. {plan['time'] * 1000:,.0f} ms ---\n{plan['sql']}\n\n{plan['plan']}")
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
