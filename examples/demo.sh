#!/usr/bin/env bash
# `make demo`: start a Kiln server on a free port, apply examples/nginx-golden, list what it
# created, apply again to show that nothing changes, and stop the server on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=${KILN_DEMO_DIR:-.kiln/demo}
mkdir -p "$DEMO_DIR"
LOG="$DEMO_DIR/server.log"
kiln() { node bin/kiln.js "$@"; }

node bin/kiln.js server --data-dir "$DEMO_DIR" --port 0 >"$LOG" 2>&1 &
SERVER_PID=$!
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}
trap stop_server EXIT

# The server prints "kiln: listening on http://127.0.0.1:PORT" once its socket is open.
ENDPOINT=
for _ in $(seq 1 300); do
  ENDPOINT=$(sed -n 's/^.*kiln: listening on \(http[^ ]*\).*$/\1/p' "$LOG" | head -n 1)
  [ -n "$ENDPOINT" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "demo: the server exited before listening; its log ($LOG):" >&2
    cat "$LOG" >&2
    exit 125
  fi
  sleep 0.1
done
if [ -z "$ENDPOINT" ]; then
  echo "demo: the server did not report a listening address within 30 s; see $LOG" >&2
  exit 125
fi
export KILN_ENDPOINT=$ENDPOINT KILN_DATA_DIR=$DEMO_DIR
until kiln component list >/dev/null 2>&1; do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "demo: the server stopped; see $LOG" >&2; exit 125; }
  sleep 0.2
done

echo "== kiln server at $ENDPOINT (data in $DEMO_DIR)"
echo
echo "== kiln apply examples/nginx-golden"
kiln apply examples/nginx-golden
echo
echo "== kiln component list"
kiln component list
echo
echo "== kiln recipe list"
kiln recipe list
echo
echo "== kiln infra list"
kiln infra list
echo
echo "== kiln dist list"
kiln dist list
echo
echo "== kiln pipeline list"
kiln pipeline list
echo
echo "== kiln apply examples/nginx-golden (again: nothing to do)"
kiln apply examples/nginx-golden
echo
echo "The data is in $DEMO_DIR (credentials: $DEMO_DIR/credentials, server log: $LOG)."
echo "Serve it again with: node bin/kiln.js server --data-dir $DEMO_DIR"
