// Parses workflow files with GitHub's own parser (@actions/workflow-parser) and
// prints one JSON line per file: {"file", "errors": [...], "jobs": [...]}.
// Run with the JSON hook:
//   node --import ./test/workflow/register-json-hook.mjs test/workflow/parse-workflow.mjs FILE...
import { readFileSync } from 'node:fs';
import { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from '@actions/workflow-parser';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: parse-workflow.mjs FILE...');
  process.exit(2);
}
for (const file of files) {
  const parsed = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  let jobs = [];
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of template.errors ?? []) errors.push(e.Message);
    jobs = (template.jobs ?? []).map((j) => ({ id: j.id.value, needs: (j.needs ?? []).map((n) => n.value), steps: (j.steps ?? []).length }));
  } else {
    errors.push('the parser returned no workflow');
  }
  process.stdout.write(JSON.stringify({ file, errors, jobs }) + '\n');
}
