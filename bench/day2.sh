#!/usr/bin/env bash
# `railyard status` wall time on the Storecove example deployed to the local
# cluster's kwok nodes (hyperfine, medians), against the anchor measured in
# the same run: the same reads as `kubectl get`s one after another
# (Deployments, Pods, CronJobs, Jobs, Warning Events, the release records, the
# lock Lease). Then the logs fan-in and pretty-printer throughput
# (bench/log-throughput.mjs: a log-heavy stand-in through the same code).
# Usage: bench/day2.sh [RESULTS_DIR]   (RUNS=10 by default)
# It builds dist/ first. Needs: the cluster up (RAILYARD_CLUSTER_CACHE), hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
echo "bench/day2.sh: measuring commit $(bench_commit)" >&2
results=${1:-.cache/bench}
mkdir -p "$results"
results=$(cd "$results" && pwd)
runs=${RUNS:-10}
root=$PWD
kubeconfig=${RAILYARD_CLUSTER_CACHE:-$root/.cache/cluster}/run/admin.kubeconfig
tmp=$(mktemp -d)
ns=bench-day2
trap 'rm -rf "$tmp"; kubectl --kubeconfig "$kubeconfig" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT

mkdir -p "$tmp/cfg"
cat >"$tmp/cfg/railyard.config.ts" <<EOF2
import { defineApp } from 'railyard';
import storecove from '$root/examples/storecove/railyard.config.ts';
export default defineApp({ ...storecove, namespace: '$ns', rollbar: undefined, logging: { ...storecove.logging, fluentBit: { ...storecove.logging.fluentBit!, scheduling: { nodeSelector: { type: 'kwok' }, tolerations: [] } } } });
EOF2
bench_secrets "$tmp/cfg" "$kubeconfig"
node bin/railyard.js deploy "$tmp/cfg" --image-tag benchday2 --kubeconfig "$kubeconfig" -q >&2

cat >"$tmp/kubectl-gets.sh" <<EOF2
k="kubectl --kubeconfig $kubeconfig -n $ns"
\$k get deployments -l app.kubernetes.io/instance=storecove -o json >/dev/null
\$k get pods -l app.kubernetes.io/instance=storecove -o json >/dev/null
\$k get cronjobs -l app.kubernetes.io/instance=storecove -o json >/dev/null
\$k get jobs -l app.kubernetes.io/instance=storecove -o json >/dev/null
\$k get events --field-selector type=Warning -o json >/dev/null
\$k get secrets -l railyard.dev/release-of=storecove -o json >/dev/null
\$k get lease railyard-deploy-storecove -o json >/dev/null
EOF2
node bin/railyard.js status "$tmp/cfg" --kubeconfig "$kubeconfig" >&2 || { echo "status is not healthy: the figure would time a degraded app" >&2; exit 1; }
hyperfine --warmup 2 --runs "$runs" --export-json "$results/day2-status.json" \
  -n 'railyard status' "node bin/railyard.js status $tmp/cfg --kubeconfig $kubeconfig >/dev/null" \
  -n 'kubectl gets, one after another' "bash $tmp/kubectl-gets.sh" \
  -n 'node -e 0' 'node -e 0'
for i in 1 2 3; do node bench/log-throughput.mjs 300000 20; done | tee "$results/day2-log-throughput.txt"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
