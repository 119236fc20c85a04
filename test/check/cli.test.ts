// `railyard check` as a user runs it: a real CLI process over real files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const CLI = resolve('bin/railyard.js');
const DESIGN = 'test/fixtures/check/design-doc';
let dir: string;

function railyard(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonFinding {
  rule: string;
  severity: string;
  object: { kind: string; name: string; namespace: string | null };
  path: string;
  message: string;
  silenced?: { reason: string };
}
function json(args: string[]): { code: number | null; findings: JsonFinding[] } {
  const r = railyard([...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'railyard-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('railyard check --manifests on the design document, as written', () => {
  const { code, findings } = json(['check', '--manifests', DESIGN]);
  const has = (rule: string, name: string, text = '') => findings.some((f) => f.rule === rule && f.object.name === name && f.message.includes(text) && !f.silenced);

  it('exits 1 with errors', () => {
    expect(code).toBe(1);
  });
  it.each([
    ['image-tag-latest', 'rails-server', 'rails-latest'],
    ['image-pull-always-mutable', 'worker-secondary', 'worker-latest'],
    ['image-tag-latest', 'fluent-bit', 'fluent/fluent-bit:latest'],
    ['fluentbit-tail-path-mismatch', 'fluent-bit-config', 'storecove*.log'],
    ['fluentbit-docker-parser', 'fluent-bit-config', 'Parser docker'],
    ['secret-ref-missing', 'rails-server', 'did you mean "storecove-app-rollbar"'],
    ['fluentbit-token-unavailable', 'fluent-bit', 'reads key "token"'],
    ['reference-cross-namespace', 'fluent-bit', 'storecove-app-logzio'],
    ['env-required-missing', 'kafka-sending-status', '$KAFKA_SENDINGSTATUSUPDATE_CONSUMER_GROUP_ID'],
    ['env-required-missing', 'kafka-new-document', '$KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_PASSWORD'],
    ['env-required-missing', 'kafka-received-status', '$KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_USERNAME'],
    ['secret-in-argv', 'kafka-sending-status', '--sasl-password'],
    ['worker-memory-budget', 'worker-secondary', '44 Rails processes × 300 MiB'],
    ['worker-memory-budget', 'worker-primary', '11 Rails processes'],
    ['db-connections-budget', 'worker-secondary', 'above max_connections 151'],
    ['ingress-nginx-retired', 'storecove-app-ingress', ''],
    ['nginx-snippet-annotation', 'storecove-app-ingress', 'server-snippet'],
    ['base-image-eol', 'base', 'ubuntu:focal'],
    ['consumer-max-surge', 'kafka-sending-status', ''],
    ['pdb-missing', 'rails-server', ''],
    ['readonly', 'rails-server', ''],
    ['service-account-token-mounted', 'worker-primary', ''],
    ['cronjob-policies-missing', 'daily-report', 'startingDeadlineSeconds'],
    ['probe-timeout-too-low', 'kafka-sending-status', '(default)'],
    ['hpa-replicas-conflict', 'rails-server', ''],
  ])('finds %s on %s', (rule, name, text) => {
    expect(has(rule === 'readonly' ? 'writable-root-filesystem' : rule, name, text), JSON.stringify(findings.filter((f) => f.object.name === name).map((f) => [f.rule, f.message]))).toBe(true);
  });
  it('does not find what the document got right', () => {
    // Workers: 300 s grace covers DELAYED_JOB_TIMEOUT 280 + 10; the web probes differ.
    expect(findings.filter((f) => ['grace-period-short', 'liveness-equals-readiness', 'schema-invalid', 'unknown-field', 'selector-template-mismatch'].includes(f.rule))).toEqual([]);
  });
});

describe('output formats and exit codes', () => {
  it('prints a readable report grouped by severity, naming rule, object, path, why and fix', () => {
    const r = railyard(['check', '--manifests', DESIGN]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Errors \(\d+\)$/m);
    expect(r.stdout).toMatch(/^Warnings \(\d+\)$/m);
    expect(r.stdout.indexOf('Errors (')).toBeLessThan(r.stdout.indexOf('Warnings ('));
    expect(r.stdout).toContain('  image-tag-latest  Deployment/default/rails-server  spec.template.spec.containers[0].image (test/fixtures/check/design-doc/rails-server.yaml:1)');
    expect(r.stdout).toMatch(/^ {4}why: /m);
    expect(r.stdout).toMatch(/^ {4}fix: /m);
    expect(r.stdout).toMatch(/^\d+ errors, \d+ warnings, \d+ info, 0 silenced$/m);
  });
  it('writes SARIF 2.1.0 with rules, locations and suppressions', () => {
    const r = railyard(['check', '--manifests', DESIGN, '--format', 'sarif', '--ignore', 'pdb-missing']);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('railyard');
    const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
    for (const res of run.results) {
      expect(ids[res.ruleIndex]).toBe(res.ruleId);
      expect(['error', 'warning', 'note']).toContain(res.level);
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^test\/fixtures\/check\/design-doc\//);
      expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    }
    expect(run.results.filter((x: { suppressions?: unknown[] }) => x.suppressions).map((x: { ruleId: string }) => x.ruleId)).toEqual(['pdb-missing', 'pdb-missing', 'pdb-missing']);
  });
  it('writes SARIF that the official SARIF 2.1.0 schema accepts', () => {
    // The schema as @microsoft/jest-sarif ships it, checked with that package's own ajv
    // (its jest matcher needs jest, so the two parts are used directly).
    const fromJestSarif = createRequire(createRequire(import.meta.url).resolve('@microsoft/jest-sarif'));
    const Ajv = fromJestSarif('ajv');
    const ajv = new Ajv({ schemaId: 'auto', validateSchema: false, allErrors: true });
    ajv.addMetaSchema(fromJestSarif('ajv/lib/refs/json-schema-draft-04.json'));
    const validate = ajv.compile(fromJestSarif('./schemas/sarif-2.1.0-rtm.5.json'));
    for (const args of [['--manifests', DESIGN, '--ignore', 'pdb-missing'], ['examples/storecove']]) {
      const sarif = JSON.parse(railyard(['check', ...args, '--format', 'sarif']).stdout);
      expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
    // Config mode points at the config (the rendered files are not in the repository).
    const fromConfig = JSON.parse(railyard(['check', 'examples/storecove', '--format', 'sarif']).stdout);
    const uris = new Set(fromConfig.runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri));
    expect([...uris]).toEqual(['examples/storecove/railyard.config.ts']);
    expect(fromConfig.runs[0].results.some((r: { message: { text: string } }) => r.message.text.includes('(rendered k8s/ingress.yaml)'))).toBe(true);
    // The schema is strict enough to refuse a broken log.
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
  });
  it('exits 0 when only warnings remain, and lists silenced findings with their reason', async () => {
    const m = join(dir, 'warn');
    await mkdir(m, { recursive: true });
    await writeFile(
      join(m, 'cm.yaml'),
      ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: p', '  annotations:', '    railyard.dev/ignore: |', '      writable-root-filesystem: Rails writes tmp/ at boot', '      run-as-root, privilege-escalation: the image is distroless', 'spec:', '  containers:', '    - name: c', '      image: registry.example.com/p:v1.2.3', ''].join('\n'),
    );
    const r = railyard(['check', '--manifests', m, '--ignore', 'resources-missing@pod/p']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('Silenced (4)');
    expect(r.stdout).toMatch(/writable-root-filesystem \[warning\]\s+Pod\/default\/p\s+\S+: Rails writes tmp\/ at boot/);
    expect(r.stdout).toMatch(/resources-missing \[warning\]\s+Pod\/default\/p\s+\S+: ignored with --ignore/);
    const { findings } = json(['check', '--manifests', m, '--ignore', 'resources-missing@Pod/p']);
    expect(findings.find((f) => f.rule === 'run-as-root')?.silenced?.reason).toBe('the image is distroless');
    // --ignore on another object silences nothing.
    expect(json(['check', '--manifests', m, '--ignore', 'resources-missing@Pod/q']).findings.find((f) => f.rule === 'resources-missing')?.silenced).toBeUndefined();
  });
  it('exits 2 and names the file it cannot read', async () => {
    const m = join(dir, 'broken');
    await mkdir(m, { recursive: true });
    await cp(join(DESIGN, 'rails-server.yaml'), join(m, 'ok.yaml'));
    await writeFile(join(m, 'bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n');
    const r = railyard(['check', '--manifests', m]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml');
    expect(r.stdout).toBe('');
    const missing = railyard(['check', '--manifests', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope');
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const none = railyard(['check', '--manifests', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no Kubernetes YAML');
    expect(railyard(['check', '--manifests', DESIGN, '--format', 'xml']).code).toBe(2);
    expect(railyard(['check', '--manifests', DESIGN, '--ignore', 'x@nokind']).code).toBe(2);
  });
  it('with no Secrets in the set, lists what the cluster must hold as info', async () => {
    const m = join(dir, 'nosecrets');
    await mkdir(m, { recursive: true });
    await cp(join(DESIGN, 'worker-primary.yaml'), join(m, 'w.yaml'));
    const { findings } = json(['check', '--manifests', m]);
    const info = findings.filter((f) => f.rule === 'secret-ref-missing');
    expect(info).toHaveLength(1);
    expect(info[0]!.severity).toBe('info');
    expect(info[0]!.message).toContain('storecove-app-db-credentials');
    expect(info[0]!.message).toContain('mysql-ca-cert');
  });
});

describe('railyard check CONFIG (the model and what it renders)', () => {
  it.each(['examples/storecove', 'examples/storecove-gateway'])('%s has no errors and one warning, the document\'s end-of-life ubuntu:focal; each accepted finding silenced with its reason', (example) => {
    const { code, findings } = json(['check', example]);
    expect(findings.filter((f) => f.severity !== 'info' && !f.silenced).map((f) => `${f.rule} ${f.object.kind}/${f.object.name}`)).toEqual(['base-image-eol Dockerfile/base']);
    expect(findings.find((f) => f.rule === 'base-image-eol')!.message).toContain('ubuntu:focal');
    for (const f of findings.filter((f) => f.silenced)) expect(f.silenced!.reason.length, f.rule).toBeGreaterThan(20);
    expect(code).toBe(0);
  });
  it('takes accepted findings from the model’s checks.ignore, reason included, and only for the object named', async () => {
    const cfg = join(dir, 'accepts.config.json');
    const app = { name: 'shop', namespace: 'shop', image: { registry: 'r.example.com', repository: 'shop/app', base: 'ubuntu:focal' }, web: {}, routing: { kind: 'ingress', hosts: [{ name: 'a', host: 'a.example.com', bodySize: '1m', tlsSecret: 'a-tls' }, { name: 'b', host: 'b.example.com', bodySize: '1m', tlsSecret: 'b-tls' }] } };
    await writeFile(cfg, JSON.stringify({ ...app, checks: { ignore: [{ rule: 'ingress-nginx-retired', object: 'Ingress/a', reason: 'migrating next quarter' }, { rule: 'base-image-eol', reason: 'the build stack moves separately' }] } }));
    const { findings } = json(['check', cfg]);
    const retired = findings.filter((f) => f.rule === 'ingress-nginx-retired');
    expect(retired.find((f) => f.object.name === 'a')!.silenced).toEqual({ reason: 'migrating next quarter', by: 'config' });
    expect(retired.find((f) => f.object.name === 'b')!.silenced).toBeUndefined();
    expect(findings.find((f) => f.rule === 'base-image-eol')!.silenced).toEqual({ reason: 'the build stack moves separately', by: 'config' });
  });
  it('finds the model\'s own defects: a budget the model breaks is an error', async () => {
    const cfg = join(dir, 'tight.config.json');
    await writeFile(cfg, JSON.stringify({ name: 'tiny', namespace: 'tiny', image: { registry: 'r.example.com', repository: 'tiny/app' }, database: { maxConnections: 10 }, web: {}, workers: { main: { name: 'worker', pools: '--pool=*:8', resources: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } } }));
    const { code, findings } = json(['check', cfg]);
    expect(code).toBe(1);
    expect(findings.some((f) => f.rule === 'db-connections-budget' && f.message.includes('max_connections 10'))).toBe(true);
    expect(findings.some((f) => f.rule === 'worker-memory-budget' && f.message.includes('8 Rails processes × 300 MiB'))).toBe(true);
  });
});
