#!/usr/bin/env bash
# Every bench and every real-node suite that publishes figures, one after another at
# ONE commit, for docs/PERFORMANCE.md (issue 17: each figure names the commit it was
# measured at). It refuses a tree whose sources differ from HEAD (the figures would
# belong to no commit), writes each step's output and the load average before and
# after it under RESULTS_DIR (default .cache/bench/<commit>), and goes on past a
# failing step, listing the failures at the end (exit 1 if any).
# Run it on a quiet machine: the figures are wall times on 2 shared cores.
# Usage: bench/all.sh [RESULTS_DIR]   ONLY="synth check" runs just those steps.
# Needs what make test and make e2e install (cluster, podman base image, Kafka,
# MariaDB), and hyperfine, wrk, tini (make bench-runtime-deps bench-init-deps).
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
commit=$(bench_commit)
case $commit in *uncommitted*) echo "bench/all.sh: the sources differ from HEAD; commit first" >&2; exit 2 ;; esac
results=${1:-.cache/bench/$commit}
mkdir -p "$results"
results=$(cd "$results" && pwd)
failed=()

step() {
  local name=$1
  shift
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  local t0=$SECONDS
  echo "== $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$results/all.log" >&2
  if "$@" >"$results/$name.log" 2>&1; then s=ok; else s="FAILED ($?)"; failed+=("$name"); fi
  echo "   $name: $s after $((SECONDS - t0)) s (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$results/all.log" >&2
}

# A real-node suite writes its figures to .cache/*-results.json; keep that run's copy.
node_suite() {
  local file=$1 out=$2
  rm -f ".cache/$out"
  RAILYARD_E2E=1 npx vitest run --project node "$file" && cp ".cache/$out" "$results/$out"
}

echo "bench/all.sh: commit $commit, results in $results" | tee "$results/all.log" >&2
# What the scripts need beyond make test's and make e2e's setup: hyperfine, wrk, tini,
# ruby-webrick, whenever; kube-score and kubeconform for check.sh.
make --no-print-directory bench-runtime-deps bench-init-deps check-peers >"$results/deps.log" 2>&1 || { echo "bench/all.sh: installing the bench tools failed (see $results/deps.log)" >&2; exit 2; }
# No cluster: these start what they need themselves.
step synth bench/synth.sh "$results"
step check bench/check.sh
step init bench/init.sh "$results"
step report bench/report.sh
step runtime bench/runtime.sh "$results"
step runtime-image bench/runtime-image.sh
step images bench/images.sh 3
# 6,000 messages a run: one INSERT each at a few hundred a second keeps the six runs to minutes.
step kafka env MESSAGES=${MESSAGES:-6000} ROUNDS=${ROUNDS:-3} bench/kafka.sh "$results"
# deploy.sh restarts the control plane five times (its start-up figure) and leaves it up.
step deploy bench/deploy.sh "$results"
step diff bench/diff.sh
step day2 bench/day2.sh "$results"
step node-whole-app node_suite test/e2e/node/whole-app.test.ts node-results.json
step node-logship node_suite test/e2e/node/logship.test.ts logship-results.json
step node-kafka node_suite test/e2e/node/kafka.test.ts node-kafka-results.json
step node-day2 node_suite test/e2e/node/day2.test.ts node-day2-results.json

if [ ${#failed[@]} -gt 0 ]; then
  echo "bench/all.sh: failed: ${failed[*]} (logs in $results)" | tee -a "$results/all.log" >&2
  exit 1
fi
echo "bench/all.sh: every step passed at $commit (logs in $results)" | tee -a "$results/all.log" >&2
