#!/usr/bin/env bash
# `make demo`: start a Kiln server on a free port, apply examples/nginx-golden, build its
# pipeline for real (Debian bookworm parent from mmdebstrap, nginx, test on a fresh instance),
# print the image ARN, its files and timings, and stop the server on the way out.
# KILN_DEMO_DIR picks the data directory (default .kiln/demo); the caches live inside it
# (<dir>/cache), so a second run is warm and `rm -rf .kiln/demo` starts cold again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=${KILN_DEMO_DIR:-.kiln/demo}
mkdir -p "$DEMO_DIR"
DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
LOG="$DEMO_DIR/server.log"
kiln() { node bin/kiln.js "$@"; }

# The server's cache (parent trees, packages, layers, kept instances) stays in the demo dir.
export KILN_CACHE_DIR=${KILN_CACHE_DIR:-$DEMO_DIR/cache}
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

echo "== kiln server at $ENDPOINT (data in $DEMO_DIR, cache in $KILN_CACHE_DIR)"
echo
echo "== kiln apply examples/nginx-golden"
kiln apply examples/nginx-golden
echo
echo "== kiln pipeline list"
kiln pipeline list
echo
echo "== kiln pipeline start nginx-golden-weekly --wait"
STARTED=$(date +%s.%N)
OUT="$DEMO_DIR/pipeline-start.out"
if ! kiln pipeline start nginx-golden-weekly --wait | tee "$OUT"; then
  ARN=$(head -n 1 "$OUT")
  echo "demo: the build failed; its log follows (kiln logs $ARN)" >&2
  [ -n "$ARN" ] && kiln logs "$ARN" | tail -n 40 >&2
  exit 1
fi
ARN=$(head -n 1 "$OUT")
ELAPSED=$(awk -v a="$STARTED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo
echo "== the image (built in $ELAPSED s)"
# GetImage as the API answers it (the SDK would drop Kiln's extra members: files, timings).
node --import tsx --input-type=module - "$ARN" <<'EOF'
import { statSync } from 'node:fs';
import { resolveClientSettings } from './src/cli/client.ts';
import { kilnCall } from './src/cli/kiln-http.ts';
const settings = await resolveClientSettings({ string: () => undefined }, process.env, process.cwd());
const arn = process.argv[2];
const { image } = await kilnCall(settings, 'GET', '/GetImage', { imageBuildVersionArn: arn });
const size = (p) => {
  try {
    const s = statSync(p);
    const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
    if (s.isDirectory()) return 'directory';
    const used = s.blocks * 512;
    return used < s.size / 2 ? `${mib(s.size)}, sparse: ${mib(used)} used` : mib(s.size);
  } catch {
    return 'missing';
  }
};
console.log(`arn:    ${image.arn}`);
console.log(`state:  ${image.state?.status}`);
console.log(`os:     ${image.osVersion ?? '?'}`);
for (const ami of image.outputResources?.amis ?? [])
  console.log(`ami:    ${ami.image} '${ami.name}' in ${ami.region}`);
console.log('files:');
for (const [key, value] of Object.entries(image.kilnArtifacts ?? {}))
  if (typeof value === 'string' && value.startsWith('/')) console.log(`  ${key.padEnd(12)} ${value} (${size(value)})`);
console.log('stages:');
for (const t of image.stateTimings ?? [])
  if (t.durationMs !== undefined && t.status !== 'AVAILABLE') console.log(`  ${t.status.padEnd(13)} ${(t.durationMs / 1000).toFixed(1)} s`);
console.log('steps:');
for (const t of image.timings ?? []) console.log(`  ${t.stage.padEnd(13)} ${(t.ms / 1000).toFixed(1)} s`);
EOF
echo
echo "The data is in $DEMO_DIR (credentials: $DEMO_DIR/credentials, server log: $LOG)."
echo "Serve it again with: KILN_CACHE_DIR=$KILN_CACHE_DIR node bin/kiln.js server --data-dir $DEMO_DIR"
echo "Run it again for a warm build (the layer cache reuses every step); rm -rf $DEMO_DIR for a cold one."
