// Parses one workflow file with GitHub's own parser (@actions/workflow-parser)
// and prints {"errors": [...], "jobs": [...]} as JSON. Run with the JSON hook:
//   node --import ./test/workflow/register-json-hook.mjs test/workflow/parse-workflow.mjs FILE
import { readFileSync } from 'node:fs';
import { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from '@actions/workflow-parser';

const file = process.argv[2];
if (!file) {
  console.error('usage: parse-workflow.mjs FILE');
  process.exit(2);
}
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
process.stdout.write(JSON.stringify({ errors, jobs }) + '\n');
