#!/usr/bin/env bash
# Control plane start time and `railyard deploy` wall time on the local cluster
# (hyperfine, medians), against the plain kubectl sequence on the same
# manifests, measured in the same run as the anchor:
#   kubectl apply --server-side migrate/job.yaml; kubectl wait job complete;
#   kubectl apply --server-side -R -f k8s/; kubectl rollout status (each Deployment and the DaemonSet)
# Every timed run deploys a new image tag, so every run is a real rollout.
# Usage: bench/deploy.sh [RESULTS_DIR] [--cold-build]
#   --cold-build also times a from-scratch control-plane build with empty,
#   private Go caches (about 15 minutes on 2 shared cores).
# It builds dist/ first. Needs: make cluster-build, hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
echo "bench/deploy.sh: measuring commit $(bench_commit)" >&2
results=.cache/bench
cold=no
for a in "$@"; do
  case $a in
    --cold-build) cold=yes ;;
    *) results=$a ;;
  esac
done
mkdir -p "$results"
results=$(cd "$results" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$PWD
runs=${RUNS:-10}

if [[ $cold == yes ]]; then
  echo "== cold build (private GOCACHE/GOMODCACHE/binary cache)" >&2
  GOCACHE=$tmp/gocache GOMODCACHE=$tmp/gomod RAILYARD_CLUSTER_CACHE=$tmp/cluster-cache \
    /usr/bin/time -v scripts/cluster/build.sh 2>"$results/cluster-cold-build.txt" || { cat "$results/cluster-cold-build.txt" >&2; exit 1; }
  grep -E 'Elapsed|Maximum resident|binaries|built in' "$results/cluster-cold-build.txt" >&2
  du -sb "$tmp/cluster-cache/bin" >&2
  chmod -R u+w "$tmp/gomod" 2>/dev/null || true
fi

echo "== control plane start (down, then timed up)" >&2
hyperfine --runs 5 --export-json "$results/cluster-up.json" \
  --prepare 'scripts/cluster/down.sh >/dev/null 2>&1' \
  -n cluster-up 'scripts/cluster/up.sh >/dev/null 2>&1'
kubeconfig=$(scripts/cluster/up.sh 2>/dev/null)

# The Storecove example in its own namespace.
ns=bench-deploy
mkdir -p "$tmp/cfg"
cat >"$tmp/cfg/railyard.config.ts" <<EOF
import { defineApp } from 'railyard';
import storecove from '$root/examples/storecove/railyard.config.ts';
// No Rollbar notice (the bench times the deploy); Fluent Bit on the kwok nodes only (the
// real node, when up, has neither its image nor a reason to run it here).
export default defineApp({ ...storecove, namespace: '$ns', rollbar: undefined, logging: { ...storecove.logging, fluentBit: { ...storecove.logging.fluentBit!, scheduling: { nodeSelector: { type: 'kwok' }, tolerations: [] } } } });
EOF
echo 0 >"$tmp/n"
# A new tag per run: its migration Job is new (the name ends in a hash of the tag).
next_tag='n=$(cat '"$tmp"'/n); echo $((n + 1)) >'"$tmp"'/n; printf "b%02dt%05d\n" "$n" "$(( $(date +%s) % 100000 ))" >'"$tmp"'/tag'

# The anchor: what a workflow without railyard would run, on the same rendered files.
cat >"$tmp/kubectl-deploy.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
k() { kubectl --kubeconfig '$kubeconfig' "\$@"; }
out='$tmp/out'
job=\$(k apply --server-side --field-manager railyard --force-conflicts -f "\$out/migrate/job.yaml" -o name)
k wait -n $ns --for=condition=complete --timeout=300s "\$job" >/dev/null
k apply --server-side --field-manager railyard --force-conflicts -R -f "\$out/k8s" >/dev/null
for d in \$(k get deployments -n $ns -o name); do k rollout status -n $ns --timeout=300s "\$d" >/dev/null; done
k rollout status -n logging --timeout=300s daemonset/fluent-bit >/dev/null
EOF
chmod +x "$tmp/kubectl-deploy.sh"

bench_secrets "$tmp/cfg" "$kubeconfig"
echo "== first deploy (creates everything; not timed)" >&2
node bin/railyard.js deploy "$tmp/cfg" --image-tag bench0 --kubeconfig "$kubeconfig" -q >/dev/null

echo "== deploy: railyard vs kubectl apply + rollout status ($runs runs each)" >&2
hyperfine --runs "$runs" --export-json "$results/deploy.json" \
  -n kubectl-apply-rollout-status --prepare "$next_tag; node bin/railyard.js synth $tmp/cfg --out $tmp/out --image-tag \$(cat $tmp/tag) -q" "$tmp/kubectl-deploy.sh" \
  -n railyard-deploy --prepare "$next_tag" "node bin/railyard.js deploy $tmp/cfg --image-tag \$(cat $tmp/tag) --kubeconfig $kubeconfig -q >/dev/null"

node -e '
const up = require(process.argv[1]).results[0];
const r = require(process.argv[2]).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median]));
console.log(`cluster-up median ${up.median.toFixed(2)} s (min ${up.min.toFixed(2)}, max ${up.max.toFixed(2)})`);
for (const x of r) console.log(`${x.command.padEnd(30)} median ${x.median.toFixed(2)} s  (min ${x.min.toFixed(2)}, max ${x.max.toFixed(2)})`);
console.log(`railyard deploy / kubectl sequence: ${(med["railyard-deploy"] / med["kubectl-apply-rollout-status"]).toFixed(2)}x (target <= 1.2x)`);
' "$results/cluster-up.json" "$results/deploy.json"
