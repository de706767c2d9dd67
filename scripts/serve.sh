# Sourced by the scripts that measure a running server (load.sh,
# fuzz-api.sh); needs BIN, PORT and WORK set.

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
