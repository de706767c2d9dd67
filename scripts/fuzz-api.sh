#!/usr/bin/env bash
# API fuzzing (issue 10): runs schemathesis against /api/v1/openapi.json of
# a server this script starts itself, on its own fresh database (the `demo`
# set loaded), with a bounded number of examples per operation. Fails (exit
# non-zero) on any 5xx answer or any answer that does not match the schema.
#
#   scripts/fuzz-api.sh                 debug binary, 50 examples per operation
#   MAX_EXAMPLES=200 scripts/fuzz-api.sh
#   PROFILE=release scripts/fuzz-api.sh
#
# Needs: schemathesis (`pip install schemathesis==4.32.5`; the script
# installs it into a venv under /var/tmp when python3 lacks it), psql, a
# PostgreSQL server at $PG_SERVER (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION="4.32.5"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
PROFILE="${PROFILE:-debug}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="xz_fuzz_$$"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/xiaozhen-target}"

# `python3 -m schemathesis.cli` rather than `st`, which may name another
# program (the suckless terminal).
PY=python3
if ! "$PY" -c "import schemathesis" 2>/dev/null; then
  VENV=/var/tmp/xiaozhen-fuzz-venv
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import schemathesis" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==$ST_VERSION"
  fi
  PY="$VENV/bin/python"
fi

if [ "$PROFILE" = release ]; then
  cargo build --release --quiet --bin xiaozhen
else
  cargo build --quiet --bin xiaozhen
fi
BIN="$CARGO_TARGET_DIR/$PROFILE/xiaozhen"
export DATABASE_URL="$PG_SERVER/$DB"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $DB"
"$BIN" migrate >/dev/null
"$BIN" demo >/dev/null

# shellcheck source=scripts/serve.sh
. scripts/serve.sh
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
serve_and_wait

status=0
"$PY" -m schemathesis.cli run "$BASE/api/v1/openapi.json" \
  --url "$BASE" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --seed 10 \
  --workers 2 \
  --suppress-health-check all \
  --report-dir "$WORK/report" || status=$?

if grep -q "panicked" "$WORK/server.log"; then
  echo "the server panicked:" >&2
  grep -A3 "panicked" "$WORK/server.log" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "== server log (last 40 lines)" >&2
  tail -40 "$WORK/server.log" >&2
fi
exit "$status"
