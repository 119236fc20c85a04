#!/usr/bin/env bash
# Measures `railyard report` with hyperfine and rewrites the "report" section of
# docs/PERFORMANCE.md:
#   1. the Storecove example;
#   2. the generated config with 2,000 CronJobs (bench/gen-config.mjs: 200
#      components, 2,000 CronJobs): the 2 s and 5 MB budget.
# Anchor, in the same hyperfine sessions: `railyard check` on the same config (the
# report runs check, then draws). A run counts only when railyard exits 0 and wrote
# an HTML file. Needs: hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
export NO_COLOR=1

RUNS=${RUNS:-10}
DOC=${DOC:-docs/PERFORMANCE.md}
command -v hyperfine >/dev/null || { echo "bench/report.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
bench_build
commit=$(bench_commit)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node bench/gen-config.mjs "$work/big" 200 2000
report_cmd() { echo "node bin/railyard.js report $1 --week 2026-11-30 --out $2 && test -s $2"; }
check_cmd() { echo "node bin/railyard.js check $1 >/dev/null; test \$? -le 1"; }

hyperfine --style basic --runs "$RUNS" --warmup 2 --export-json "$work/times.json" \
  -n 'report storecove' "$(report_cmd examples/storecove "$work/storecove.html")" \
  -n 'check storecove (anchor)' "$(check_cmd examples/storecove)" \
  -n 'report 2,000 CronJobs' "$(report_cmd "$work/big" "$work/big.html")" \
  -n 'check 2,000 CronJobs (anchor)' "$(check_cmd "$work/big")"

node --input-type=module - "$work/times.json" "$commit" "$DOC" "$(stat -c %s "$work/storecove.html")" "$(stat -c %s "$work/big.html")" <<'JS'
import { readFileSync, writeFileSync } from 'node:fs';
const [timesPath, commit, docPath, smallBytes, bigBytes] = process.argv.slice(2);
const { results } = JSON.parse(readFileSync(timesPath, 'utf8'));
const row = (name) => results.find((r) => r.command === name);
const med = (name) => row(name).median * 1000;
const cpu = (name) => (row(name).user + row(name).system) * 1000;
const ms = (n) => `${Math.round(n)} ms`;
const mb = (b) => `${(Number(b) / 1e6).toFixed(2)} MB`;
const line = (name, anchor, budget, size) => `| \`railyard ${name}\` | ${ms(med(name))} | ${ms(cpu(name))} | ${(med(name) / med(anchor)).toFixed(2)}× \`${anchor.replace(' (anchor)', '')}\` | ${size} | ${budget} |`;
const section = `## report (bench/report.sh)

Measured at ${commit} with hyperfine (${results[0].times.length} runs, 2 warm-up), \`--week 2026-11-30\`.
The anchor is \`railyard check\` on the same config in the same session: the report runs the
same render and rules, then the capacity sums, the cron week and the HTML.

| command | median wall | mean CPU (user+sys) | vs anchor | HTML size | budget |
| --- | ---: | ---: | ---: | ---: | --- |
${line('report storecove', 'check storecove (anchor)', '', mb(smallBytes))}
${line('report 2,000 CronJobs', 'check 2,000 CronJobs (anchor)', '≤ 2 s, ≤ 5 MB', mb(bigBytes))}
| \`railyard check storecove\` | ${ms(med('check storecove (anchor)'))} | ${ms(cpu('check storecove (anchor)'))} | | | |
| \`railyard check 2,000 CronJobs\` | ${ms(med('check 2,000 CronJobs (anchor)'))} | ${ms(cpu('check 2,000 CronJobs (anchor)'))} | | | |
`;
const doc = readFileSync(docPath, 'utf8');
const start = doc.indexOf('## report (bench/report.sh)');
const end = start < 0 ? -1 : doc.indexOf('\n## ', start + 1);
writeFileSync(docPath, start < 0 ? doc.trimEnd() + '\n\n' + section : doc.slice(0, start) + section + (end < 0 ? '' : doc.slice(end + 1)));
console.log(section);
JS
