#!/usr/bin/env bash
# Builds the e2e base image: Debian bookworm (debootstrap --variant=minbase) with
# Debian's Ruby, Rails, delayed_job, lograge, puma, bundler, Node.js and tini, and
# imports it into the project-local podman storage as $RAILYARD_BASE_IMAGE.
# No registry is reachable here, so this image replaces `FROM ubuntu:focal`.
#
# Cached: the tag carries a hash of this script, so an unchanged script reuses the
# image already in .cache/podman/storage; a changed package list makes a new one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/env.sh"

tag=$(base_image_tag)
if podman image exists "$tag"; then
  echo "base image $tag: cached" >&2
  exit 0
fi

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The packages the fixture app and the runtime need (yarnpkg: the Dockerfile's
# node-deps stage runs `yarn`, which Debian ships as yarnpkg). ruby-dev/build tools are left
# out on purpose: every gem comes from Debian, so bundle install compiles nothing.
# ruby-ffi, ruby-mini-portile2 and rake are what the vendored rdkafka gem requires (racecar
# itself is a path gem in the build context), and librdkafka links libssl, zstd, lz4 and zlib.
# git: racecar's and rdkafka's gemspecs list their files with `git ls-files`, and Bundler
# evaluates a path gem's gemspec at install and at every `bundle exec`. scripts/kafka/vendor.sh
# makes each unpacked gem a repository for that; in the image the code is root's and the app
# runs as uid 1000, so git must be told those repositories are safe, or it lists nothing.
# (Only the vendored racecar needs this; an app's own path gems usually list files by glob.)
PACKAGES=(ruby ruby-rails ruby-mysql2 puma ruby-delayed-job ruby-delayed-job-active-record
  ruby-daemons ruby-lograge bundler nodejs yarnpkg tini ca-certificates procps
  ruby-ffi ruby-mini-portile2 rake libssl3 libzstd1 liblz4-1 zlib1g git)

work=$(mktemp -d "$root/.cache/podman/debootstrap.XXXXXX")
trap 'umount -R "$work/rootfs/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "base image $tag: debootstrap bookworm (minbase) into $work" >&2
debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
cat >"$work/rootfs/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
cp /etc/resolv.conf "$work/rootfs/etc/resolv.conf"
mount -t proc proc "$work/rootfs/proc"
chroot "$work/rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c "
  apt-get update -qq &&
  apt-get install -y -qq --no-install-recommends ${PACKAGES[*]} >/dev/null &&
  { [ -e /usr/bin/yarn ] || ln -s yarnpkg /usr/bin/yarn; } &&
  for g in racecar rdkafka king_konf; do git config --system --add safe.directory /app/vendor/racecar-gems/\$g; done &&
  apt-get clean && rm -rf /var/lib/apt/lists/*"
umount "$work/rootfs/proc"
: >"$work/rootfs/etc/resolv.conf"
echo "base image $tag: importing" >&2
tar -C "$work/rootfs" --numeric-owner -c . | podman import --quiet - "$tag" >/dev/null
# Older tags of the same name only take space.
podman images --format '{{.Repository}}:{{.Tag}}' | grep "^${tag%%:*}:" | grep -vx "$tag" | xargs -r podman rmi >/dev/null || true
echo "base image $tag: ready" >&2
