#!/bin/bash
# The nginx golden image with Debian's mkosi 14 (feasibility.md §3.4 and A.5, with its two
# workarounds: --nspawn-keep-unit (no systemd/D-Bus here) and a skeleton tree holding
# etc/kernel/install.d/ for --base-packages=false). Directory output, then the same page test
# as byhand.sh in a bwrap sandbox over the output tree.
# usage: mkosi.sh WORK CACHE cold|warm|noop
#   cold: CACHE emptied (packages downloaded, nothing cached)
#   warm: package cache kept, incremental image cache dropped (everything installed again)
#   noop: package and incremental caches kept (mkosi --incremental reuses the installed tree)
set -euo pipefail
W=$1; CACHE=$2; MODE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=18477
[ "$MODE" = cold ] && rm -rf "$CACHE"
mkdir -p "$W" "$CACHE/pkgs" "$CACHE/out" "$CACHE/skel/etc/kernel/install.d" "$CACHE/extra"
export TMPDIR=$CACHE/tmp; mkdir -p "$TMPDIR"
# The host's Debian mirror (first URIs of its apt sources), as Kiln and byhand.sh use it.
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
MIRROR=${MIRROR:-$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)}
# The component's files, as an extra tree.
mkdir -p "$CACHE/extra/var/www/html" "$CACHE/extra/etc/nginx/sites-enabled"
printf '<!doctype html>\n<title>nginx-golden</title>\n<h1>Hello from the Kiln nginx-golden image</h1>\n' \
  > "$CACHE/extra/var/www/html/index.html"
printf 'server {\n  listen 127.0.0.1:%s default_server;\n  root /var/www/html;\n  index index.html;\n}\n' "$PORT" \
  > "$CACHE/extra/etc/nginx/sites-enabled/nginx-golden.conf"
# warm: the incremental caches (image.cache-*) go, the package cache stays.
[ "$MODE" = warm ] && rm -rf "$CACHE/out"/*/image.cache-* "$CACHE/out"/image.cache-*
mkosi --distribution debian --release bookworm --mirror "$MIRROR" \
  --format directory --package nginx-light --package curl --base-packages=false \
  --nspawn-keep-unit --skeleton-tree "$CACHE/skel" --extra-tree "$CACHE/extra" \
  --finalize-script "$HERE/mkosi/finalize.sh" --incremental \
  --output-dir "$CACHE/out" --workspace-dir "$W" --cache "$CACHE/pkgs" --force build > "$W/mkosi.log" 2>&1
# mkosi 14 makes image.cache-pre-dev only with a build script; without it every incremental run
# starts over (feasibility.md §5.3): an empty one makes the cache reusable.
for d in "$CACHE/out"/*/; do [ -e "${d}image.cache-pre-inst" ] && mkdir -p "${d}image.cache-pre-dev"; done
[ -e "$CACHE/out/image.cache-pre-inst" ] && mkdir -p "$CACHE/out/image.cache-pre-dev"
# test: nginx serves the page from the built tree
ROOT=$(find "$CACHE/out" -maxdepth 2 -name image -type d | head -1)
bwrap --bind "$ROOT" / --dev /dev --proc /proc --tmpfs /run --tmpfs /tmp --unshare-pid --die-with-parent --cap-add ALL \
  /bin/sh -c "nginx && sleep 0.2 && curl -fsS http://127.0.0.1:$PORT/ && nginx -s quit" >> "$W/mkosi.log" 2>&1
