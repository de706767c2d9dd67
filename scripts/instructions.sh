#!/usr/bin/env bash
# The server's own work per request, in instructions (valgrind's callgrind),
# for a page rendered fresh (page cache off). Unlike requests per second it
# does not depend on what else the machine is doing, so two builds can be
# compared on a busy machine: run it for each and compare the figures.
# Counts the server process only (not PostgreSQL, not the client).
#
#   scripts/instructions.sh PATH [N] [ROLE]   e.g. /proposals/100012/report 50 reviewer
#   BIN=path scripts/instructions.sh …        measure that binary (no build)
#
# Needs valgrind, and the database that load.sh / pages.sh fill
# (LOAD_DB, default xiaozhen_load). Runs the server twice, with 10 and with
# 10 + N requests, and divides the difference by N (start-up cancels out).
set -euo pipefail
cd "$(dirname "$0")/.."

URL_PATH="$1"
N="${2:-50}"
ROLE="${3:-reviewer}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="${LOAD_DB:-xiaozhen_load}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/xiaozhen-target}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="$CARGO_TARGET_DIR/release/xiaozhen"
fi
export DATABASE_URL="$PG_SERVER/$DB?sslmode=disable"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=scripts/serve.sh
. scripts/serve.sh

# Prints the instructions the server ran from start to end for $1 requests.
run() {
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local base="http://127.0.0.1:$PORT"
  XIAOZHEN_PAGE_CACHE_MB=0 RUST_LOG=warn BIND="127.0.0.1:$PORT" \
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$BIN" serve >"$WORK/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  local cookie="X-Anonymous: 1"
  [ "$ROLE" != public ] && cookie=$(login_cookie "$ROLE" demo-password)
  for _ in $(seq 1 "$1"); do
    curl -s -o /dev/null -H "$cookie" "$base$URL_PATH"
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  awk '/^totals:/ {print $2}' "$WORK/cg.out"
}

few=$(run 10)
many=$(run $((10 + N)))
echo "$URL_PATH as $ROLE: $(( (many - few) / N )) instructions per request (server only, page cache off)"
