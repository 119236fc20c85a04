#!/usr/bin/env bash
# Measures `railyard check` with hyperfine, next to kube-score and kubeconform on the
# same inputs in the same run, and rewrites the "check" section of docs/PERFORMANCE.md.
#   1. the Storecove example: `railyard check examples/storecove` (config, render,
#      check: the 300 ms budget) and `--manifests` on its rendered k8s/ folder;
#   2. 5,000 generated objects (copies of the rendered app, renamed): the 3 s budget.
# It builds dist/ first. A railyard run counts only when it exits with the code its
# input calls for and prints its report (a crash also exits 1, without one); the
# peers exit 1 when they find something, so for them exit 0 and 1 both count.
# Needs: make check-peers (kube-score, kubeconform, schemas), hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
export PATH="$PWD/.cache/bin:$PATH" NO_COLOR=1

RUNS=${RUNS:-10}
OBJECTS=${OBJECTS:-5000}
# Where the section is written (a trial run can point this at a copy).
DOC=${DOC:-docs/PERFORMANCE.md}
for tool in hyperfine kube-score kubeconform; do
  command -v "$tool" >/dev/null || { echo "bench/check.sh: $tool is missing (make check-peers; apt-get install hyperfine)" >&2; exit 2; }
done
bench_build
commit=$(bench_commit)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node bin/railyard.js synth examples/storecove --out "$work/storecove" --image-tag bench0000000 --quiet
app="$work/storecove/k8s"

# 5,000 objects: the rendered app copied with every name suffixed, one file per copy.
node --input-type=module - "$app" "$work/generated" "$OBJECTS" <<'JS'
import { readdirSync, readFileSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
const [src, out, want] = process.argv.slice(2);
const files = [];
const walk = (d) => { for (const e of readdirSync(d)) { const p = join(d, e); statSync(p).isDirectory() ? walk(p) : p.endsWith('.yaml') && files.push(p); } };
walk(src);
const objects = files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS()).filter(Boolean));
mkdirSync(out, { recursive: true });
let n = 0;
for (let copy = 0; n < Number(want); copy++) {
  const docs = [];
  for (const o of objects) {
    if (n >= Number(want)) break;
    const c = structuredClone(o);
    if (c.kind !== 'Namespace') c.metadata.name = `${c.metadata.name}-${copy}`.slice(0, c.kind === 'CronJob' ? 52 : 63).replace(/-+$/, '');
    docs.push(stringify(c));
    n++;
  }
  writeFileSync(join(out, `copy-${copy}.yaml`), docs.join('---\n'));
}
console.error(`generated ${n} objects in ${out}`);
JS

schemas="$PWD/.cache/kubeconform-schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
kubeconform_cmd() { echo "kubeconform -strict -summary -kubernetes-version 1.34.0 -schema-location '$schemas' $1"; }
app_files=$(find "$app" -name '*.yaml' | sort | tr '\n' ' ')
gen_files=$(find "$work/generated" -name '*.yaml' | sort | tr '\n' ' ')

# railyard_cmd CODE ARGS…: the command hyperfine times. It fails the benchmark unless
# railyard exits CODE and prints its report's summary line ("… info, … silenced").
# The codes are what these inputs call for: the example has warnings only (0); the
# --manifests runs have no model and find errors (1: the connection budget).
railyard_cmd() {
  local want=$1
  shift
  echo "out=\$(node bin/railyard.js $*); test \$? -eq $want && case \"\$out\" in *' info, '*' silenced'*) ;; *) exit 99 ;; esac"
}
# peer_cmd COMMAND…: a finding makes a peer exit 1; that is a result, not a failure.
peer_cmd() { echo "$* >/dev/null 2>&1; test \$? -le 1"; }

# Untimed, once: each command does what is timed (railyard: its exit code and report;
# the peers: they read the objects, not just exit 1 on a missing file).
check_once() { sh -c "$1" >/dev/null 2>&1 || { echo "bench/check.sh: this command does not run as benchmarked: $1" >&2; exit 1; }; }
peers_read() { # peers_read DIR FILES…
  local dir=$1
  shift
  local out
  out=$(kubeconform -strict -summary -kubernetes-version 1.34.0 -schema-location "$schemas" "$dir" 2>&1 || true)
  grep -Eq 'Valid: [1-9]' <<<"$out" || { echo "bench/check.sh: kubeconform validated nothing in $dir: $out" >&2; exit 1; }
  out=$(kube-score score "$@" 2>&1 || true)
  grep -q 'Deployment' <<<"$out" || { echo "bench/check.sh: kube-score scored no Deployment in $dir" >&2; exit 1; }
}
check_once "$(railyard_cmd 0 check examples/storecove)"
check_once "$(railyard_cmd 1 check --manifests "$app")"
check_once "$(railyard_cmd 1 check --manifests "$work/generated")"
# shellcheck disable=SC2086
peers_read "$app" $app_files
# shellcheck disable=SC2086
peers_read "$work/generated" $gen_files

hyperfine --style basic --runs "$RUNS" --warmup 2 --export-json "$work/app.json" \
  -n 'node -e 0 (Node start)' "node -e 0" \
  -n 'railyard check examples/storecove' "$(railyard_cmd 0 check examples/storecove)" \
  -n 'railyard check --manifests (storecove k8s/)' "$(railyard_cmd 1 check --manifests "$app")" \
  -n 'kube-score (storecove k8s/)' "$(peer_cmd kube-score score "$app_files")" \
  -n 'kubeconform -strict (storecove k8s/)' "$(peer_cmd "$(kubeconform_cmd "$app")")"

hyperfine --style basic --runs "$(( RUNS < 5 ? RUNS : 5 ))" --warmup 1 --export-json "$work/gen.json" \
  -n "railyard check --manifests ($OBJECTS objects)" "$(railyard_cmd 1 check --manifests "$work/generated")" \
  -n "kube-score ($OBJECTS objects)" "$(peer_cmd kube-score score "$gen_files")" \
  -n "kubeconform -strict ($OBJECTS objects)" "$(peer_cmd "$(kubeconform_cmd "$work/generated")")"

node --input-type=module - "$work/app.json" "$work/gen.json" "$OBJECTS" "$commit" "$DOC" <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';
const [appJson, genJson, objects, commit, docPath] = process.argv.slice(2);
const rows = [...JSON.parse(readFileSync(appJson, 'utf8')).results, ...JSON.parse(readFileSync(genJson, 'utf8')).results];
const row = (name) => rows.find((r) => r.command === name);
const med = (name) => row(name).median * 1000;
// CPU time (user + system, mean) suffers less than wall time from a busy shared machine.
const cpu = (name) => (row(name).user + row(name).system) * 1000;
const ms = (v) => `${Math.round(v)} ms`;
const app = med('railyard check examples/storecove');
const appManifests = med('railyard check --manifests (storecove k8s/)');
const gen = med(`railyard check --manifests (${objects} objects)`);
const line = (name, budget) => `| ${name} | ${ms(med(name))} | ${ms(cpu(name))} | ${budget ?? ''} |`;
const ratio = (a, b) => (med(a) / med(b)).toFixed(2);
const section = `## check (bench/check.sh)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit}, on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()[0].toFixed(1)} at the end
(the machine is shared; the anchors ran in the same hyperfine sessions, so the ratios hold better than the absolute times).
Median wall time of ${rows[0].times.length} runs (${objects} objects: ${rows.at(-1).times.length} runs), kube-score v1.20.0 and kubeconform v0.7.0 (-strict, Kubernetes 1.34 schemas) on the same inputs.
A railyard run counted only if it exited as its input calls for (0 for the example, 1 for --manifests, which has no model and finds the connection-budget error) and printed its report; the peers exit 1 on findings, so their 0 and 1 both count.

| command | median wall | mean CPU (user+sys) | budget (wall) |
| --- | --- | --- | --- |
${line('node -e 0 (Node start)')}
${line('railyard check examples/storecove', '≤ 300 ms ' + (app <= 300 ? '(met)' : '(NOT met)'))}
${line('railyard check --manifests (storecove k8s/)')}
${line('kube-score (storecove k8s/)')}
${line('kubeconform -strict (storecove k8s/)')}
${line(`railyard check --manifests (${objects} objects)`, '≤ 3 s ' + (gen <= 3000 ? '(met)' : '(NOT met)'))}
${line(`kube-score (${objects} objects)`)}
${line(`kubeconform -strict (${objects} objects)`)}

Ratios (railyard ÷ peer, same input): Storecove --manifests vs kube-score ${ratio('railyard check --manifests (storecove k8s/)', 'kube-score (storecove k8s/)')}, vs kubeconform ${ratio('railyard check --manifests (storecove k8s/)', 'kubeconform -strict (storecove k8s/)')};
${objects} objects vs kube-score ${ratio(`railyard check --manifests (${objects} objects)`, `kube-score (${objects} objects)`)}, vs kubeconform ${ratio(`railyard check --manifests (${objects} objects)`, `kubeconform -strict (${objects} objects)`)}.
\`node -e 0\` is the floor any Node CLI pays before its first line runs (${ms(med('node -e 0 (Node start)'))} wall here).

`;
const doc = readFileSync(docPath, 'utf8');
const start = doc.indexOf('## check (bench/check.sh)');
const end = doc.indexOf('\n## ', start + 1);
if (start < 0) throw new Error(`${docPath} has no "## check (bench/check.sh)" section`);
writeFileSync(docPath, doc.slice(0, start) + section + (end < 0 ? '' : doc.slice(end + 1)));
console.log(section);
JS
