// railyard check against its peers, really built and run (mk/check.mk installs them):
// kube-score v1.20.0 and kubeconform v0.7.0 with the Kubernetes 1.34 JSON schemas.
//
// - On the broken corpus every kube-score finding within railyard's scope, and every
//   object kubeconform -strict rejects, is reported by railyard on the same object.
// - kube-score checks outside the scope are listed, and docs/CHECKS.md justifies each.
// - On the rendered Storecove example kubeconform -strict passes, and kube-score
//   reports only what docs/CHECKS.md justifies or railyard silences with a reason.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { checkObjects, loadManifestDir, type Finding, type K8sObject } from '../../src/check/index.js';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { RBAC_PATH, renderDeployerRbac } from '../../src/render/kubernetes/rbac.js';
import type { App } from '../../src/config/schema.js';

const BIN = resolve('.cache/bin');
const KUBE_VERSION = '1.34.0';
const SCHEMA_LOCATION = `${resolve('.cache/kubeconform-schemas')}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
const BROKEN = 'test/fixtures/check/broken';
const DESIGN = 'test/fixtures/check/design-doc';

/** kube-score checks railyard covers, and the rules that cover them. */
const IN_SCOPE: Record<string, string[]> = {
  'container-image-tag': ['image-tag-latest'],
  'container-resources': ['resources-missing'],
  'container-ephemeral-storage-request-and-limit': ['ephemeral-storage-missing'],
  'container-security-context-readonlyrootfilesystem': ['writable-root-filesystem'],
  'container-security-context-privileged': ['privileged'],
  'container-security-context-user-group-id': ['run-as-root'],
  'cronjob-has-deadline': ['cronjob-policies-missing'],
  'cronjob-restartpolicy': ['job-restart-policy'],
  'deployment-has-poddisruptionbudget': ['pdb-missing'],
  'statefulset-has-poddisruptionbudget': ['pdb-missing'],
  'deployment-targeted-by-hpa-does-not-have-replicas-configured': ['hpa-replicas-conflict'],
  'environment-variable-key-duplication': ['env-invalid'],
  'pod-probes': ['probes-missing'],
  'pod-probes-identical': ['liveness-equals-readiness'],
  'service-targets-pod': ['service-selects-nothing'],
  'ingress-targets-service': ['route-target-missing'],
  'horizontalpodautoscaler-has-target': ['route-target-missing'],
  'label-values': ['label-invalid'],
  'deployment-pod-selector-labels-match-template-metadata-labels': ['selector-template-mismatch'],
  'statefulset-pod-selector-labels-match-template-metadata-labels': ['selector-template-mismatch'],
};

/** kube-score checks railyard leaves out on purpose; docs/CHECKS.md says why for each. */
const OUT_OF_SCOPE = [
  'container-image-pull-policy',
  'pod-networkpolicy',
  'networkpolicy-targets-pod',
  'deployment-has-host-podantiaffinity',
  'statefulset-has-host-podantiaffinity',
  'pod-topology-spread-constraints',
  'deployment-replicas',
  'horizontalpodautoscaler-replicas',
  'deployment-strategy',
  'service-type',
  'stable-version',
  'statefulset-has-servicename',
  'poddisruptionbudget-has-policy',
];

interface ScoreFinding {
  check: string;
  /** kube-score's grade: 1 CRITICAL, 5 or 7 WARNING. */
  grade: number;
  kind: string;
  name: string;
  comments: string[];
}

function tool(name: string): string {
  const path = join(BIN, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: \`make test\` installs it (mk/check.mk)`);
  return path;
}

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** kube-score on the files it can parse (all together, so cross-file references resolve); returns the unparseable ones too. */
function kubeScore(files: string[]): { findings: ScoreFinding[]; unparsed: string[] } {
  const ks = tool('kube-score');
  const unparsed = files.filter((f) => {
    const r = run(ks, ['score', '-o', 'json', f]);
    return r.stdout.trim() === '' && /failed to parse/i.test(r.stderr + r.stdout);
  });
  const parsed = files.filter((f) => !unparsed.includes(f));
  const r = run(ks, ['score', '-o', 'json', ...parsed]);
  const objects = JSON.parse(r.stdout) as { type_meta: { kind: string }; object_meta: { name: string }; checks: { check: { id: string }; grade: number; skipped: boolean; comments: { summary: string }[] | null }[] }[];
  const findings: ScoreFinding[] = [];
  for (const o of objects) {
    for (const c of o.checks) {
      if (c.skipped || c.grade >= 10) continue;
      findings.push({ check: c.check.id, grade: c.grade, kind: o.type_meta.kind, name: o.object_meta.name, comments: (c.comments ?? []).map((x) => x.summary) });
    }
  }
  return { findings, unparsed };
}

interface Conformance {
  /** Every resource kubeconform read (-verbose lists the valid ones too). */
  resources: { filename: string; kind: string; name: string; status: string; msg: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** kubeconform -strict on the paths; its summary counts what it validated, so a run that read nothing cannot pass. */
function kubeconform(paths: string[]): Conformance {
  const r = run(tool('kubeconform'), ['-strict', '-summary', '-verbose', '-output', 'json', '-kubernetes-version', KUBE_VERSION, '-schema-location', SCHEMA_LOCATION, ...paths]);
  const out = JSON.parse(r.stdout) as Partial<Conformance>;
  if (!out.summary) throw new Error(`kubeconform printed no summary: ${r.stdout.slice(0, 500)} ${r.stderr.slice(0, 500)}`);
  // -verbose also lists empty documents (a file that opens with a comment and `---`), with no kind and no status.
  return { resources: (out.resources ?? []).filter((x) => x.kind !== '' || x.status !== ''), summary: out.summary };
}

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out.sort();
}

/** kube-score wants UID/GID above 10000; railyard only wants non-root (docs/CHECKS.md, run-as-root). */
function belowKubeScoreUidThreshold(f: ScoreFinding, objects: K8sObject[]): boolean {
  if (f.check !== 'container-security-context-user-group-id' || !f.comments.every((c) => /low (user|group) ID/.test(c))) return false;
  const o = objects.find((x) => x.kind === f.kind && x.metadata?.name === f.name);
  const spec = o?.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o?.spec?.template?.spec;
  const uid = (c: { securityContext?: { runAsUser?: number } }) => c.securityContext?.runAsUser ?? spec?.securityContext?.runAsUser;
  return Array.isArray(spec?.containers) && spec.containers.every((c: { securityContext?: { runAsUser?: number } }) => Number(uid(c)) > 0);
}

function covered(f: ScoreFinding, findings: Finding[]): boolean {
  return findings.some((r) => IN_SCOPE[f.check]!.includes(r.rule) && r.object.kind === f.kind && r.object.name === f.name);
}

describe('peers on the broken corpus', () => {
  let files: string[];
  let railyard: Finding[];
  let objects: K8sObject[];
  let sourceOf: (o: K8sObject) => { file: string } | undefined;
  beforeAll(async () => {
    files = await yamlFiles(BROKEN);
    const loaded = await loadManifestDir(BROKEN);
    objects = loaded.objects;
    sourceOf = loaded.sourceOf;
    railyard = checkObjects(objects, { sourceOf: loaded.sourceOf, docker: loaded.docker });
  });

  it('railyard finds every in-scope kube-score finding on the same object', () => {
    const { findings } = kubeScore(files);
    expect(findings.length).toBeGreaterThan(20);
    const inScope = findings.filter((f) => IN_SCOPE[f.check] && !belowKubeScoreUidThreshold(f, objects));
    expect(inScope.length).toBeGreaterThan(10);
    const missed = inScope.filter((f) => !covered(f, railyard));
    expect(missed).toEqual([]);
  });

  it('every kube-score check that fired is classified, and docs/CHECKS.md justifies each one left out', () => {
    const { findings } = kubeScore(files);
    const unclassified = [...new Set(findings.map((f) => f.check))].filter((c) => !IN_SCOPE[c] && !OUT_OF_SCOPE.includes(c));
    expect(unclassified).toEqual([]);
    const doc = readFileSync('docs/CHECKS.md', 'utf8');
    for (const id of OUT_OF_SCOPE) expect(doc, `docs/CHECKS.md must justify leaving out ${id}`).toContain(`\`${id}\``);
  });

  it('files kube-score cannot even parse get schema findings from railyard', () => {
    const { unparsed } = kubeScore(files);
    expect(unparsed.map((f) => f.split('/').pop()).sort()).toEqual(['schema.yaml', 'statefulset.yaml']);
    for (const file of unparsed) {
      const inFile = railyard.filter((f) => sourceOf(objects.find((o) => o.kind === f.object.kind && o.metadata?.name === f.object.name)!)?.file.endsWith(file.split('/').pop()!));
      expect(inFile.some((f) => ['schema-invalid', 'unknown-field', 'quantity-invalid'].includes(f.rule)), file).toBe(true);
    }
  });

  it('every object kubeconform -strict rejects has a railyard schema finding', () => {
    const { resources, summary } = kubeconform([BROKEN]);
    // It validated every object railyard read, not none.
    expect(summary).toEqual({ valid: objects.length - 1, invalid: 1, errors: 0, skipped: 0 });
    expect(resources).toHaveLength(objects.length);
    const rejected = resources.filter((r) => r.status !== 'statusValid');
    expect(rejected.map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/shop-typos']);
    for (const r of rejected) {
      const mine = railyard.filter((f) => f.object.kind === r.kind && f.object.name === r.name && ['schema-invalid', 'unknown-field'].includes(f.rule));
      // kubeconform names three problems here: replicas, containerPort, imagePulPolicy.
      expect(mine.map((f) => f.path).sort()).toEqual(['spec.replicas', 'spec.template.spec.containers[0].imagePulPolicy', 'spec.template.spec.containers[0].ports[0].containerPort']);
    }
  });
});

describe('peers on the design document, as written', () => {
  it('kubeconform -strict accepts it (its defects are beyond a schema) and railyard covers kube-score', async () => {
    const loaded = await loadManifestDir(DESIGN);
    const { resources, summary } = kubeconform([DESIGN]);
    expect(resources.filter((r) => r.status !== 'statusValid')).toEqual([]);
    // Accepted means validated: every object of the document, counted.
    expect(summary).toEqual({ valid: loaded.objects.length, invalid: 0, errors: 0, skipped: 0 });
    expect(loaded.objects.length).toBeGreaterThan(20);
    const railyard = checkObjects(loaded.objects, { sourceOf: loaded.sourceOf, docker: loaded.docker });
    const { findings } = kubeScore(await yamlFiles(DESIGN));
    const inScope = findings.filter((f) => IN_SCOPE[f.check] && !belowKubeScoreUidThreshold(f, loaded.objects));
    expect(inScope.filter((f) => !covered(f, railyard))).toEqual([]);
  });
});

describe('peers on the rendered Storecove example', () => {
  let dir: string;
  let railyard: Finding[];
  let objects: K8sObject[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'railyard-peers-'));
    const { app } = await loadConfig('examples/storecove');
    objects = [];
    for (const f of renderManifests(app, { imageTag: 'check' })) {
      const path = join(dir, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.objects.map((o) => stringify(o)).join('---\n'));
      objects.push(...f.objects);
    }
    railyard = checkObjects(objects, { app });
  });

  it('passes kubeconform -strict, every rendered object validated', () => {
    const { resources, summary } = kubeconform([dir]);
    expect(resources.filter((r) => r.status !== 'statusValid')).toEqual([]);
    expect(summary).toEqual({ valid: objects.length, invalid: 0, errors: 0, skipped: 0 });
    expect(objects.length).toBeGreaterThan(30);
    expect(resources.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort());
  });

  it('gets from kube-score only findings docs/CHECKS.md justifies or railyard silences with a reason', async () => {
    const { findings, unparsed } = kubeScore(await yamlFiles(dir));
    expect(unparsed).toEqual([]);
    const unjustified = findings.filter((f) => {
      if (OUT_OF_SCOPE.includes(f.check) || belowKubeScoreUidThreshold(f, objects)) return false;
      if (!IN_SCOPE[f.check]) return true;
      // In scope: acceptable only where railyard reports it too and it is silenced with its reason.
      return !railyard.some((r) => IN_SCOPE[f.check]!.includes(r.rule) && r.object.kind === f.kind && r.object.name === f.name && r.silenced?.reason);
    });
    expect(unjustified.map((f) => `${f.check} ${f.kind}/${f.name}: ${f.comments.join('; ')}`)).toEqual([]);
  });
});

/** docs/CHECKS.md's before/after table: `check grade` → the count kube-score gives now. */
function documentedKubeScore(): Record<string, number> {
  const doc = readFileSync('docs/CHECKS.md', 'utf8');
  const start = doc.indexOf('**kube-score on the rendered example, before and after.**');
  expect(start).toBeGreaterThan(0);
  const rows = doc.slice(start).split('\n\n')[1]!.split('\n').slice(2);
  const out: Record<string, number> = {};
  for (const row of rows) {
    const [, check, grade, , now] = row.split('|').map((c) => c.trim());
    const n = Number(now);
    if (n > 0) out[`${check!.replace(/`/g, '')} ${grade}`] = n;
  }
  return out;
}

async function kubeScoreOfRendered(app: App): Promise<{ table: Record<string, number>; findings: ScoreFinding[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'railyard-kube-score-'));
  try {
    const manifests = renderManifests(app, { imageTag: 'check' });
    const files = [...manifests.map((f) => ({ path: f.path, objects: f.objects as object[] })), { path: RBAC_PATH, objects: renderDeployerRbac(app, manifests, 'check') as object[] }];
    for (const f of files) {
      const path = join(dir, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.objects.map((o) => stringify(o)).join('---\n'));
    }
    const { findings, unparsed } = kubeScore(await yamlFiles(dir));
    expect(unparsed).toEqual([]);
    const table: Record<string, number> = {};
    for (const f of findings) {
      const key = `${f.check} ${f.grade <= 1 ? 'CRITICAL' : 'WARNING'}`;
      table[key] = (table[key] ?? 0) + 1;
    }
    return { table, findings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('kube-score on everything synth renders: exactly the findings docs/CHECKS.md lists', () => {
  it.each(['storecove', 'storecove-gateway'])('%s: the same checks and counts as the table, each one explained there', async (example) => {
    const documented = documentedKubeScore();
    expect(Object.keys(documented).length).toBeGreaterThan(3);
    const { table } = await kubeScoreOfRendered((await loadConfig(`examples/${example}`)).app);
    expect(table).toEqual(documented);
  });

  it('with egress declared, the only pod-networkpolicy finding left is Fluent Bit\'s (its egress stays open)', async () => {
    const { app } = await loadConfig('examples/storecove');
    const declared = { ...app, networkPolicy: { ...app.networkPolicy, egress: { database: { cidrs: ['10.0.0.0/16'], ports: [3306] }, allow: [] } } };
    const { findings } = await kubeScoreOfRendered(declared);
    expect(findings.filter((f) => f.check === 'pod-networkpolicy').map((f) => `${f.kind}/${f.name}`)).toEqual(['DaemonSet/fluent-bit']);
  });

  it('without the Fluent Bit policy, its DaemonSet is a CRITICAL pod-networkpolicy finding again (the test can fail)', async () => {
    const { app } = await loadConfig('examples/storecove');
    const { findings } = await kubeScoreOfRendered({ ...app, networkPolicy: { ...app.networkPolicy, enabled: false } });
    // 24 pod templates: web, 2 workers, 3 consumers, 16 CronJobs, the migration Job and Fluent Bit.
    expect(findings.filter((f) => f.check === 'pod-networkpolicy' && f.grade <= 1).length).toBe(24);
  });
});
