#!/usr/bin/env bash
# Builds what a real racecar consumer needs from ../shared/vendor (the project's
# vendored sources: rubygems cannot be reached and Debian packages none of it),
# once, into caches outside the clone:
#   ~/.cache/railyard/librdkafka-<sha256[:16] of its tarball>/librdkafka.so.1
#   ~/.cache/railyard/racecar-gems-<sha256[:16] of the four tarballs>/
#       racecar/ king_konf/ rdkafka/   unpacked gem sources, used as path gems;
#       rdkafka/ext/librdkafka.so is the library above (rdkafka loads it from there)
# and prints the gem directory on stdout. A second run only checks the stamps.
# The build steps are those of ../shared/vendor/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
log() { echo "kafka/vendor: $*" >&2; }

vendor=${RAILYARD_VENDOR:-}
if [[ -z $vendor ]]; then
  # /work/shared/vendor for /work/main and for /work/wt/<name>.
  for d in "$root/../shared/vendor" "$root/../../shared/vendor"; do
    [[ -d $d ]] && { vendor=$(cd "$d" && pwd); break; }
  done
fi
[[ -n $vendor && -d $vendor ]] || { log "no ../shared/vendor next to the clone (set RAILYARD_VENDOR)"; exit 2; }

tarball() {
  local t="$vendor/$1.tar.gz"
  [[ -f $t ]] || { log "missing $t"; exit 2; }
  echo "$t"
}
LIBRDKAFKA=$(tarball librdkafka-2.15.0)
RACECAR=$(tarball racecar-2.12.0)
KING_KONF=$(tarball king_konf-1.0.1)
RDKAFKA=$(tarball rdkafka-ruby-0.16.1)
sha16() { sha256sum "$@" | awk '{print $1}' | tr -d '\n' | sha256sum | cut -c1-16; }

cache=${RAILYARD_CACHE_HOME:-$HOME/.cache/railyard}
mkdir -p "$cache"

# --------------------------------------------------------------- librdkafka
lib_dir="$cache/librdkafka-$(sha256sum "$LIBRDKAFKA" | cut -c1-16)"
if [[ ! -f $lib_dir/.built ]]; then
  for cmd in cmake make cc c++; do command -v $cmd >/dev/null || { log "$cmd is required"; exit 2; }; done
  log "building librdkafka into $lib_dir (about 30 s on 2 cores)"
  rm -rf "$lib_dir" "$lib_dir.tmp"
  mkdir -p "$lib_dir.tmp"
  tar -xzf "$LIBRDKAFKA" -C "$lib_dir.tmp"
  src=$(echo "$lib_dir.tmp"/librdkafka-*)
  # SASL/PLAIN and SCRAM are built in without Cyrus SASL (WITH_SASL=OFF).
  cmake -S "$src" -B "$lib_dir.tmp/build" -DCMAKE_BUILD_TYPE=Release -DRDKAFKA_BUILD_STATIC=OFF \
    -DRDKAFKA_BUILD_EXAMPLES=OFF -DRDKAFKA_BUILD_TESTS=OFF -DWITH_SASL=OFF -DWITH_SSL=ON -DWITH_ZSTD=ON \
    -DWITH_CURL=OFF >"$lib_dir.tmp/cmake.log" 2>&1 || { tail -30 "$lib_dir.tmp/cmake.log" >&2; exit 1; }
  make -C "$lib_dir.tmp/build" -j2 rdkafka >"$lib_dir.tmp/make.log" 2>&1 || { tail -30 "$lib_dir.tmp/make.log" >&2; exit 1; }
  mkdir -p "$lib_dir.out"
  cp -L "$lib_dir.tmp/build/src/librdkafka.so.1" "$lib_dir.out/librdkafka.so.1"
  cp "$src/LICENSE" "$lib_dir.out/LICENSE" 2>/dev/null || true
  rm -rf "$lib_dir.tmp"
  mv "$lib_dir.out" "$lib_dir"
  touch "$lib_dir/.built"
fi

# --------------------------------------------------------------- the gems
gems_dir="$cache/racecar-gems-$(sha16 "$LIBRDKAFKA" "$RACECAR" "$KING_KONF" "$RDKAFKA")"
if [[ ! -f $gems_dir/.built ]]; then
  command -v git >/dev/null || { log "git is required (the gemspecs list their files with git ls-files)"; exit 2; }
  log "unpacking racecar, king_konf and rdkafka into $gems_dir"
  rm -rf "$gems_dir" "$gems_dir.tmp"
  mkdir -p "$gems_dir.tmp"
  for pair in "racecar:$RACECAR" "king_konf:$KING_KONF" "rdkafka:$RDKAFKA"; do
    name=${pair%%:*} t=${pair#*:}
    mkdir -p "$gems_dir.tmp/$name"
    tar -xzf "$t" -C "$gems_dir.tmp/$name" --strip-components=1
    # The gemspecs take their file lists (and racecar its `racecar`
    # executable) from `git ls-files`: a tarball has no repository, so give
    # each one an index. Nothing is committed.
    git -C "$gems_dir.tmp/$name" init -q
    git -C "$gems_dir.tmp/$name" add -A
  done
  # rdkafka loads ext/librdkafka.so (lib/rdkafka/bindings.rb); its ext/Rakefile
  # would download and build librdkafka, which path gems never run.
  cp "$lib_dir/librdkafka.so.1" "$gems_dir.tmp/rdkafka/ext/librdkafka.so"
  mv "$gems_dir.tmp" "$gems_dir"
  touch "$gems_dir/.built"
fi
echo "$gems_dir"
