#!/usr/bin/env bash
# Load benchmark: a signed-in therapist's chart page, side by side in one
# run with a bare server-rendered page of the same rows that skips session,
# policy, vault and audit (server/examples/bare_chart.rs), so the cost of
# the security path is a ratio, not a guess.
#
#   bench/chart-load.sh            32 connections, 30 s each
#   CONNECTIONS=64 SECONDS_EACH=10 NOTES=40 bench/chart-load.sh
#
# Uses wrk (Debian's package; installed when missing), a fresh database on
# the PostgreSQL `scripts/dev db` finds or starts, and the release build
# (built when missing). Prints requests/s and latency percentiles for both.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONNECTIONS=${CONNECTIONS:-32}
SECONDS_EACH=${SECONDS_EACH:-30}
NOTES=${NOTES:-20}
PORT=${PORT:-3300}
BARE_PORT=${BARE_PORT:-3301}
LOG_DIR="$ROOT/target/bench-logs"
mkdir -p "$LOG_DIR"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mbench:\033[0m %s\n' "$*" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >"$LOG_DIR/apt.log" 2>&1 || { apt-get update -q >>"$LOG_DIR/apt.log" 2>&1; apt-get install -y -q wrk >>"$LOG_DIR/apt.log" 2>&1; }
  else sudo apt-get install -y -q wrk >"$LOG_DIR/apt.log" 2>&1; fi || die "could not install wrk; see $LOG_DIR/apt.log"
fi
[ -x target/release/cairn ] && [ -f target/site/pkg/cairn.wasm ] || {
  say "release build (cargo leptos build --release)"
  cargo leptos build --release >"$LOG_DIR/build.log" 2>&1 || die "build failed; see $LOG_DIR/build.log"
}
say "building the bare baseline (server/examples/bare_chart.rs)"
LEPTOS_OUTPUT_NAME=cairn cargo build --release --locked -p server --features app/ssr --example bare_chart \
  >"$LOG_DIR/bare-build.log" 2>&1 || die "see $LOG_DIR/bare-build.log"

PG_SERVER=$(scripts/dev db)
DB="cairn_bench_$$"
psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PG_SERVER/$DB"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export CAIRN_SITE_ROOT="$ROOT/target/site" CAIRN_BIND="127.0.0.1:$PORT" CAIRN_LOG=warn \
  CAIRN_RATE_LIMIT_PER_MINUTE=1000000 CAIRN_MFA_REQUIRED_ROLES=none CAIRN_DB_POOL_SIZE=10
target/release/cairn migrate >"$LOG_DIR/migrate.log" 2>&1 || die "migrate failed; see $LOG_DIR/migrate.log"
target/release/cairn seed-demo >"$LOG_DIR/seed.log" 2>&1 || die "seeding failed; see $LOG_DIR/seed.log"
target/release/cairn serve >"$LOG_DIR/cairn.log" 2>&1 &
PIDS+=($!)
target/release/examples/bare_chart "127.0.0.1:$BARE_PORT" >"$LOG_DIR/bare.log" 2>&1 &
PIDS+=($!)
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null || die "cairn did not start; see $LOG_DIR/cairn.log"

# A browser's session, by hand: the page gives a cookie and a CSRF token;
# signing in renews both.
COOKIE=""
page() { # path -> stdout body; keeps the newest session cookie
  local headers body
  headers=$(mktemp)
  body=$(curl -fsS -D "$headers" ${COOKIE:+-H "Cookie: $COOKIE"} "$BASE$1")
  local set
  set=$(grep -i '^set-cookie: __Host-cairn=' "$headers" | tail -1 | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//' | tr -d '\r' || true)
  if [ -n "$set" ]; then COOKIE=$set; fi
  rm -f "$headers"
  printf '%s' "$body"
}
# Sets TOKEN from the page's form. Not in a $( ) subshell: the page may
# renew the session cookie, and that must reach this shell's COOKIE.
token() {
  page "$1" >"$LOG_DIR/page.html"
  TOKEN=$(grep -o 'name="csrf_token" value="[^"]*"' "$LOG_DIR/page.html" | head -1 | sed 's/.*value="//; s/"$//')
}
post() { # path, form… -> stdout JSON
  local path=$1 headers out set
  shift
  headers=$(mktemp)
  out=$(curl -fsS -D "$headers" -H "Cookie: $COOKIE" -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin" \
    -H "Accept: application/json" "$@" "$BASE$path")
  set=$(grep -i '^set-cookie: __Host-cairn=' "$headers" | tail -1 | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//' | tr -d '\r' || true)
  if [ -n "$set" ]; then COOKIE=$set; fi
  rm -f "$headers"
  printf '%s' "$out"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

token /sign-in
post /api/sign-in --data-urlencode "email=rowan.ellis@juniper-creek.example" \
  --data-urlencode "password=demo-only-password" --data-urlencode "csrf_token=$TOKEN" >/dev/null
token /caseload
PATIENT=$(post /api/caseload -G --data-urlencode "search=Avery Quinn" | json 'd["rows"][0]["patient_id"]')
say "writing $NOTES signed notes for the demo patient"
TODAY=$(date -u +%F)
for n in $(seq 1 "$NOTES"); do
  NOTE=$(post /api/save-note --data-urlencode "csrf_token=$TOKEN" --data-urlencode "patient_id=$PATIENT" \
    --data-urlencode "template=soap" --data-urlencode "session_date=$TODAY" \
    --data-urlencode "subjective=Benchmark session $n: reports steady mood." \
    --data-urlencode "objective=Calm." --data-urlencode "assessment=Stable." --data-urlencode "plan=Continue." \
    | json 'd["id"]')
  post /api/sign-note --data-urlencode "csrf_token=$TOKEN" --data-urlencode "note_id=$NOTE" \
    --data-urlencode "version=1" >/dev/null
done
page "/patients/$PATIENT" | grep -q "Avery Quinn" || die "the chart page did not render for the signed-in therapist"
curl -fs "http://127.0.0.1:$BARE_PORT/bare/$PATIENT" | grep -q "Care team" || die "the bare page did not render"

run() { # label url [cookie]
  say "$1: $CONNECTIONS connections for $SECONDS_EACH s"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency ${3:+-H "Cookie: $3"} "$2" | tee "$LOG_DIR/$1.txt"
}
run chart "$BASE/patients/$PATIENT" "$COOKIE"
run bare "http://127.0.0.1:$BARE_PORT/bare/$PATIENT"

summary() { # label
  local f="$LOG_DIR/$1.txt"
  printf '%-6s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" \
    "$(awk '/^Requests\/sec/ {print $2}' "$f")" \
    "$(awk '$1 == "50%" {print $2}' "$f")" \
    "$(awk '$1 == "99%" {print $2}' "$f")" \
    "$(awk '/Non-2xx/ {print $NF}' "$f" | grep . || echo 0)"
}
echo
echo "chart page (session, policy, vault, audit) vs bare page (same rows, none of those):"
summary chart
summary bare
views=$(psql "$DATABASE_URL" -Atqc "SELECT count(*) FROM audit_events WHERE action = 'record.viewed'")
echo "record.viewed events written during the run: $views"
