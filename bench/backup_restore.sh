#!/usr/bin/env bash
# Back up a portal database with pg_dump, restore the backup into a fresh database, and check that
# the portal serves the same data from it: every table's row count, the applied migrations and two
# API pages' JSON, read through manage.py on each side. Exit status 0 when they match. README.md, "Backup and restore".
#
#   bench/backup_restore.sh [--seed] [--keep] [--dump FILE] SOURCE_URL
#
# SOURCE_URL  postgres://USER[:PASSWORD]@HOST:PORT/DB, the database to back up (only read).
# --seed      create SOURCE_URL's database first (migrate + seed_demo) and drop it at the end:
#             a self-contained run on a server with no portal database.
# --keep      keep the restored database (DB_restore_<pid>) and the dump instead of dropping them.
# --dump FILE where to write the dump (default: a temporary file).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

seed=0 keep=0 dump=""
while [ $# -gt 1 ]; do
  case "$1" in
    --seed) seed=1 ;;
    --keep) keep=1 ;;
    --dump) dump="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ $# -eq 1 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
source_url="$1"
case "$source_url" in postgres://*|postgresql://*) ;; *) echo "SOURCE_URL must be a postgres:// URL" >&2; exit 2 ;; esac

server_url="${source_url%/*}/postgres"           # the same server's maintenance database
source_db="${source_url##*/}"; source_db="${source_db%%\?*}"
target_db="${source_db}_restore_$$"
target_url="${source_url%/*}/${target_db}"
[ -n "$dump" ] || dump="$(mktemp -t portal-backup.XXXXXX.dump)"

cleanup() {
  if [ "$keep" = 0 ]; then
    psql "$server_url" -qtAc "DROP DATABASE IF EXISTS \"$target_db\"" >/dev/null 2>&1 || true
    rm -f "$dump"
  fi
  if [ "$seed" = 1 ]; then psql "$server_url" -qtAc "DROP DATABASE IF EXISTS \"$source_db\"" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [ "$seed" = 1 ]; then
  echo "seeding $source_db (migrate + seed_demo)"
  psql "$server_url" -qtAc "CREATE DATABASE \"$source_db\"" >/dev/null
  DATABASE_URL="$source_url" "$PY" manage.py migrate --skip-checks --verbosity 0
  DATABASE_URL="$source_url" "$PY" manage.py seed_demo >/dev/null
fi

# What the portal serves from a database: each model's row count, and two API pages (as the
# first superuser, authenticated in memory: the check writes nothing, not even a session).
snapshot() {
  DATABASE_URL="$1" "$PY" manage.py shell --no-imports --verbosity 0 -c '
import hashlib, json
from django.apps import apps
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}
migrations = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
client = APIClient()
client.force_authenticate(get_user_model().objects.filter(is_superuser=True).order_by("pk").first())
pages = {}
for url in ["/api/v1/platforms/?ordering=id", "/api/v1/issues/?ordering=id"]:
    response = client.get(url, HTTP_ACCEPT="application/json")
    pages[url] = [response.status_code, hashlib.sha256(response.content).hexdigest(), response.json().get("count")]
print(json.dumps({"counts": counts, "migrations": migrations, "pages": pages}, sort_keys=True))
' 2>/dev/null | tail -n 1
}

start=$(now)
pg_dump --format=custom --no-owner --file="$dump" "$source_url"
dumped=$(now)
psql "$server_url" -qtAc "CREATE DATABASE \"$target_db\"" >/dev/null
pg_restore --no-owner --exit-on-error --jobs=2 --dbname="$target_url" "$dump"
restored=$(now)

before="$(snapshot "$source_url")"
after="$(snapshot "$target_url")"

rows=$(printf '%s' "$before" | "$PY" -c 'import json, sys; print(sum(json.load(sys.stdin)["counts"].values()))')
size=$(du -k "$dump" | cut -f1)
echo "dump: ${size} KiB in $(seconds "$start" "$dumped") s (pg_dump -Fc); restore: $(seconds "$dumped" "$restored") s (pg_restore -j 2); ${rows} rows"
printf '%s' "$before" | "$PY" -c 'import json, sys
for url, (status, digest, count) in json.load(sys.stdin)["pages"].items(): print(f"  GET {url}: {status}, {count} items, sha256 {digest[:12]}")'
if [ -n "$before" ] && [ "$before" = "$after" ]; then
  echo "OK: the restored database serves the same data (row counts of every table, migrations, two API pages)"
else
  echo "FAIL: the restored database differs" >&2
  diff <(printf '%s\n' "$before" | "$PY" -m json.tool) <(printf '%s\n' "$after" | "$PY" -m json.tool) >&2 || true
  exit 1
fi
