// Which workload is the web tier, a worker or a consumer: with a config the model
// says so; with --manifests the role is inferred from what the container runs
// (railyard's runtime target, RAILYARD_WORKER_COMMAND, a racecar / delayed_job /
// Puma command), never from a name that merely starts with "kafka", and every
// finding that rests on an inferred role says so.
import { describe, expect, it } from 'vitest';
import { checkObjects, type Finding } from '../../src/check/index.js';
import type { DockerStage, K8sObject } from '../../src/check/types.js';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { baseline, container, find, OPTIONS, podSpec } from './baseline.js';

const messages = (findings: Finding[], rule: string, name?: string) => findings.filter((f) => f.rule === rule && (name === undefined || f.object.name === name)).map((f) => f.message);

/** The image stage railyard renders: tini, then the runtime, which reads its target from the args. */
const runtimeStage = (name: string, extra: Partial<DockerStage> = {}): DockerStage => ({ name, from: 'app-base', env: {}, entrypoint: ['tini', '--', 'node', '/opt/railyard/runtime.cjs', 'run'], source: { file: 'Dockerfile', line: 60 }, ...extra });

describe('with a config, the model gives the role', () => {
  it('a web tier stays the web tier whatever env it carries (DELAYED_JOB_POOLS made it a worker before)', async () => {
    const { app } = await loadConfig('examples/storecove');
    app.web.env = { ...app.web.env, DELAYED_JOB_POOLS: '--pool=*:8' };
    const objects = renderManifests(app, { imageTag: 'roles01' }).flatMap((f) => f.objects) as K8sObject[];
    const findings = checkObjects(objects, { app, options: { maxConnections: 1 } });
    const [budget] = messages(findings, 'db-connections-budget');
    expect(budget).toContain(`rails-server: ${app.web.replicas.max} × ${app.web.threads.max} threads = ${app.web.replicas.max * app.web.threads.max}`);
    expect(budget).not.toMatch(/rails-server: \d+ × \(/);
    expect(messages(findings, 'worker-memory-budget', 'rails-server')).toEqual([]);
    // Every consumer of the model is counted as one, and nothing is said to be inferred.
    for (const c of Object.values(app.consumers)) expect(budget).toContain(`${c.name}: ${c.replicas.max} × 1 = ${c.replicas.max}`);
    expect(findings.map((f) => f.message).join('\n')).not.toMatch(/inferred|no config says so/);
  });
});

describe('with --manifests, the role is inferred from what the container runs', () => {
  /** A Deployment like the baseline's consumer, renamed, with a container edit. */
  function likeConsumer(objects: K8sObject[], name: string, edit: (c: Record<string, any>, o: K8sObject) => void): K8sObject {
    const o = structuredClone(find(objects, 'Deployment', 'consumer'));
    o.metadata.name = name;
    o.metadata.labels.component = name;
    o.spec.selector.matchLabels.component = name;
    o.spec.template.metadata.labels.component = name;
    o.spec.template.spec.containers[0].image = `registry.example.com/shop:${name}-0123abc`;
    edit(o.spec.template.spec.containers[0], o);
    return o;
  }

  it('a PROCESS_TARGET that starts with "kafka" does not by itself make a consumer', () => {
    const objects = baseline();
    const exporter = likeConsumer(objects, 'kafka-lag-exporter', (c, o) => {
      c.command = ['bundle', 'exec', 'rails', 'runner', 'LagExporter.run'];
      c.env.push({ name: 'PROCESS_TARGET', value: 'kafka-lag-exporter' });
      delete o.spec.strategy; // maxSurge 25%: would be a consumer-max-surge warning on a consumer
    });
    const findings = checkObjects([...objects, exporter], { options: OPTIONS });
    expect(messages(findings, 'consumer-max-surge', 'kafka-lag-exporter')).toEqual([]);
  });

  it("railyard's runtime target makes a consumer without a racecar command in sight, and the finding says the role was inferred", () => {
    const objects = baseline();
    const orders = likeConsumer(objects, 'orders', (c, o) => {
      delete c.command;
      c.args = ['kafka-orders', '--', 'bin/consume'];
      delete o.spec.strategy;
    });
    const findings = checkObjects([...objects, orders], { options: OPTIONS, docker: [runtimeStage('orders')] });
    expect(messages(findings, 'consumer-max-surge', 'orders')).toEqual(['consumer rolls with maxSurge 25% (default); taken for a consumer from railyard\'s runtime target "kafka-orders" (no config says so)']);
  });

  it('the runtime reads PROCESS_TARGET when its args name no target, and so does the check', () => {
    const objects = baseline();
    const orders = likeConsumer(objects, 'orders', (c, o) => {
      delete c.command;
      o.spec.template.spec.terminationGracePeriodSeconds = 10;
    });
    const stage = runtimeStage('orders', { env: { PROCESS_TARGET: 'kafka-orders' }, cmd: ['--', 'bin/consume'] });
    const findings = checkObjects([...objects, orders], { options: OPTIONS, docker: [stage] });
    expect(messages(findings, 'grace-period-short', 'orders')).toEqual(['10 s does not exceed the offset-commit interval (10 s); taken for a consumer from railyard\'s runtime target "kafka-orders" (no config says so)']);
  });

  it('a runtime task (migrate, cronjob-…) is neither a worker nor a consumer, whatever else it carries', () => {
    const objects = baseline();
    const job = likeConsumer(objects, 'kafka-backfill', (c) => {
      delete c.command;
      c.args = ['migrate', '--', 'bundle', 'exec', 'racecar', 'Backfill'];
      c.env.push({ name: 'DELAYED_JOB_POOLS', value: '--pool=*:40' });
    });
    const findings = checkObjects([...objects, job], { options: { ...OPTIONS, maxConnections: 1 }, docker: [runtimeStage('kafka-backfill')] });
    expect(messages(findings, 'consumer-max-surge', 'kafka-backfill')).toEqual([]);
    expect(messages(findings, 'worker-memory-budget', 'kafka-backfill')).toEqual([]);
    expect(messages(findings, 'db-connections-budget')[0]).not.toContain('kafka-backfill');
  });

  it('RAILYARD_WORKER_COMMAND makes a worker (the runtime reads it for workers only)', () => {
    const objects = baseline();
    const w = container(objects, 'Deployment', 'worker');
    w.env = w.env.filter((e: { name: string }) => e.name !== 'DELAYED_JOB_POOLS');
    w.env.push({ name: 'RAILYARD_WORKER_COMMAND', value: 'bin/work' });
    podSpec(objects, 'Deployment', 'worker').terminationGracePeriodSeconds = 30;
    const findings = checkObjects(objects, { options: OPTIONS });
    expect(messages(findings, 'grace-period-short', 'worker')).toEqual(['30 s is below DELAYED_JOB_TIMEOUT (60 s) + 10 s; taken for a worker from RAILYARD_WORKER_COMMAND (no config says so)']);
  });

  it('the connection budget names every role it inferred and the signal for each', () => {
    const findings = checkObjects(baseline(), { options: { ...OPTIONS, maxConnections: 1 } });
    expect(messages(findings, 'db-connections-budget')[0]).toMatch(/\. Roles inferred without a config: web for web \(its Puma command\); worker for worker \(DELAYED_JOB_POOLS\); consumer for consumer \(its racecar command\)$/);
  });
});
