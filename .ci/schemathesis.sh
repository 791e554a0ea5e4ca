#!/usr/bin/env bash
# Schemathesis against the portal's OpenAPI schema, as a cadre and as an admin: a throwaway
# PostgreSQL database (liaison_st) is migrated and seeded with the demo data, gunicorn serves the
# portal on a free local port, and `schemathesis run` fuzzes every operation of /api/v1/schema/ with
# an API token of each role in turn, checking that no response is a 5xx and that every response
# conforms to the schema. Exit status non-zero on any failure. .ci/run calls it after `make test`.
#
#   .ci/schemathesis.sh
#
# Bounds, from the environment: SCHEMATHESIS_MAX_EXAMPLES test cases per operation and phase
# (default 10) and SCHEMATHESIS_MAX_TIME seconds per role (default 120; fuzzing and the stateful
# phase repeat until it is spent). With the seeding (about a minute) the script takes about 5
# minutes on this 2-core machine. Each run draws a new seed and prints it: SCHEMATHESIS_SEED=N
# replays the same test cases. On a failure the server's log and the JUnit reports are kept (the
# path is printed).
#
# Not checked: status_code_conformance (the schema documents the successes, not every 400, 403 or
# 404 the portal rightly answers, so every refusal of a bad input would count as a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_SERVER=postgres://postgres@127.0.0.1:5432
DB=liaison_st
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-10}"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-120}"

# The development profile (no SECRET_KEY, CACHE_URL or TLS to set up for a local run) with debug off,
# so a failure answers as production would: no debug page, no traceback in the body.
export DJANGO_ENV=development DJANGO_DEBUG=false
export PGOPTIONS="--client-min-messages=warning"
export DATABASE_URL="$PG_SERVER/$DB"
# Its own Redis database, for the broker and the cache (the rate limits' counters, the kept
# evaluation boards) alike: what the portal enqueues or keeps is flushed with the run, and nothing
# is shared with the files under var/ that development uses.
export CELERY_BROKER_URL=redis://127.0.0.1:6379/14 CACHE_URL=redis://127.0.0.1:6379/14
# Schemathesis sends hundreds of wrong passwords to the token endpoint from one address: with the
# default lockout (5 failures) and throttle (20/min) nearly every answer there would be a 429 and the
# endpoint's own handling of bad input would go untested. The locks themselves are tested in tests/.
export AXES_FAILURE_LIMIT=1000000 PORTAL_API_TOKEN_RATE=1000000/min

work="$(mktemp -d -t portal-schemathesis.XXXXXX)"
# Schemathesis keeps its cache of failures (for `st replay`) here, not in the working tree.
printf '[cache]\ndirectory = "%s/cache"\n' "$work" >"$work/schemathesis.toml"
server_pid=""
keep_work=0
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql "$PG_SERVER/postgres" -qtAc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p 6379 -n 14 flushdb >/dev/null 2>&1 || true
  if [ "$keep_work" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

started=$SECONDS
echo "schemathesis: a fresh database $DB, migrated and seeded with the demo data"
psql "$PG_SERVER/postgres" -qtAc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql "$PG_SERVER/postgres" -qtAc "CREATE DATABASE $DB" >/dev/null
redis-cli -h 127.0.0.1 -p 6379 -n 14 flushdb >/dev/null
"$BIN/python" manage.py migrate --noinput --verbosity 0
"$BIN/python" manage.py seed_demo >"$work/seed.log"
echo "schemathesis: seeded in $((SECONDS - started))s"

port="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
echo "schemathesis: serving the portal with gunicorn at $base"
GUNICORN_BIND="127.0.0.1:$port" WEB_CONCURRENCY=2 GUNICORN_ACCESS_LOG="" \
  "$BIN/gunicorn" -c config/gunicorn.py config.wsgi >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 60); do
  curl -sf -o /dev/null "$base/healthz/" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "schemathesis: gunicorn did not start" >&2; exit 1; }
  sleep 1
done
curl -sf -o /dev/null "$base/healthz/" || { cat "$work/server.log" >&2; echo "schemathesis: /healthz/ did not answer 200" >&2; exit 1; }

# A token from the API's own door, for the demo login of a role (liaison/demo.py, DEMO_LOGINS).
token_for() {
  ROLE="$1" BASE="$base" "$BIN/python" manage.py shell --no-imports --verbosity 0 -c '
import json, os, urllib.parse, urllib.request
from liaison.demo import DEMO_LOGINS
login = next(login for login in DEMO_LOGINS if login["role"] == os.environ["ROLE"])
form = urllib.parse.urlencode({"username": login["username"], "password": login["password"]}).encode()
with urllib.request.urlopen(os.environ["BASE"] + "/api/v1/auth/token/", data=form) as response:
    print(json.load(response)["token"])
' | tail -n 1
}
# The cadre's run comes first: the admin's may hand over or deactivate the demo cadre, whose token
# would then be refused.
cadre_token="$(token_for cadre)"
admin_token="$(token_for admin)"
[ -n "$cadre_token" ] && [ -n "$admin_token" ] || { echo "schemathesis: no API token for the cadre or the admin" >&2; exit 1; }

declare -A outcome
# One worker: with two, Schemathesis's threads parse source with ast at once (Hypothesis describing
# its filters), which CPython 3.11.7 does not survive ("AST constructor recursion depth mismatch", a
# SystemError reported as an error of the run, not of the portal; seen in CI on 2026-12-01).
run_as() {
  local role="$1" token="$2" seed
  seed="${SCHEMATHESIS_SEED:-$RANDOM$RANDOM}"
  echo "schemathesis: as the $role (seed $seed, at most $MAX_EXAMPLES examples per operation and phase, ${MAX_TIME}s)"
  if "$BIN/schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/v1/schema/?format=json" \
      --header "Authorization: Token $token" \
      --checks not_a_server_error,response_schema_conformance \
      --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --seed "$seed" \
      --workers 1 --request-timeout 30 \
      --generation-with-security-parameters false --generation-database none \
      --report junit --report-junit-path "$work/$role.xml" \
      --no-color; then
    outcome[$role]="passed"
  else
    outcome[$role]="FAILED (seed $seed)"
  fi
}
run_as cadre "$cadre_token"
run_as admin "$admin_token"

errors="$(grep -c -E 'Internal Server Error:|WORKER TIMEOUT' "$work/server.log" || true)"
echo "schemathesis: summary ($((SECONDS - started))s): cadre ${outcome[cadre]}, admin ${outcome[admin]}; $errors server errors logged"
if [ "$errors" != 0 ]; then
  echo "schemathesis: the server's errors (each request, then its exceptions):" >&2
  grep -E "^(Internal Server Error: |.*WORKER TIMEOUT|[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|DoesNotExist)(:|$))" \
    "$work/server.log" | head -n 60 >&2
fi
if [ "${outcome[cadre]}" = passed ] && [ "${outcome[admin]}" = passed ] && [ "$errors" = 0 ]; then
  exit 0
fi
keep_work=1
echo "schemathesis: FAILED; the server's log and the JUnit reports are kept in $work" >&2
exit 1
