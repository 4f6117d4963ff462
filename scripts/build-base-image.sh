#!/usr/bin/env bash
# Builds the offline sandbox base image: a minimal Debian root file system made by debootstrap, imported
# into Docker. No registry is needed; packages come from the Debian mirror apt already uses.
#   scripts/build-base-image.sh [SUITE] [IMAGE]     (defaults: bookworm codemonkeys/base:bookworm)
#   scripts/build-base-image.sh bullseye            (Python 3.9: environments of older repository versions)
# Environment images of @codemonkeys/swebench build FROM codemonkeys/base:<suite> of their spec's Debian
# release. setup-machine.sh builds bookworm; bullseye (about two minutes) is built when first needed, by the
# tests that need it and by `codemonkeys eval` run from a checkout.
# Does nothing when the image exists (set FORCE=1 to rebuild). Concurrent calls for one suite build once.
set -euo pipefail

suite="${1:-bookworm}"
image="${2:-codemonkeys/base:${suite}}"
packages="python3,python3-pytest,python3-coverage,git,patch,ca-certificates"

exists() { [ "${FORCE:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; }
if exists; then
  echo "base image $image exists"
  exit 0
fi
# One build per image at a time: a second caller waits, then finds the image.
exec 9>"/tmp/codemonkeys-base-image-${image//[^A-Za-z0-9._-]/_}.lock"
flock 9
if exists; then
  echo "base image $image exists"
  exit 0
fi

# The mirror apt is configured with (deb822 or one-line sources), so that the image comes from the same place.
mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -vE 'security|nodesource|google' | head -n 1 || true)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list || true)
fi
if [ -z "$mirror" ]; then
  echo "cannot find a Debian mirror in the apt sources; set DEBIAN_MIRROR" >&2
  exit 1
fi

workdir=$(mktemp -d /var/tmp/codemonkeys-rootfs.XXXXXX)
trap 'rm -rf "$workdir"' EXIT
echo "debootstrap $suite from $mirror into $workdir (about a minute)"
debootstrap --variant=minbase --include="$packages" "$suite" "$workdir/rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1 || {
  tail -n 40 "$workdir/debootstrap.log" >&2
  exit 1
}
# python is what SWE-bench commands call; Debian only ships python3.
ln -sf /usr/bin/python3 "$workdir/rootfs/usr/local/bin/python"
rm -rf "$workdir/rootfs/var/cache/apt/archives/"*.deb "$workdir/rootfs/var/lib/apt/lists/"*
# Later Dockerfiles FROM this image install more Debian packages from the same mirror.
echo "deb $mirror $suite main" >"$workdir/rootfs/etc/apt/sources.list"
tar -C "$workdir/rootfs" -c . | docker import --change 'CMD ["/bin/sh"]' --change 'ENV LANG=C.UTF-8' \
  --change "LABEL codemonkeys.base-image=$suite" - "$image" >/dev/null
echo "built $image"
