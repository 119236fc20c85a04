#!/usr/bin/env bash
# Builds Fluent Bit from ../shared/vendor/fluent-bit-*-src.tar.gz (the only
# source of a fluent-bit binary on these machines: Debian does not package it
# and no registry is reachable) into
#   ~/.cache/railyard/fluent-bit-<first 16 hex of the tarball's sha256>/bin/fluent-bit
# outside the clone, with the cmake flags of ../shared/vendor/README.md.
# Re-running is free once that binary exists; a new tarball gets a new dir.
# Prints the binary's path on stdout (all progress goes to stderr);
# `--print-path` prints where it is or would be and builds nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

log() { printf '[fluent-bit-build] %s\n' "$*" >&2; }

tarball=${RAILYARD_FLUENTBIT_TARBALL:-}
if [[ -z $tarball ]]; then
  # The vendor directory sits next to the clone's parent in the project
  # layout (/work/shared/vendor for /work/main and /work/wt/<name>).
  for d in "$root/../shared/vendor" "$root/../../shared/vendor"; do
    t=$(ls "$d"/fluent-bit-*-src.tar.gz 2>/dev/null | sort | tail -n1 || true)
    if [[ -n $t ]]; then tarball=$t; break; fi
  done
fi
[[ -n $tarball && -f $tarball ]] || { log "no fluent-bit-*-src.tar.gz in ../shared/vendor (set RAILYARD_FLUENTBIT_TARBALL)"; exit 2; }

hash=$(sha256sum "$tarball" | cut -c1-16)
cache=${RAILYARD_FLUENTBIT_CACHE:-$HOME/.cache/railyard/fluent-bit-$hash}
bin=$cache/bin/fluent-bit
if [[ ${1:-} == --print-path ]]; then echo "$bin"; exit 0; fi
if [[ -x $bin ]]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

# Build dependencies from Debian, installed only when missing.
PKGS="cmake flex bison libyaml-dev libssl-dev libsqlite3-dev pkg-config g++ make"
missing=$(for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed' || echo "$p"; done)
missing=$(echo $missing)
if [[ -n $missing ]]; then
  log "apt-get install $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >/dev/null
fi

# Build in a scratch dir next to the cache and move the binary in last, so an
# interrupted build never leaves a half-written binary that looks cached.
work=$cache.build
rm -rf "$work"
mkdir -p "$work"
t0=$SECONDS
log "unpacking $(basename "$tarball")"
tar -xzf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'fluent-bit-*' | head -n1)
log "cmake"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DFLB_LUAJIT=Off -DFLB_WASM=Off -DFLB_KAFKA=Off -DFLB_ZIG=Off -DFLB_PROXY_GO=Off \
  -DFLB_EXAMPLES=Off -DFLB_SHARED_LIB=Off -DFLB_PREFER_SYSTEM_LIB_SQLITE=On \
  -DFLB_BACKTRACE=Off -DFLB_JEMALLOC=Off -DFLB_TESTS_RUNTIME=Off -DFLB_TESTS_INTERNAL=Off \
  -DFLB_PROFILES=Off -DFLB_USE_SIMDUTF=Off -DFLB_UNICODE_ENCODER=Off -DFLB_AVRO_ENCODER=Off \
  >"$work/cmake.log" 2>&1 || { tail -n 40 "$work/cmake.log" >&2; exit 1; }
log "make fluent-bit-bin (-j${BUILD_PARALLEL:-2})"
make -C "$work/build" -j"${BUILD_PARALLEL:-2}" fluent-bit-bin >"$work/make.log" 2>&1 \
  || { tail -n 40 "$work/make.log" >&2; exit 1; }
mkdir -p "$cache/bin"
cp "$work/build/bin/fluent-bit" "$bin.tmp"
mv "$bin.tmp" "$bin"
rm -rf "$work"
log "built in $((SECONDS - t0))s: $bin ($("$bin" --version | head -n1))"
echo "$bin"
