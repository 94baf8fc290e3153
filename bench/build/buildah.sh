#!/bin/bash
# The nginx golden image with buildah 1.28 (`bud --isolation chroot`, overlay storage on tmpfs;
# feasibility.md §3.3 and A.4): the parent is mmdebstrap's minbase (merged-usr hook) imported
# as localhost/minbase:bookworm; the Dockerfile does what the nginx-web component does; then
# push to an oci-archive and test the page in a fresh container from the image.
# usage: buildah.sh WORK CACHE cold|warm|noop
#   cold: CACHE emptied (parent bootstrapped and imported, packages downloaded)
#   warm: parent image and apt cache mounts kept, no layer cache (bud --no-cache)
#   noop: rebuild with every step cached (bud --layers)
# Prints "bud SECONDS" (the bud step alone) on stdout.
set -euo pipefail
W=$1; CACHE=$2; MODE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$MODE" = cold ] && rm -rf "$CACHE"
rm -rf "$W"; mkdir -p "$W" "$CACHE/debs"
# buildah keeps RUN --mount=type=cache directories under $TMPDIR.
export TMPDIR=$CACHE/tmp; mkdir -p "$TMPDIR"
ST=(--root "$CACHE/storage" --runroot "$CACHE/run" --storage-driver overlay)
SOURCES=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1); SOURCES=${SOURCES:-/etc/apt/sources.list}
if ! buildah "${ST[@]}" inspect --type image localhost/minbase:bookworm > /dev/null 2>&1; then
  mmdebstrap --variant=minbase --mode=root --quiet \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=essential/unlink \
    --setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives && mount --bind $CACHE/debs \"\$1\"/var/cache/apt/archives" \
    --customize-hook="umount \"\$1\"/var/cache/apt/archives" bookworm "$W/minbase.tar" "$SOURCES" > "$W/mmdebstrap.log" 2>&1
  cp "$HERE/buildah/Dockerfile.base" "$W/Dockerfile"
  buildah "${ST[@]}" bud --isolation chroot -q -f "$W/Dockerfile" -t localhost/minbase:bookworm "$W" > "$W/base.log" 2>&1
  rm -f "$W/minbase.tar"
fi
NOCACHE=(--no-cache); [ "$MODE" = noop ] && NOCACHE=()
start=$(date +%s.%N)
buildah "${ST[@]}" bud --isolation chroot --layers "${NOCACHE[@]}" -f "$HERE/buildah/Dockerfile" \
  -t localhost/nginx-golden:latest "$HERE/buildah" > "$W/bud.log" 2>&1
echo "bud $(echo "$(date +%s.%N) - $start" | bc)"
buildah "${ST[@]}" push -q localhost/nginx-golden:latest "oci-archive:$W/image.oci.tar:nginx:latest"
# test: a fresh container from the image serves the page
C=$(buildah "${ST[@]}" from -q localhost/nginx-golden:latest)
trap 'buildah "${ST[@]}" rm "$C" > /dev/null 2>&1 || true' EXIT
buildah "${ST[@]}" run --isolation chroot "$C" -- /bin/sh -c \
  'nginx && sleep 0.2 && curl -fsS http://127.0.0.1:18476/ && nginx -s quit' >> "$W/bud.log" 2>&1
