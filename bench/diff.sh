#!/usr/bin/env bash
# `railyard diff` of the Storecove example against the running local control plane
# (hyperfine, medians), next to `kubectl diff --server-side -R -f k8s/` on the same
# rendered manifests and the same cluster, in the same hyperfine session (the anchor).
# The app is deployed once (release bench0001) into namespace e2e-diff-bench (no
# logging section: Fluent Bit's namespace is shared), then both diff a new release
# (bench0002): every workload's image changes, so both do the full comparison.
# railyard diff exits 1 (changes) and kubectl diff exits 1 (differences): a run
# counts only with exit 1. The namespace is deleted at the end.
# Needs: the cluster running (RAILYARD_CLUSTER_CACHE, docs/CLUSTER.md), hyperfine, kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
export NO_COLOR=1
RUNS=${RUNS:-10}
DOC=${DOC:-docs/PERFORMANCE.md}
NS=e2e-diff-bench
KC=${KUBECONFIG_BENCH:-${RAILYARD_CLUSTER_CACHE:-.cache/cluster}/run/admin.kubeconfig}
command -v hyperfine >/dev/null || { echo "bench/diff.sh: hyperfine is missing" >&2; exit 2; }
[ -f "$KC" ] || { echo "bench/diff.sh: no kubeconfig at $KC (start the cluster: make cluster-up)" >&2; exit 2; }
bench_build
commit=$(bench_commit)
work=$(mktemp -d)
cleanup() { kubectl --kubeconfig "$KC" delete namespace "$NS" --wait=false --ignore-not-found >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/cfg"
cat > "$work/cfg/railyard.config.ts" <<TS
import { defineApp } from 'railyard';
import storecove from '$PWD/examples/storecove/railyard.config.ts';
export default defineApp({ ...storecove, name: 'diffbench', namespace: '$NS', rollbar: undefined, logging: {}, secrets: storecove.secrets.filter((s) => !s.usedBy.includes('logging')) });
TS
kubectl --kubeconfig "$KC" delete namespace "$NS" --wait=true --timeout=60s --ignore-not-found >/dev/null
kubectl --kubeconfig "$KC" create namespace "$NS" >/dev/null
# The Secrets the deploy's preflight reads, named by the model (bench/lib.sh).
bench_secrets "$work/cfg" "$KC"
node bin/railyard.js deploy "$work/cfg" --image-tag bench0001 --kubeconfig "$KC" --timeout 180 --quiet >/dev/null
node bin/railyard.js synth "$work/cfg" --out "$work/out" --image-tag bench0002 --quiet

railyard_cmd="node bin/railyard.js diff $work/cfg --image-tag bench0002 --kubeconfig $KC >/dev/null; test \$? -eq 1"
kubectl_cmd="KUBECONFIG=$KC kubectl diff --server-side --field-manager railyard --force-conflicts -R -f $work/out/k8s >/dev/null; test \$? -eq 1"
sh -c "$railyard_cmd" || { echo "bench/diff.sh: railyard diff did not exit 1" >&2; exit 1; }
sh -c "$kubectl_cmd" || { echo "bench/diff.sh: kubectl diff did not exit 1" >&2; exit 1; }
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$work/times.json" -n 'railyard diff' "$railyard_cmd" -n 'kubectl diff -R -f k8s/ (anchor)' "$kubectl_cmd"

node --input-type=module - "$work/times.json" "$commit" "$DOC" <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
const [timesPath, commit, docPath] = process.argv.slice(2);
const { results } = JSON.parse(readFileSync(timesPath, 'utf8'));
const r = results[0];
const k = results[1];
const ms = (s) => `${Math.round(s * 1000)} ms`;
const section = `## diff (bench/diff.sh)

Measured at ${commit} with hyperfine (${r.times.length} runs, 1 warm-up) on the local control plane, the
Storecove example deployed (release bench0001, no logging section) and diffed against a new release
(bench0002: every workload's image changes). The anchor is \`kubectl diff --server-side -R -f k8s/\` on the
same rendered manifests, in the same session.

| command | median wall | mean CPU (user+sys) | vs anchor | budget |
| --- | ---: | ---: | ---: | --- |
| \`railyard diff\` | ${ms(r.median)} | ${ms(r.user + r.system)} | ${(r.median / k.median).toFixed(2)}× | ≤ 1.5 s |
| \`kubectl diff -R -f k8s/\` | ${ms(k.median)} | ${ms(k.user + k.system)} | 1 | |
`;
const doc = readFileSync(docPath, 'utf8');
const start = doc.indexOf('## diff (bench/diff.sh)');
const end = start < 0 ? -1 : doc.indexOf('\n## ', start + 1);
writeFileSync(docPath, start < 0 ? doc.trimEnd() + '\n\n' + section : doc.slice(0, start) + section + (end < 0 ? '' : doc.slice(end + 1)));
console.log(section);
JS
