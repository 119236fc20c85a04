#!/usr/bin/env bash
# Cold `railyard synth` wall time (hyperfine, 10 runs, medians), with `node -e 0`
# measured in the same run as the anchor (the floor any Node CLI pays), and the
# scale case: 200 components and 2,000 CronJobs.
# Usage: bench/synth.sh [RESULTS_DIR]   (needs `npm run build` and hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-.cache/bench}
mkdir -p "$results"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node bench/gen-config.mjs "$tmp/big" 200 2000
node bench/gen-config.mjs "$tmp/medium" 100 1000

hyperfine --warmup 2 --runs 10 --export-json "$results/synth.json" \
  -n anchor-node 'node -e 0' \
  -n storecove "node bin/railyard.js synth examples/storecove --out $tmp/out-storecove --image-tag bench000 -q" \
  -n medium-100c-1000cron "node bin/railyard.js synth $tmp/medium --out $tmp/out-medium --image-tag bench000 -q" \
  -n big-200c-2000cron "node bin/railyard.js synth $tmp/big --out $tmp/out-big --image-tag bench000 -q"

node -e '
const r = require(process.argv[1]).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
for (const x of r) console.log(`${x.command.padEnd(22)} median ${(x.median * 1000).toFixed(0).padStart(5)} ms   ${(x.median * 1000 / med["anchor-node"]).toFixed(1)}x node -e 0`);
console.log(`scaling: 2x input (1000 -> 2000 CronJobs) costs ${(med["big-200c-2000cron"] / med["medium-100c-1000cron"]).toFixed(2)}x time`);
' "$PWD/$results/synth.json"
