#!/bin/bash
# The hand-made lower bound for the nginx golden image (feasibility.md Appendix A.2, warmbind):
# the same mmdebstrap + bwrap + apt + tar + mkfs.ext4 + qemu-img commands Kiln runs, typed by hand.
# usage: byhand.sh WORK CACHE cold|warm
#   cold: CACHE is emptied first (parent tree built, packages downloaded)
#   warm: CACHE keeps the parent tree and the packages from an earlier run
set -euo pipefail
W=$1; CACHE=$2; MODE=$3
[ "$MODE" = cold ] && rm -rf "$CACHE"
rm -rf "$W"; mkdir -p "$W" "$CACHE"/{debs,lists}; cd "$W"
# The host's apt sources, as Kiln uses them (a .sources or .list file mmdebstrap reads).
SOURCES=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1); SOURCES=${SOURCES:-/etc/apt/sources.list}
# 1 parent tree (cached in warm runs)
if [ ! -d "$CACHE/parent" ]; then
  mmdebstrap --variant=minbase --mode=root --quiet \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=essential/unlink \
    --setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives && mount --bind $CACHE/debs \"\$1\"/var/cache/apt/archives" \
    --customize-hook="umount \"\$1\"/var/cache/apt/archives" bookworm "$CACHE/parent.tmp" "$SOURCES"
  mv "$CACHE/parent.tmp" "$CACHE/parent"
fi
# 2 a writable copy (overlay, as an instance would)
mkdir -p upper work rootfs
mount -t overlay overlay -o "lowerdir=$CACHE/parent,upperdir=upper,workdir=work" rootfs
trap 'umount rootfs 2>/dev/null || true' EXIT
BW=(bwrap --bind rootfs / --dev /dev --proc /proc --ro-bind /etc/resolv.conf /etc/resolv.conf
    --bind "$CACHE/debs" /var/cache/apt/archives --bind "$CACHE/lists" /var/lib/apt/lists
    --unshare-pid --unshare-ipc --unshare-uts --die-with-parent --cap-add ALL
    --setenv PATH /usr/sbin:/usr/bin:/sbin:/bin --setenv DEBIAN_FRONTEND noninteractive)
# 3 install nginx-light (policy-rc.d: no daemon starts)
printf '#!/bin/sh\nexit 101\n' > rootfs/usr/sbin/policy-rc.d; chmod +x rootfs/usr/sbin/policy-rc.d
"${BW[@]}" /bin/sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends nginx-light curl' >log 2>&1
rm -f rootfs/usr/sbin/policy-rc.d rootfs/etc/nginx/sites-enabled/default
echo '<h1>Hello from the Kiln nginx-golden image</h1>' > rootfs/var/www/html/index.html
printf 'server {\n listen 127.0.0.1:18474 default_server;\n root /var/www/html;\n}\n' > rootfs/etc/nginx/sites-enabled/golden.conf
rm -rf rootfs/var/cache/apt/*.bin rootfs/var/log/apt rootfs/etc/machine-id
# 4 validate
"${BW[@]}" nginx -t >>log 2>&1
# 5 the image tree: the changes over the parent, seen read-only
umount rootfs; mount -t overlay overlay -o "lowerdir=$W/upper:$CACHE/parent" rootfs
# 6 layer + OCI image + oci-archive
tar --numeric-owner --xattrs -C rootfs -c . | gzip -1 > layer.tar.gz
mkdir -p oci/blobs/sha256
L=$(sha256sum < layer.tar.gz | cut -d' ' -f1); D=$(gzip -dc layer.tar.gz | sha256sum | cut -d' ' -f1)
mv layer.tar.gz oci/blobs/sha256/$L
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"config":{}}' "$D" > cfg.json
C=$(sha256sum < cfg.json | cut -d' ' -f1); mv cfg.json oci/blobs/sha256/$C
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
  "$C" "$(stat -c %s oci/blobs/sha256/$C)" "$L" "$(stat -c %s oci/blobs/sha256/$L)" > m.json
M=$(sha256sum < m.json | cut -d' ' -f1); S=$(stat -c %s m.json); mv m.json oci/blobs/sha256/$M
echo '{"imageLayoutVersion":"1.0.0"}' > oci/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' "$M" "$S" > oci/index.json
skopeo copy -q oci:oci:latest oci-archive:image.oci.tar:latest
# 7 raw ext4 + qcow2
truncate -s 4G disk.raw && mkfs.ext4 -q -F -L root -d rootfs disk.raw
qemu-img convert -f raw -O qcow2 disk.raw disk.qcow2
# 8 test on a fresh instance from the image: nginx serves the page
mkdir -p t/upper t/work t/root
mount -t overlay overlay -o "lowerdir=$W/upper:$CACHE/parent,upperdir=t/upper,workdir=t/work" t/root
trap 'umount rootfs t/root 2>/dev/null || true' EXIT
bwrap --bind t/root / --dev /dev --proc /proc --tmpfs /run --tmpfs /tmp --unshare-pid --die-with-parent --cap-add ALL \
  /bin/sh -c 'nginx -g "daemon on;" -c /etc/nginx/nginx.conf && sleep 0.2 && curl -fsS http://127.0.0.1:18474/ && nginx -s quit' >>log 2>&1
