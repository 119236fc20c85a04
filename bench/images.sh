#!/usr/bin/env bash
# Image build times for the fixture app's rendered Dockerfile, with podman on the
# debootstrap base image (make e2e's setup), measured with hyperfine:
#   cold-1      one target (rails) from an empty build cache: the anchor
#   cold-5      all five targets from an empty build cache, in ONE podman build
#               (scripts/podman/build-targets.sh, as make e2e builds them)
#   cold-5-each all five from an empty build cache, one `podman build --target` each
#   warm-5      all five again (one build) after a code-only change
#   cached-1    one target again with every step a cache hit: podman's fixed cost per
#               `podman build --target` call, which cold-5-each pays once per extra target
# and the ratio cold-5 / cold-1 (target: <= 1.3, since the targets share every layer).
# Every build uses --format docker (podman's OCI format drops SHELL) and --network none.
# Writes bench/results/images.json and prints a Markdown table for docs/PERFORMANCE.md.
# Usage: bench/images.sh [RUNS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
command -v hyperfine >/dev/null || { echo "bench/images.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
scripts/podman/setup.sh >/dev/null 2>&1
scripts/podman/base-image.sh
. scripts/podman/env.sh
base=$(base_image_tag)
. bench/lib.sh
bench_build
echo "bench/images.sh: measuring commit $(bench_commit)" >&2

work=$(mktemp -d /tmp/railyard-bench-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
npx esbuild scripts/podman/context.ts --bundle --platform=node --format=esm --packages=external \
  --outfile=.cache/podman/context.mjs --log-level=warning
node .cache/podman/context.mjs "$work/ctx" "$base"

targets=(rails worker kafka-sending-status kafka-new-document kafka-received-status)
cat >"$work/build.sh" <<SH
#!/usr/bin/env bash
# build.sh TARGET...: one podman build --target per target, in turn, offline.
set -euo pipefail
for t in "\$@"; do
  podman build --quiet --format docker --network none --build-arg BASE_IMAGE=$base --target "\$t" --tag "localhost/railyard-bench:\$t" "$work/ctx" >/dev/null
done
SH
cat >"$work/build-all.sh" <<SH
#!/usr/bin/env bash
# build-all.sh TARGET...: every target in one podman build, then tagged.
exec "$PWD/scripts/podman/build-targets.sh" --network none --build-arg BASE_IMAGE=$base -- "$work/ctx" 'localhost/railyard-bench:{}' "\$@"
SH
cat >"$work/clean.sh" <<SH
#!/usr/bin/env bash
# clean.sh: drop the bench images and every cached build layer; keep the base image.
podman rmi --force \$(podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/railyard-bench:') >/dev/null 2>&1 || true
podman image prune --force >/dev/null
[ "\$(podman images --all --quiet | sort -u | wc -l)" -le "\$(podman images --quiet | sort -u | wc -l)" ] || { echo "build cache not empty" >&2; exit 1; }
SH
cat >"$work/touch-code.sh" <<SH
#!/usr/bin/env bash
# touch-code.sh: a code-only change (a new comment line in a controller).
echo "# bench \$(date +%s%N)" >> "$work/ctx/app/controllers/fixture_controller.rb"
SH
chmod +x "$work"/*.sh

mkdir -p bench/results
# Every image but the base goes first: prune only removes untagged layers, so the e2e and
# real-node suites' images (and Fluent Bit's) would keep their layers, and the cache warm, and
# clean.sh would find the cache not empty. The suites build what they need again.
podman rmi --force $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -vx "$base") >/dev/null 2>&1 || true
hyperfine --runs "$runs" --export-json "$work/cold.json" --style basic \
  --prepare "$work/clean.sh" \
  -n cold-1 "$work/build.sh rails" \
  -n cold-5 "$work/build-all.sh ${targets[*]}" \
  -n cold-5-each "$work/build.sh ${targets[*]}"
"$work/build-all.sh" "${targets[@]}"
hyperfine --runs "$runs" --export-json "$work/warm.json" --style basic \
  --prepare "$work/touch-code.sh" \
  -n warm-5 "$work/build-all.sh ${targets[*]}"
hyperfine --runs "$runs" --export-json "$work/cached.json" --style basic \
  -n cached-1 "$work/build.sh rails"

node - "$work/cold.json" "$work/warm.json" "$work/cached.json" <<'JS'
const fs = require('fs');
const results = process.argv.slice(2).flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')).results);
const median = (name) => results.find((r) => r.command === name).median;
const out = {
  machine: `${require('os').cpus().length} cores`,
  runs: results[0].times.length,
  cold1_s: median('cold-1'), cold5_s: median('cold-5'), cold5each_s: median('cold-5-each'), warm5_s: median('warm-5'), cached1_s: median('cached-1'),
  ratio_cold5_cold1: median('cold-5') / median('cold-1'),
};
fs.writeFileSync('bench/results/images.json', JSON.stringify(out, null, 2) + '\n');
const f = (s) => s.toFixed(2) + ' s';
console.log(`| build | median | vs cold-1 |\n|---|---|---|`);
console.log(`| cold-1: rails only, empty cache (anchor) | ${f(out.cold1_s)} | 1.00× |`);
console.log(`| cold-5: all five targets, empty cache, one podman build | ${f(out.cold5_s)} | ${out.ratio_cold5_cold1.toFixed(2)}× |`);
console.log(`| cold-5-each: all five targets, empty cache, one podman build --target each | ${f(out.cold5each_s)} | ${(out.cold5each_s / out.cold1_s).toFixed(2)}× |`);
console.log(`| warm-5: all five after a code-only change, one podman build | ${f(out.warm5_s)} | ${(out.warm5_s / out.cold1_s).toFixed(2)}× |`);
console.log(`| cached-1: rails again, every step a cache hit | ${f(out.cached1_s)} | ${(out.cached1_s / out.cold1_s).toFixed(2)}× |`);
JS
podman rmi --force $(podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/railyard-bench:') >/dev/null 2>&1 || true
