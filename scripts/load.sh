#!/usr/bin/env bash
# Load benchmark (issue 10): fills a database with `demo` plus
# `demo --proposals N` generated proposals, starts the release server, and
# measures each page with wrk (64 connections, 20 s each, on loopback):
# first as deployed (repeated requests are served from the page cache),
# then with the page cache off (every request rendered).
# Prints a table; the README holds the last one measured.
#
#   scripts/load.sh [N]            N generated proposals (default 100000)
#   DURATION=20s CONNS=64 THREADS=2 ROUNDS=3 scripts/load.sh
#   REUSE=1 scripts/load.sh        keep the already filled database
#
# Needs: wrk, psql, a PostgreSQL server at $PG_SERVER (default
# postgres://postgres@127.0.0.1:5432). Everything stays on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-100000}"
DURATION="${DURATION:-20s}"
CONNS="${CONNS:-64}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="${LOAD_DB:-xiaozhen_load}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/xiaozhen-target}"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/xiaozhen"
# Loopback: TLS would only encrypt traffic that never leaves the machine
# (Debian's server offers it, and sqlx's default `prefer` takes it).
export DATABASE_URL="$PG_SERVER/$DB?sslmode=disable"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=scripts/serve.sh
. scripts/serve.sh
fill_database
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
start_server() { # page cache in MB (0: every page rendered)
  serve_and_wait XIAOZHEN_PAGE_CACHE_MB="$1"
  # A reviewer's session, through the real login form.
  COOKIE=$(login_cookie reviewer demo-password)
}
stop_server() {
  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
start_server "${PAGE_CACHE_MB:-64}"

BATCH=$(psql "$DATABASE_URL" -Atc "SELECT id FROM batches WHERE status = 'published' ORDER BY id LIMIT 1")
REPORT=$(psql "$DATABASE_URL" -Atc "SELECT proposal_id FROM evaluations ORDER BY id DESC LIMIT 1")
cat >"$WORK/evaluate.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$(cat scripts/sample-proposal.json)]]
LUA

peak_rss=0
measure() { # name, then wrk arguments
  local name="$1"; shift
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@")
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/ {e += $5} /Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} END {print e + 0}' <<<"$out")
  local rss
  rss=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$ROUND" "$name" "$rps" "$p99" "${errors:-0}" "$((rss / 1024))" >>"$WORK/results"
}

# Rounds, each request in turn: the machine's speed drifts (other tenants,
# PostgreSQL's background work), and a page measured next to its own
# round's baseline is compared fairly. The table gives the median.
for round in $(seq 1 "$ROUNDS"); do
  ROUND=$round
  measure "GET /healthz (baseline)" "$BASE/healthz"
  measure "GET /batches/$BATCH (public batch)" "$BASE/batches/$BATCH"
  measure "GET /review (queue, reviewer; page cache)" -H "$COOKIE" "$BASE/review"
  measure "GET /proposals/$REPORT/report (page cache)" -H "$COOKIE" "$BASE/proposals/$REPORT/report"
  measure "POST /api/v1/evaluate" -s "$WORK/evaluate.lua" "$BASE/api/v1/evaluate"
done
ROUND=1

# The same pages rendered on every request (the page cache off): what a
# page costs the first time after a change, or for a page nobody has seen.
stop_server
start_server 0
measure "GET /review (queue, rendered every time)" -H "$COOKIE" "$BASE/review"
measure "GET /proposals/$REPORT/report (rendered every time)" -H "$COOKIE" "$BASE/proposals/$REPORT/report"

# The review queue with 100,000 proposals (issue 6), rendered every time:
# 16 connections, first and last page, with filters and a search, and its
# counters (on every page).
: >"$WORK/queue"
queue() { # name, path
  local out
  out=$(wrk -t"$THREADS" -c16 -d"${QUEUE_DURATION:-10s}" --latency -H "$COOKIE" "$BASE$2")
  printf '%s\t%s\t%s\t%s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx or 3xx/ {e += $5} END {print e + 0}' <<<"$out")" >>"$WORK/queue"
}
LAST=$(curl -fs -H "$COOKIE" "$BASE/review" | sed -n 's/.*href="\/review?\([^"]*page=[0-9]*\)" rel="last".*/\1/p' | head -1 | sed 's/&amp;/\&/g; s/&#38;/\&/g')
queue "queue, first page" "/review"
queue "queue, last page" "/review?${LAST:-status=submitted&page=2}"
queue "queue, verdict=fail, by name" "/review?status=submitted&verdict=fail&sort=name"
queue "queue, search 诸城, by eligible investment" "/review?status=submitted&q=%E8%AF%B8%E5%9F%8E&sort=eligible&dir=desc"
queue "queue, decided (approved) tab" "/review?status=approved"

echo
echo "Load: $N generated proposals, wrk $THREADS threads, $CONNS connections, $DURATION each, $(nproc) cores;"
echo "the first five requests in $ROUNDS rounds (median requests/s, worst p99), the rendered ones once"
echo
python3 - "$WORK/results" <<'PY'
import statistics, sys
def ms(t):  # wrk's 812.00us / 18.41ms / 1.02s
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if t.endswith(unit):
            return float(t[: -len(unit)]) * f
    return float("nan")
rows, rounds = {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    rnd, name, rps, p99, errors, rss = line.rstrip("\n").split("\t")
    r = rows.setdefault(name, {"rps": [], "p99": [], "errors": 0, "rss": 0})
    r["rps"].append(float(rps)); r["p99"].append(p99)
    r["errors"] += int(errors); r["rss"] = max(r["rss"], int(rss))
    rounds.setdefault(rnd, {})[name] = float(rps)
base_name = next(iter(rows))
base = statistics.median(rows[base_name]["rps"])
print("| request | requests/s | % of baseline | p99 | errors | server RSS (MB) |")
print("|---|---:|---:|---:|---:|---:|")
for name, r in rows.items():
    rps = statistics.median(r["rps"])
    print(f"| {name} | {rps:.2f} | {100 * rps / base:.0f}% | {max(r['p99'], key=ms)} | {r['errors']} | {r['rss']} |")
if len(rounds) > 1:
    print()
    print("Each round against its own baseline: " + "; ".join(
        f"{name.split(' (')[0]} " + ", ".join(
            f"{100 * rounds[k][name] / rounds[k][base_name]:.0f}%" for k in sorted(rounds) if name in rounds[k])
        for name in rows if name != base_name and all(name in rounds[k] for k in rounds)))
PY
echo
echo "peak server RSS: $((peak_rss / 1024)) MB"
echo
echo "Review queue rendered every time (page cache off), 16 connections, ${QUEUE_DURATION:-10s} each:"
echo
echo "| queue request | requests/s | p99 | errors |"
echo "|---|---:|---:|---:|"
while IFS=$'\t' read -r name rps p99 errors; do
  echo "| $name | $rps | $p99 | $errors |"
done <"$WORK/queue"
