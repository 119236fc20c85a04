// Runs the rules over a set of objects and applies silencing.
import type { App } from '../config/schema.js';
import { factsFromApp, emptyFacts } from './model.js';
import { describe as describeRef, podTemplateOf, refOf } from './objects.js';
import { RULES } from './rules/index.js';
import type { CheckContext, CheckOptions, DockerStage, Finding, K8sObject, ModelFacts, ObjectRef, Rule, Severity } from './types.js';

export const IGNORE_ANNOTATION = 'railyard.dev/ignore';

export const DEFAULT_OPTIONS: CheckOptions = {
  defaultNamespace: 'default',
  processRssMiB: 300,
  maxConnections: 151,
  containerRuntime: 'containerd',
  healthResponseSeconds: 5,
  now: new Date(),
};

/** `--ignore RULE` or `--ignore RULE@Kind/name` (kind case-insensitive; `*` matches any rule). */
export interface IgnoreSpec {
  rule: string;
  kind?: string;
  name?: string;
  /** Why; the model's `checks.ignore` always gives one. */
  reason?: string;
  by?: 'flag' | 'config';
}

/** The model's accepted findings (`checks.ignore: [{rule, object: "Kind/name", reason}]`). */
export function configIgnores(app: App | undefined): IgnoreSpec[] {
  return (app?.checks.ignore ?? []).map((i) => {
    const [kind, name] = i.object ? (i.object.split('/') as [string, string]) : [undefined, undefined];
    return { rule: i.rule, ...(kind ? { kind, name } : {}), reason: i.reason, by: 'config' as const };
  });
}

export function parseIgnore(spec: string): IgnoreSpec {
  const [rule, target] = spec.split('@') as [string, string | undefined];
  if (target === undefined) return { rule };
  const slash = target.indexOf('/');
  if (slash < 0) throw new Error(`--ignore ${spec}: write RULE or RULE@Kind/name`);
  return { rule, kind: target.slice(0, slash), name: target.slice(slash + 1) };
}

export interface CheckInput {
  /** The model, when checking railyard's own output: adds declared secrets, budgets, base image. */
  app?: App;
  /** Where each object was read from (for reports and SARIF). */
  sourceOf?: (obj: K8sObject) => { file: string; line?: number } | undefined;
  docker?: DockerStage[];
  options?: Partial<CheckOptions>;
  ignore?: IgnoreSpec[];
  /** Restrict to these rules (tests); default all. */
  rules?: readonly Rule[];
}

/** Reasons an object's annotation gives, by rule id (`RULE: reason`, one per line; `RULE1, RULE2: reason` too). */
export function annotationIgnores(obj: K8sObject): Map<string, string> {
  const out = new Map<string, string>();
  const texts = [obj.metadata?.annotations?.[IGNORE_ANNOTATION], podTemplateMeta(obj)?.annotations?.[IGNORE_ANNOTATION]];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Za-z0-9*,\s-]+?)\s*:\s*(.+?)\s*$/.exec(line);
      if (!m) continue;
      for (const rule of m[1]!.split(',').map((r) => r.trim()).filter(Boolean)) out.set(rule, m[2]!);
    }
  }
  return out;
}

function podTemplateMeta(obj: K8sObject): Record<string, any> | undefined {
  if (!podTemplateOf(obj) || obj.kind === 'Pod') return undefined;
  return obj.kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template?.metadata : obj.spec?.template?.metadata;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** What the rules see: the objects, the options with the model's budgets, the model's facts. `railyard report` builds the same. */
export function checkContext(objects: readonly K8sObject[], input: Pick<CheckInput, 'app' | 'docker' | 'options'> = {}): CheckContext {
  const facts: ModelFacts = input.app ? factsFromApp(input.app) : emptyFacts();
  const options: CheckOptions = { ...DEFAULT_OPTIONS, ...(input.app ? { defaultNamespace: input.app.namespace, processRssMiB: input.app.budgets.processRssMiB, maxConnections: input.app.database.maxConnections, containerRuntime: input.app.logging.fluentBit?.runtime ?? 'containerd' } : {}), ...input.options };
  const valid = objects.filter((o) => o && typeof o === 'object' && !Array.isArray(o));
  return {
    objects: valid,
    options,
    facts,
    docker: input.docker ?? [],
    secretsExternal: facts.secrets.length === 0 && !valid.some((o) => o.kind === 'Secret'),
  };
}

/** The context without objects whose identity is not plain strings: they cannot be referenced or reported by name. */
export function identifiedContext(ctx: CheckContext): CheckContext {
  const identified = ctx.objects.filter(hasPlainIdentity);
  return identified.length === ctx.objects.length ? ctx : { ...ctx, objects: identified };
}

export function checkObjects(objects: readonly K8sObject[], input: CheckInput = {}): Finding[] {
  return runRules(checkContext(objects, input), input);
}

/** The rules over a context already built (`railyard report` reuses it for its capacity view, and so its index). */
export function runRules(ctx: CheckContext, input: Omit<CheckInput, 'options' | 'docker'> = {}): Finding[] {
  const { options } = ctx;
  const valid = ctx.objects;
  // The schema rules report objects without a plain identity; the others skip them.
  const inSet = new Set<unknown>(valid);
  const ignoreSpecs = [...configIgnores(input.app), ...(input.ignore ?? [])];
  const findings: Finding[] = [];
  const identifiedCtx = identifiedContext(ctx);
  for (const rule of input.rules ?? RULES) {
    let raws;
    try {
      raws = rule.check(rule.family === 'schema' ? ctx : identifiedCtx);
    } catch (e) {
      // A rule that trips over odd input must not take the report down with it.
      raws = [{ object: { kind: 'railyard', name: rule.id }, path: '', severity: 'error' as const, message: `rule ${rule.id} failed on this input (${(e as Error).message}); please report it` }];
    }
    for (const raw of raws) {
      const isObject = inSet.has(raw.object);
      const object: ObjectRef = isObject ? refOf(raw.object as K8sObject, options.defaultNamespace) : (raw.object as ObjectRef);
      const f: Finding = { rule: rule.id, severity: raw.severity ?? rule.severity, object, path: raw.path, message: raw.message, why: rule.why, fix: rule.fix };
      const source = raw.source ?? (isObject ? input.sourceOf?.(raw.object as K8sObject) : undefined);
      if (source) f.source = source;
      const ignores = isObject ? annotationIgnores(raw.object as K8sObject) : undefined;
      const reason = ignores ? (ignores.get(rule.id) ?? ignores.get('*')) : undefined;
      if (reason !== undefined) f.silenced = { reason, by: 'annotation' };
      else {
        const spec = ignoreSpecs.find((i) => (i.rule === rule.id || i.rule === '*') && (i.kind === undefined || (i.kind.toLowerCase() === object.kind.toLowerCase() && i.name === object.name)));
        if (spec) f.silenced = { reason: spec.reason ?? 'ignored with --ignore', by: spec.by ?? 'flag' };
      }
      findings.push(f);
    }
  }
  const key = new Map(findings.map((f) => [f, `${ORDER[f.severity]}\0${describeRef(f.object)}\0${f.rule}\0${f.path}`]));
  return findings.sort((a, b) => (key.get(a)! < key.get(b)! ? -1 : key.get(a)! > key.get(b)! ? 1 : 0));
}

const IDENTITY_OK = (v: unknown) => v === undefined || typeof v === 'string';

/** kind, apiVersion, metadata.name and metadata.namespace are strings (or absent), labels and annotations maps of them. */
function hasPlainIdentity(o: K8sObject): boolean {
  const m = o.metadata;
  if (!IDENTITY_OK(o.kind) || !IDENTITY_OK(o.apiVersion)) return false;
  if (m === undefined) return true;
  if (!m || typeof m !== 'object' || Array.isArray(m) || !IDENTITY_OK(m.name) || !IDENTITY_OK(m.namespace)) return false;
  const stringMap = (x: unknown) => x === undefined || (!!x && typeof x === 'object' && !Array.isArray(x) && Object.values(x).every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'));
  return stringMap(m.labels) && stringMap(m.annotations);
}

/** Findings that count towards the exit status. */
export function activeFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => !f.silenced);
}
