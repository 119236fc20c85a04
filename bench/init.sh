#!/usr/bin/env bash
# Cold `railyard init` wall time (hyperfine, medians) on a generated Rails app of
# 2,000 files with a 300-job schedule.rb, and whenever's own run beside it: the
# target is init ≤ 2 s excluding whenever, so the script times
#   init          railyard init, whenever included (what a user waits for)
#   whenever      whenever alone on the same schedule.rb (what init spends in Ruby)
#   init-crontab  railyard init --crontab FILE: everything but the whenever run
#   anchor-node   node -e 0, the floor any Node CLI pays
# and prints init minus whenever next to init-crontab.
# Usage: bench/init.sh [RESULTS_DIR]   (needs `npm run build`, hyperfine and whenever:
#        make bench-init-deps installs Debian's hyperfine and ruby-whenever)
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-.cache/bench}
mkdir -p "$results"
command -v hyperfine >/dev/null || { echo "bench/init.sh needs hyperfine: make bench-init-deps" >&2; exit 2; }
command -v whenever >/dev/null || { echo "bench/init.sh needs whenever: make bench-init-deps" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node bench/gen-rails-app.mjs "$tmp/app" 2000 300
(cd "$tmp/app" && whenever) >"$tmp/crontab"

hyperfine --warmup 2 --runs 10 --export-json "$results/init.json" \
  -n anchor-node 'node -e 0' \
  -n whenever "cd $tmp/app && whenever >/dev/null" \
  -n init "node bin/railyard.js init $tmp/app --out $tmp/out.ts --force --quiet" \
  -n init-crontab "node bin/railyard.js init $tmp/app --out $tmp/out-crontab.ts --force --quiet --crontab $tmp/crontab"

node -e '
const r = require(process.argv[1]).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
for (const x of r) console.log(`${x.command.padEnd(14)} median ${(x.median * 1000).toFixed(0).padStart(5)} ms`);
console.log(`init - whenever: ${(med.init - med.whenever).toFixed(0)} ms; init without whenever (--crontab): ${med["init-crontab"].toFixed(0)} ms; target 2000 ms`);
' "$(cd "$results" && pwd)/init.json"
