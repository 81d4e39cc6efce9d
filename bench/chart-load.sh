#!/usr/bin/env bash
# Load benchmark: a signed-in therapist's chart page, side by side in one
# run with a bare server-rendered page of the same rows that skips session,
# policy, vault and audit (server/examples/bare_chart.rs), so the cost of
# the security path is a ratio, not a guess.
#
#   bench/chart-load.sh            32 connections, 30 s each
#   CONNECTIONS=64 SECONDS_EACH=10 NOTES=40 bench/chart-load.sh
#   PROFILE=1 bench/chart-load.sh  also samples CPU with perf (where the time goes)
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
[ -x target/release/cairn ] && compgen -G "target/site/pkg/cairn*.wasm" >/dev/null || {
  say "release build (cargo leptos build --release --precompress)"
  cargo leptos build --release --precompress >"$LOG_DIR/build.log" 2>&1 || die "build failed; see $LOG_DIR/build.log"
}
say "building the bare baseline (server/examples/bare_chart.rs)"
LEPTOS_OUTPUT_NAME=cairn cargo build --release --locked -p server --features app/ssr --example bare_chart \
  >"$LOG_DIR/bare-build.log" 2>&1 || die "see $LOG_DIR/bare-build.log"

PG_SERVER=$(scripts/dev db)
DB="cairn_bench_$$"
psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
# Two roles, as production runs: the owner migrates, the server is cairn_app
# (scripts/dev db gave it its development login).
OWNER_URL="$PG_SERVER/$DB"
export CAIRN_MIGRATION_DATABASE_URL="$OWNER_URL" \
  DATABASE_URL="postgres://cairn_app:cairn-app-dev-only@${PG_SERVER#*@}/$DB"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export CAIRN_SITE_ROOT="$ROOT/target/site" CAIRN_BIND="127.0.0.1:$PORT" CAIRN_LOG=warn \
  CAIRN_RATE_LIMIT_PER_MINUTE=1000000 CAIRN_SENSITIVE_LIMIT=1000 CAIRN_SENSITIVE_LIMIT_PER_ADDRESS=1000000 CAIRN_SESSIONS_PER_USER=50 CAIRN_MFA_REQUIRED_ROLES=none CAIRN_DB_POOL_SIZE=${POOL:-10}
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

# Each connection a therapist of their own: a session each (the same
# account signed in SESSIONS times), so the run measures the security
# path, not 32 browsers fighting over one session's row.
SESSIONS=${SESSIONS:-$CONNECTIONS}
say "signing in $SESSIONS sessions"
COOKIES=("$COOKIE")
for _ in $(seq 2 "$SESSIONS"); do
  COOKIE=""
  token /sign-in
  post /api/sign-in --data-urlencode "email=rowan.ellis@juniper-creek.example" \
    --data-urlencode "password=demo-only-password" --data-urlencode "csrf_token=$TOKEN" >/dev/null
  COOKIES+=("$COOKIE")
done
{
  echo "local cookies = {"
  for c in "${COOKIES[@]}"; do printf '  "%s",\n' "$c"; done
  echo "}"
  cat <<'LUA'
-- The sessions in turn, each thread starting elsewhere in the list.
local next_start = 0
function setup(thread)
  thread:set("start", next_start)
  next_start = next_start + 7
end
local n = 0
function request()
  n = n + 1
  local i = ((start or 0) + n) % #cookies + 1
  return wrk.format(nil, nil, { Cookie = cookies[i] })
end
LUA
} >"$LOG_DIR/sessions.lua"

run() { # label url [cookies-script]
  say "$1: $CONNECTIONS connections for $SECONDS_EACH s"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency ${3:+-s "$3"} "$2" | tee "$LOG_DIR/$1.txt"
}
# Where the time goes: CPU seconds of each process while a run lasts, and
# the database's transactions and statements' rows per page.
ticks() { # pid... -> user+system clock ticks so far
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
table_stats() { psql "$OWNER_URL" -Atqc "SELECT relname, seq_scan + coalesce(idx_scan, 0), n_tup_ins, n_tup_upd FROM pg_stat_user_tables"; }
db_stats() { psql "$OWNER_URL" -Atqc "SELECT xact_commit, tup_returned + tup_fetched FROM pg_stat_database WHERE datname = current_database()"; }
# What the server's database connections are doing, sampled every 50 ms
# while a run lasts: running a statement, waiting for a lock (the audit
# trail's one-writer lock is an advisory lock), or idle between statements.
sample_waits() { # out-file
  psql "$OWNER_URL" -Atq -v ON_ERROR_STOP=1 >/dev/null 2>"$1" <<SQL || true
DO \$\$
BEGIN
  FOR i IN 1..$((SECONDS_EACH * 20)) LOOP
    -- Activity is read once per transaction unless the snapshot is cleared.
    PERFORM pg_stat_clear_snapshot();
    RAISE NOTICE '%', (SELECT string_agg(replace(coalesce(state, '-'), ' ', '_') || ':' || coalesce(wait_event_type || '/' || wait_event, '-'), ' ')
      FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid());
    PERFORM pg_sleep(0.05);
  END LOOP;
END
\$\$;
SQL
}
measured() { # label url [cookie]
  local app_pid=$4 pg_before app_before stats_before pg_after app_after stats_after sampler
  app_before=$(ticks "$app_pid"); pg_before=$(ticks $(pgrep -x postgres)); stats_before=$(db_stats)
  table_stats >"$LOG_DIR/$1-tables-before.txt"
  sample_waits "$LOG_DIR/$1-waits.txt" & sampler=$!
  # PROFILE=1: the whole machine's CPU samples while the run lasts (Debian's
  # perf), by process and function, in $LOG_DIR/<label>-profile.txt.
  local profiler=""
  if [ "${PROFILE:-0}" = 1 ] && command -v perf >/dev/null; then
    perf record -q -a -F 499 -o "$LOG_DIR/$1-perf.data" -- sleep "$SECONDS_EACH" >/dev/null 2>&1 & profiler=$!
  fi
  run "$1" "$2" "$3"
  wait "$sampler" 2>/dev/null || true
  if [ -n "$profiler" ]; then
    wait "$profiler" 2>/dev/null || true
    perf report -q -i "$LOG_DIR/$1-perf.data" --no-children --sort comm,dso,sym --stdio 2>/dev/null \
      | grep -v '^$' | head -80 >"$LOG_DIR/$1-profile.txt" || true
    perf report -q -i "$LOG_DIR/$1-perf.data" --no-children --sort comm,dso --stdio 2>/dev/null \
      | grep -v '^$' | head -20 >>"$LOG_DIR/$1-profile.txt" || true
  fi
  # Backends that started during the run count from zero.
  app_after=$(ticks "$app_pid"); pg_after=$(ticks $(pgrep -x postgres)); stats_after=$(db_stats)
  sleep 1 # the statistics collector's next flush
  table_stats >"$LOG_DIR/$1-tables-after.txt"
  local hz requests
  hz=$(getconf CLK_TCK)
  requests=$(awk '/requests in/ {print $1}' "$LOG_DIR/$1.txt")
  python3 - "$1" "$hz" "$requests" "$app_before" "$app_after" "$pg_before" "$pg_after" \
    "$stats_before" "$stats_after" "$SECONDS_EACH" "$LOG_DIR" <<'PY' | tee -a "$LOG_DIR/where.txt"
import sys
label, hz, requests, a0, a1, p0, p1, s0, s1, secs, logs = sys.argv[1:]
hz, requests, secs = int(hz), int(requests), int(secs)
app = (int(a1) - int(a0)) / hz
pg = (int(p1) - int(p0)) / hz
x0, r0 = map(int, s0.split("|")); x1, r1 = map(int, s1.split("|"))
print(f"{label}: CPU over {secs} s (2 cores = {2 * secs} s): server {app:.1f} s, PostgreSQL {pg:.1f} s; "
      f"per page: server {1000 * app / requests:.2f} ms, PostgreSQL {1000 * pg / requests:.2f} ms, "
      f"{(x1 - x0) / requests:.1f} transactions, {(r1 - r0) / requests:.0f} rows read")
from collections import Counter
seen, samples = Counter(), 0
for line in open(f"{logs}/{label}-waits.txt", errors="replace"):
    if "NOTICE:" not in line:
        continue
    samples += 1
    for conn in line.split("NOTICE:", 1)[1].split():
        state, _, wait = conn.partition(":")
        if wait.startswith("Lock/advisory"):
            seen["waiting for the audit lock"] += 1
        elif wait.startswith("Lock/"):
            seen["waiting for a row lock"] += 1
        elif state == "active":
            seen["running a statement"] += 1
        elif state.startswith("idle_in_transaction"):
            seen["in a transaction, waiting for the server"] += 1
        else:
            seen["idle"] += 1
def tables(name):
    out = {}
    for line in open(f"{logs}/{label}-tables-{name}.txt"):
        rel, *n = line.strip().split("|")
        out[rel] = [int(x) for x in n]
    return out
before, after = tables("before"), tables("after")
touched = []
for rel, now in sorted(after.items()):
    was = before.get(rel, [0, 0, 0])
    d = [(a - b) / requests for a, b in zip(now, was)]
    if any(x >= 0.05 for x in d):
        touched.append(f"{rel} {d[0]:.1f} scans" + (f" {d[1]:.1f} inserts" if d[1] >= 0.05 else "") + (f" {d[2]:.1f} updates" if d[2] >= 0.05 else ""))
print(f"{label}: per page, by table: " + "; ".join(touched))
if samples:
    parts = ", ".join(f"{what} {n / samples:.1f}" for what, n in seen.most_common())
    print(f"{label}: database connections on average: {parts} ({samples} samples)")
PY
}
: >"$LOG_DIR/where.txt"
measured chart "$BASE/patients/$PATIENT" "$LOG_DIR/sessions.lua" "${PIDS[0]}"
measured bare "http://127.0.0.1:$BARE_PORT/bare/$PATIENT" "" "${PIDS[1]}"

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
views=$(psql "$OWNER_URL" -Atqc "SELECT count(*) FROM audit_events WHERE action = 'record.viewed'")
echo "record.viewed events written during the run: $views"
cat "$LOG_DIR/where.txt"
