#!/usr/bin/env bash
# `railyard synth` wall time (hyperfine, 2 warm-ups, 10 runs, medians) for the
# Storecove example and two generated configs (100 components + 1,000 CronJobs;
# 200 components + 2,000 CronJobs), each measured two ways, both cold CLI processes:
#   cold       into an empty folder every run (--prepare removes it): every file written;
#   unchanged  over its own output: every file rendered and compared, none written
#              (synth skips files whose content is the same).
# `node -e 0` is measured in the same run as the anchor (the floor any Node CLI pays).
# It builds dist/ first, and prints the commit measured and how many files each case
# writes.
# Usage: bench/synth.sh [RESULTS_DIR]   (needs hyperfine; RUNS and WARMUP change the 10 and 2)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v hyperfine >/dev/null || { echo "bench/synth.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
results=${1:-.cache/bench}
mkdir -p "$results"
results=$(cd "$results" && pwd)
bench_build
commit=$(bench_commit)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node bench/gen-config.mjs "$tmp/big" 200 2000
node bench/gen-config.mjs "$tmp/medium" 100 1000

names=(storecove medium-100c-1000cron big-200c-2000cron)
declare -A config=([storecove]=examples/storecove [medium-100c-1000cron]=$tmp/medium [big-200c-2000cron]=$tmp/big)
synth() { echo "node bin/railyard.js synth ${config[$1]} --out $2 --image-tag bench000 -q"; }

# What each case writes: once cold, once over that output. The unchanged case is timed
# over the output written here (and rewritten identically by the warm-ups).
declare -A files
for n in "${names[@]}"; do
  node bin/railyard.js synth "${config[$n]}" --out "$tmp/out-$n-unchanged" --image-tag bench000 --format json >"$tmp/$n-first.json"
  node bin/railyard.js synth "${config[$n]}" --out "$tmp/out-$n-unchanged" --image-tag bench000 --format json >"$tmp/$n-again.json"
  files[$n]=$(node -e '
    const [cold, again] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
    if (cold.written.length === 0 || cold.unchanged.length !== 0) throw new Error("the cold run must write every file");
    if (again.written.length !== 0 || again.unchanged.length !== cold.written.length) throw new Error("the run over its own output must write nothing");
    console.log(cold.written.length);
  ' "$tmp/$n-first.json" "$tmp/$n-again.json")
done

args=(-n anchor-node --prepare true 'node -e 0')
for n in "${names[@]}"; do
  args+=(-n "$n cold" --prepare "rm -rf $tmp/out-$n-cold" "$(synth "$n" "$tmp/out-$n-cold")")
  args+=(-n "$n unchanged" --prepare true "$(synth "$n" "$tmp/out-$n-unchanged")")
done
hyperfine --warmup "${WARMUP:-2}" --runs "${RUNS:-10}" --export-json "$results/synth.json" "${args[@]}"

echo "commit measured: $commit"
node -e '
const r = require(process.argv[1]).results;
const files = JSON.parse(process.argv[2]);
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
for (const x of r) {
  const [name, mode] = x.command.split(" ");
  const what = mode === "cold" ? `writes ${files[name]} files` : mode === "unchanged" ? `writes 0 of ${files[name]} files` : "";
  console.log(`${x.command.padEnd(32)} median ${(x.median * 1000).toFixed(0).padStart(5)} ms   ${(x.median * 1000 / med["anchor-node"]).toFixed(1)}x node -e 0   ${what}`);
}
for (const mode of ["cold", "unchanged"]) console.log(`scaling (${mode}): 2x input (1000 -> 2000 CronJobs) costs ${(med["big-200c-2000cron " + mode] / med["medium-100c-1000cron " + mode]).toFixed(2)}x time`);
' "$results/synth.json" "{$(for n in "${names[@]}"; do printf '"%s":%s,' "$n" "${files[$n]}"; done | sed 's/,$//')}"
