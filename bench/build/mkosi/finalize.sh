#!/bin/sh
# mkosi finalize script (runs on the host): the component's last build step, then validate.
[ "$1" = final ] || exit 0
rm -f "$BUILDROOT/etc/nginx/sites-enabled/default"
chroot "$BUILDROOT" nginx -v
chroot "$BUILDROOT" nginx -t
