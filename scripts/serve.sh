# Sourced by the scripts that measure a running server (load.sh, pages.sh,
# fuzz-api.sh); needs BIN, PORT and WORK set (fill_database: PG_SERVER, DB, N).

# Starts `$BIN serve` on 127.0.0.1:$PORT in the background, with any
# VAR=value arguments added to its environment; sets SERVER_PID and returns
# once /healthz answers (or prints the server's log and exits).
serve_and_wait() {
  env "$@" RUST_LOG=warn BIND="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$WORK/server.log"
  exit 1
}

# Fills the database at $DATABASE_URL ($PG_SERVER/$DB) with `demo` plus
# `demo --proposals $N` generated proposals, unless REUSE=1 keeps it.
fill_database() {
  [ "${REUSE:-0}" = 1 ] && return 0
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  "$BIN" migrate >/dev/null
  "$BIN" demo >/dev/null
  RUST_LOG=error "$BIN" demo --proposals "$N"
}

# Logs in through the real login form as $1 (password $2) and prints the
# request header that carries the session: "Cookie: xiaozhen_session=…".
login_cookie() {
  local jar="$WORK/jar-$1" token session
  rm -f "$jar"
  token=$(curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -1)
  curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
    --data-urlencode "username=$1" --data-urlencode "password=$2" "http://127.0.0.1:$PORT/login"
  session=$(awk '$6 == "xiaozhen_session" {print $7}' "$jar")
  [ -n "$session" ] || { echo "could not log in as $1" >&2; exit 1; }
  echo "Cookie: xiaozhen_session=$session"
}
