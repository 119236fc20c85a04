#!/usr/bin/env node
// Prints the failed tests of a vitest JSON report (--reporter=json) as the
// last lines of a run. CI keeps only the tail of a long log, and vitest's own
// "Failed Tests" section comes before its summary and any unhandled errors,
// so without this a failure's name can be cut off.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: failures.mjs REPORT.json');
  process.exit(2);
}
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`failures.mjs: no readable vitest report at ${file}: ${err.message}`);
  process.exit(0);
}
const strip = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, '');
const failed = [];
for (const suite of report.testResults ?? []) {
  const rel = suite.name.replace(process.cwd() + '/', '');
  const tests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
  for (const t of tests) failed.push({ where: `${rel} > ${t.fullName}`, why: (t.failureMessages ?? []).join('\n') });
  // A file that failed outside any test (a hook, an import) has no failed test.
  if (suite.status === 'failed' && tests.length === 0) failed.push({ where: rel, why: suite.message ?? '' });
}
if (failed.length === 0) process.exit(0);
console.log(`\n== ${failed.length} failed (from ${file})`);
for (const f of failed) {
  console.log(`✗ ${f.where}`);
  const lines = strip(f.why).split('\n').filter((l) => l.trim() && !/node_modules|<anonymous>|node:internal/.test(l)).slice(0, 4);
  for (const l of lines) console.log(`    ${l.slice(0, 300)}`);
}
