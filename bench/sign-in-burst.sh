#!/usr/bin/env bash
# Load benchmark: a signed-in therapist's chart page while a crowd signs in.
#
#   bench/sign-in-burst.sh        chart at 32 connections, 100 signing in, 30 s
#   CONNECTIONS=32 CLIENTS=100 SECONDS_EACH=20 bench/sign-in-burst.sh
#   SSLMODE=disable bench/sign-in-burst.sh   TLS to the database as sslmode says (default on loopback: none)
#
# First the chart alone (undisturbed), then the chart and the crowd at once.
# Each of the crowd is a visitor with a session and its CSRF token, posting
# the sign-in form again and again for an account the practice does not
# have: every attempt costs what a sign-in costs up to its answer (the
# session read, a full argon2id check against the dummy hash, the audit
# record), and, unlike a right password, leaves the visitor able to try
# again at once. Turned away (429), it tries again at once too. Prints chart views/s and p99 for both runs, and the
# crowd's attempts/s, p50/p99, how many were turned away (429) and any 5xx.
#
# Uses wrk (Debian's package; installed when missing), a fresh database on
# the PostgreSQL `scripts/dev db` finds or starts, and the release build
# (built when missing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONNECTIONS=${CONNECTIONS:-32}
CLIENTS=${CLIENTS:-100}
SECONDS_EACH=${SECONDS_EACH:-30}
PORT=${PORT:-3310}
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

PG_SERVER=$(scripts/dev db)
DB="cairn_burst_$$"
psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
# Two roles, as production runs: the owner migrates, the server is cairn_app
# (scripts/dev db gave it its development login).
OWNER_URL="$PG_SERVER/$DB${SSLMODE:+?sslmode=$SSLMODE}"
export CAIRN_MIGRATION_DATABASE_URL="$OWNER_URL" \
  DATABASE_URL="postgres://cairn_app:cairn-app-dev-only@${PG_SERVER#*@}/$DB${SSLMODE:+?sslmode=$SSLMODE}"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Limits raised so throttling plays no part: this measures the hashing and
# the pool, not the rate limiter.
export CAIRN_SITE_ROOT="$ROOT/target/site" CAIRN_BIND="127.0.0.1:$PORT" CAIRN_LOG=warn \
  CAIRN_RATE_LIMIT_PER_MINUTE=1000000 CAIRN_SENSITIVE_LIMIT=1000000 CAIRN_SENSITIVE_LIMIT_PER_ADDRESS=1000000 CAIRN_SESSIONS_PER_USER=50 \
  CAIRN_MFA_REQUIRED_ROLES=none CAIRN_DB_POOL_SIZE=${POOL:-10}
target/release/cairn migrate >"$LOG_DIR/burst-migrate.log" 2>&1 || die "migrate failed"
target/release/cairn seed-demo >"$LOG_DIR/burst-seed.log" 2>&1 || die "seeding failed"
target/release/cairn serve >"$LOG_DIR/burst-cairn.log" 2>&1 &
PIDS+=($!)
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null || die "cairn did not start; see $LOG_DIR/burst-cairn.log"

# A visitor by hand: the sign-in page gives a session cookie and its token.
visitor() { # -> "cookie token"
  local headers body cookie token
  headers=$(mktemp)
  body=$(curl -fsS -D "$headers" "$BASE/sign-in")
  cookie=$(grep -i '^set-cookie: __Host-cairn=' "$headers" | tail -1 | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//' | tr -d '\r')
  token=$(printf '%s' "$body" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  rm -f "$headers"
  printf '%s %s' "$cookie" "$token"
}
sign_in() { # "cookie token" email -> new cookie
  local headers
  headers=$(mktemp)
  curl -fsS -o /dev/null -D "$headers" -H "Cookie: ${1% *}" -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin" \
    -H "Accept: application/json" --data-urlencode "email=$2" --data-urlencode "password=demo-only-password" \
    --data-urlencode "csrf_token=${1#* }" "$BASE/api/sign-in"
  grep -i '^set-cookie: __Host-cairn=' "$headers" | tail -1 | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//' | tr -d '\r'
  rm -f "$headers"
}

say "signing in $CONNECTIONS therapist sessions"
CHART_COOKIES=()
for _ in $(seq 1 "$CONNECTIONS"); do
  CHART_COOKIES+=("$(sign_in "$(visitor)" rowan.ellis@juniper-creek.example)")
done
PATIENT=$(curl -fsS -H "Cookie: ${CHART_COOKIES[0]}" -H "Accept: application/json" \
  "$BASE/api/caseload?search=Avery%20Quinn" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["patient_id"])')
curl -fsS -H "Cookie: ${CHART_COOKIES[0]}" "$BASE/patients/$PATIENT" | grep -q "Avery Quinn" \
  || die "the chart did not render for the signed-in therapist"

say "preparing $CLIENTS visitors for the crowd"
{
  echo "local visitors = {"
  for n in $(seq 1 "$CLIENTS"); do
    read -r cookie token <<<"$(visitor)"
    printf '  { cookie = "%s", body = "email=crowd-%d%%40nowhere.example&password=not-this-one-%d&csrf_token=%s" },\n' \
      "$cookie" "$n" "$n" "$token"
  done
  echo "}"
  cat <<'LUA'
-- Each connection posts as its own visitor; statuses are counted per thread.
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
local n = 0
local statuses = {}
function request()
  n = n + 1
  local v = visitors[((id or 0) * 37 + n) % #visitors + 1]
  return wrk.format("POST", "/api/sign-in", {
    ["Cookie"] = v.cookie,
    ["Origin"] = wrk.headers["Origin"],
    ["Sec-Fetch-Site"] = "same-origin",
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, v.body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = statuses
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("answered") or {}
    for status, count in pairs(seen) do total[status] = (total[status] or 0) + count end
  end
  local line = "statuses:"
  for status, count in pairs(total) do line = line .. " " .. status .. "=" .. count end
  print(line)
end
LUA
} >"$LOG_DIR/crowd.lua"
{
  echo "local cookies = {"
  for c in "${CHART_COOKIES[@]}"; do printf '  "%s",\n' "$c"; done
  echo "}"
  cat <<'LUA'
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
local n = 0
local statuses = {}
function request()
  n = n + 1
  return wrk.format(nil, nil, { Cookie = cookies[((id or 0) * 7 + n) % #cookies + 1] })
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = statuses
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("answered") or {}
    for status, count in pairs(seen) do total[status] = (total[status] or 0) + count end
  end
  local line = "statuses:"
  for status, count in pairs(total) do line = line .. " " .. status .. "=" .. count end
  print(line)
end
LUA
} >"$LOG_DIR/chart-sessions.lua"

chart() { # label
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency -s "$LOG_DIR/chart-sessions.lua" \
    "$BASE/patients/$PATIENT" >"$LOG_DIR/burst-$1.txt"
}
crowd() {
  wrk -t2 -c"$CLIENTS" -d"${SECONDS_EACH}s" --latency -H "Origin: $BASE" -s "$LOG_DIR/crowd.lua" \
    "$BASE/api/sign-in" >"$LOG_DIR/burst-crowd.txt"
}
summary() { # file label
  local rate p50 p99 statuses
  rate=$(awk '/^Requests\/sec/ { print $2 }' "$1")
  p50=$(awk '$1 == "50%" { print $2 }' "$1")
  p99=$(awk '$1 == "99%" { print $2 }' "$1")
  statuses=$(grep '^statuses:' "$1" | sed 's/^statuses: *//')
  printf '%-28s %10s/s   p50 %-9s p99 %-9s %s\n' "$2" "$rate" "$p50" "$p99" "$statuses"
}

say "chart alone: $CONNECTIONS connections for $SECONDS_EACH s"
chart alone
say "chart with $CLIENTS signing in at once, for $SECONDS_EACH s"
chart busy & CHART_PID=$!
crowd
wait "$CHART_PID"

echo
summary "$LOG_DIR/burst-alone.txt" "chart, undisturbed"
summary "$LOG_DIR/burst-busy.txt" "chart, while the crowd signs in"
summary "$LOG_DIR/burst-crowd.txt" "sign-in attempts"
alone=$(awk '/^Requests\/sec/ { print $2 }' "$LOG_DIR/burst-alone.txt")
busy=$(awk '/^Requests\/sec/ { print $2 }' "$LOG_DIR/burst-busy.txt")
python3 -c "print(f'chart kept {100 * $busy / $alone:.1f} % of its undisturbed rate')"
# Stopped gracefully, the server records the last seconds' tally too.
kill -TERM "${PIDS[0]}" 2>/dev/null || true
wait "${PIDS[0]}" 2>/dev/null || true
shed=$(psql "$OWNER_URL" -Atqc "SELECT coalesce(sum((details->>'turned_away')::bigint), 0) || ' in ' || count(*) || ' events' FROM audit_events WHERE action = 'sign_in.shed'")
checked=$(psql "$OWNER_URL" -Atqc "SELECT count(*) FROM audit_events WHERE action = 'sign_in.failed'")
echo "recorded: $shed turned away (sign_in.shed), $checked checked and refused (sign_in.failed)"
echo "(429 = turned away, after the 250 ms pause; 401 = checked and refused; statuses counted by wrk;"
echo " hashing: CAIRN_HASH_CONCURRENCY=${CAIRN_HASH_CONCURRENCY:-CPU count}, CAIRN_HASH_QUEUE=${CAIRN_HASH_QUEUE:-16};"
echo " served at once: CAIRN_CONCURRENT_REQUESTS=${CAIRN_CONCURRENT_REQUESTS:-6 x CPU count})"
