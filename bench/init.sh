#!/usr/bin/env bash
# Cold `railyard init` wall time (hyperfine, medians) on a generated Rails app of
# 2,000 files with a 300-job schedule.rb, and whenever's own run beside it: the
# target is init ≤ 2 s excluding whenever, so the script times
#   init          railyard init, whenever included (what a user waits for)
#   whenever      whenever alone on the same schedule.rb (what init spends in Ruby)
#   init-crontab  railyard init --crontab FILE: everything but the whenever run
#   anchor-node   node -e 0, the floor any Node CLI pays
# and prints init minus whenever next to init-crontab.
# It builds dist/ first and prints the commit measured. RUNS and WARMUP change the 10 and 2.
# Usage: bench/init.sh [RESULTS_DIR]   (needs hyperfine and whenever:
#        make bench-init-deps installs Debian's hyperfine and ruby-whenever)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v hyperfine >/dev/null || { echo "bench/init.sh needs hyperfine: make bench-init-deps" >&2; exit 2; }
command -v whenever >/dev/null || { echo "bench/init.sh needs whenever: make bench-init-deps" >&2; exit 2; }
results=${1:-.cache/bench}
mkdir -p "$results"
results=$(cd "$results" && pwd)
runs=${RUNS:-10}
warmup=${WARMUP:-2}
bench_build
commit=$(bench_commit)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node bench/gen-rails-app.mjs "$tmp/app" 2000 300
(cd "$tmp/app" && whenever) >"$tmp/crontab"
# Untimed: both ways of running init succeed and write the same CronJobs.
node bin/railyard.js init "$tmp/app" --out "$tmp/check.ts" --quiet
node bin/railyard.js init "$tmp/app" --out "$tmp/check-crontab.ts" --quiet --crontab "$tmp/crontab"
echo "init writes $(grep -c "schedule: '" "$tmp/check.ts") CronJobs ($(grep -c "schedule: '" "$tmp/check-crontab.ts") with --crontab)"

hyperfine --warmup "$warmup" --runs "$runs" --export-json "$results/init.json" \
  -n anchor-node 'node -e 0' \
  -n whenever "cd $tmp/app && whenever >/dev/null" \
  -n init "node bin/railyard.js init $tmp/app --out $tmp/out.ts --force --quiet" \
  -n init-crontab "node bin/railyard.js init $tmp/app --out $tmp/out-crontab.ts --force --quiet --crontab $tmp/crontab"

echo "commit measured: $commit"
node -e '
const r = require(process.argv[1]).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
for (const x of r) console.log(`${x.command.padEnd(14)} median ${(x.median * 1000).toFixed(0).padStart(5)} ms`);
console.log(`init - whenever: ${(med.init - med.whenever).toFixed(0)} ms; init without whenever (--crontab): ${med["init-crontab"].toFixed(0)} ms; target 2000 ms`);
' "$results/init.json"
