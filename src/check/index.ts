// The stable API of `railyard check`: run every rule over objects, or call one
// API-server validator on its own (the renderer's tests do).
export { checkObjects, activeFindings, parseIgnore, annotationIgnores, DEFAULT_OPTIONS, IGNORE_ANNOTATION, type CheckInput, type IgnoreSpec } from './run.js';
export { RULES, ruleById } from './rules/index.js';
export {
  isDns1123Label,
  isDns1123Subdomain,
  isDns1035Label,
  validateLabelKey,
  validateLabelValue,
  validatePortName,
  validateQuantity,
  parseQuantity,
  validateCronSchedule,
  validateTimeZone,
  validateEnvName,
  isPortableEnvName,
  validateObjectName,
  apiserverProblems,
} from './rules/apiserver.js';
export { loadManifestDir, parseManifests, UnreadableInput, type LoadedManifests } from './load.js';
export { parseDockerfile } from './dockerfile.js';
export { formatText, formatJson, formatSarif } from './report.js';
export { factsFromApp } from './model.js';
export type { Finding, Severity, Rule, K8sObject, ObjectRef, CheckOptions, DockerStage, Family } from './types.js';
