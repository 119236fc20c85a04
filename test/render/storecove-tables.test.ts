// Every table of the design document, found in what `railyard synth` renders
// for examples/storecove. Where railyard deliberately departs from a table
// (a documented defect), the test pins the departure instead.
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { App } from '../../src/config/schema.js';
import { synthesize } from '../../src/render/index.js';
import { DESIGN } from '../fixtures/design-tables.js';

type Obj = Record<string, any>;
let app: App;
let objects: Obj[];
let byPath: Map<string, Obj[]>;

const TAG = '0123456789abcdef0123456789abcdef01234567';

beforeAll(async () => {
  app = (await loadConfig('examples/storecove')).app;
  const { files } = synthesize(app, { imageTag: TAG, source: 'railyard.config.ts' });
  byPath = new Map(files.filter((f) => f.path.endsWith('.yaml')).map((f) => [f.path, f.content.split(/^---$/m).map((d) => parse(d) as Obj)]));
  objects = [...byPath.values()].flat();
});

const consumerTargets = DESIGN.targets.filter((t): t is Extract<(typeof DESIGN.targets)[number], { consumerClass: string }> => 'consumerClass' in t);
const find = (kind: string, name: string): Obj => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} rendered`);
  return o;
};
const container = (d: Obj): Obj => (d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template.spec : d.spec.template.spec).containers[0];
const envValue = (c: Obj, name: string) => c.env.find((e: Obj) => e.name === name)?.value;
const envFrom = (c: Obj) => c.envFrom.map((e: Obj) => e.secretRef.name).sort();

describe('files', () => {
  it('writes the deployment files the document names, and one file per CronJob', () => {
    for (const name of ['rails-server', 'worker-primary', 'worker-secondary', 'kafka-sending-status', 'kafka-new-document', 'kafka-received-status']) {
      expect(byPath.has(`k8s/${name}.yaml`), name).toBe(true);
    }
    expect(byPath.get('k8s/rails-server.yaml')!.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']);
    for (const c of DESIGN.cronjobs) expect(byPath.has(`k8s/cronjobs/${c.name}.yaml`), c.name).toBe(true);
    expect(byPath.has('k8s/ingress.yaml')).toBe(true);
    expect(byPath.has('k8s/logging/fluent-bit.yaml')).toBe(true);
  });
});

describe('process types and ports', () => {
  it('runs each target’s process, pinned to the commit tag', () => {
    const web = container(find('Deployment', 'rails-server'));
    expect(web.image).toBe(`storecove.c1.gra9.container-registry.ovh.net/storecove/storecove-app:rails-${TAG}`);
    expect(web.args.slice(0, 2)).toEqual(['server', '--']);
    expect(web.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    for (const t of consumerTargets) {
      const c = container(find('Deployment', t.target));
      expect(c.image.endsWith(`:${t.target}-${TAG}`)).toBe(true);
      expect(c.args).toEqual([t.processTarget, '--', 'bundle', 'exec', 'racecar', t.consumerClass]);
      expect(c.ports[0].containerPort).toBe(t.port);
      expect(envValue(c, 'PROCESS_TARGET')).toBe(t.processTarget);
    }
    for (const w of ['worker-primary', 'worker-secondary']) {
      const c = container(find('Deployment', w));
      expect(c.image.endsWith(`:worker-${TAG}`)).toBe(true);
      expect(c.args).toEqual([w]);
    }
    expect(objects.filter((o) => JSON.stringify(o).includes('latest'))).toEqual([]);
  });
});

describe('DELAYED_JOB_POOLS', () => {
  it.each(Object.entries(DESIGN.pools))('%s carries the document’s string exactly', (name, pools) => {
    expect(envValue(container(find('Deployment', name)), 'DELAYED_JOB_POOLS')).toBe(pools);
  });
});

describe('env var table', () => {
  it('sets the table’s vars with its defaults where the component uses them', () => {
    const web = container(find('Deployment', 'rails-server'));
    expect(envValue(web, 'RAILS_ENV')).toBe('production');
    expect(envValue(web, 'RAILS_LOG_TO_STDOUT')).toBe('true');
    expect(envValue(web, 'RAILS_SERVE_STATIC_FILES')).toBe('true');
    expect(envValue(web, 'RAILS_MAX_THREADS')).toBe('5');
    expect(envValue(web, 'RAILS_MIN_THREADS')).toBe('5');
    expect(envValue(web, 'DB_POOL')).toBe('5');
    expect(envValue(web, 'PROCESS_TARGET')).toBe('server');
    for (const w of ['worker-primary', 'worker-secondary']) {
      const c = container(find('Deployment', w));
      expect(envValue(c, 'DELAYED_JOB_TIMEOUT')).toBe('280');
      expect(envValue(c, 'HEALTH_PORT')).toBe('3001');
      expect(envValue(c, 'PROCESS_TARGET')).toBe(w);
    }
    for (const t of consumerTargets) expect(envValue(container(find('Deployment', t.target)), 'HEALTH_PORT')).toBe(String(t.port));
    // Every app container gets the downward-API pair and the CA path.
    for (const o of objects.filter((o) => ['Deployment', 'CronJob', 'Job'].includes(o.kind))) {
      const c = container(o);
      const names = c.env.map((e: Obj) => e.name);
      expect(names).toEqual(expect.arrayContaining(['RAILS_ENV', 'PROCESS_TARGET', 'POD_NAME', 'POD_NAMESPACE', 'MYSQL_SSL_CA']));
      expect(c.env.find((e: Obj) => e.name === 'POD_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
      expect(c.env.find((e: Obj) => e.name === 'POD_NAMESPACE').valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
      expect(envValue(c, 'MYSQL_SSL_CA')).toBe('/etc/ssl/mysql/ca-cert.pem');
    }
  });

  it('gives DATABASE_* through the db secret (the table’s DATABASE_URL is what no secret provided) and LOGZIO_TOKEN only to Fluent Bit', () => {
    const db = app.secrets.find((s) => s.name === 'storecove-app-db-credentials')!;
    expect(db.keys).toEqual(['DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_USERNAME', 'DATABASE_PASSWORD', 'DATABASE_NAME']);
    for (const o of objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'storecove')) {
      expect(envFrom(container(o))).toContain('storecove-app-db-credentials');
      expect(JSON.stringify(container(o))).not.toContain('LOGZIO_TOKEN');
    }
    const fb = container(find('DaemonSet', 'fluent-bit'));
    expect(fb.env).toEqual([{ name: 'LOGZIO_TOKEN', valueFrom: { secretKeyRef: { name: 'storecove-app-logzio', key: 'LOGZIO_TOKEN' } } }]);
  });

  it('gives racecar its KAFKA_* credentials as RACECAR_* env from the kafka secret, never in argv', () => {
    const expected: Record<string, [string, string, string]> = {
      'kafka-sending-status': ['KAFKA_SENDINGSTATUSUPDATE_CONSUMER_GROUP_ID', 'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_USERNAME', 'KAFKA_SENDINGSTATUSUPDATE_CONSUMER_PASSWORD'],
      'kafka-new-document': ['KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_GROUP', 'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_USERNAME', 'KAFKA_NEWDOCUMENTNOTIFICATION_CONSUMER_PASSWORD'],
      'kafka-received-status': ['KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_GROUP', 'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_USERNAME', 'KAFKA_RECEIVEDDOCUMENTSTATUS_CONSUMER_PASSWORD'],
    };
    const kafkaKeys = app.secrets.find((s) => s.name === 'storecove-app-kafka-credentials')!.keys;
    for (const [name, [group, user, password]] of Object.entries(expected)) {
      const c = container(find('Deployment', name));
      const ref = (env: string) => c.env.find((e: Obj) => e.name === env)?.valueFrom?.secretKeyRef;
      expect(ref('RACECAR_GROUP_ID')).toEqual({ name: 'storecove-app-kafka-credentials', key: group });
      expect(ref('RACECAR_SASL_USERNAME')).toEqual({ name: 'storecove-app-kafka-credentials', key: user });
      expect(ref('RACECAR_SASL_PASSWORD')).toEqual({ name: 'storecove-app-kafka-credentials', key: password });
      expect(kafkaKeys).toEqual(expect.arrayContaining([group, user, password]));
      expect(c.args.join(' ')).not.toMatch(/sasl|password|group-id/i);
    }
  });
});

describe('secrets table and its "Used By" column', () => {
  const usedByToRoles: Record<string, string[]> = {
    All: ['web', 'cron', 'workers', 'consumers'],
    'All (mounted as volume)': ['web', 'cron', 'workers', 'consumers'],
    'Rails, Workers': ['web', 'cron', 'workers'],
    Rails: ['web', 'cron'],
    Workers: ['workers'],
    'Kafka consumers': ['consumers'],
    'Fluent Bit': ['logging'],
    'GitHub Actions': ['web', 'cron', 'ci'],
  };

  it('declares every secret of the table, with its keys', () => {
    for (const s of DESIGN.secrets) {
      const declared = app.secrets.find((d) => d.name === s.name);
      expect(declared, s.name).toBeDefined();
      if (s.name === 'storecove-app-queue-credentials') {
        expect(declared!.keys).toEqual(DESIGN.sqsQueues.map((q) => `SQS_${q.toUpperCase()}_QUEUE`));
      } else {
        expect(declared!.keys).toEqual(expect.arrayContaining([...s.keys]));
      }
      expect(declared!.usedBy.sort()).toEqual(usedByToRoles[s.usedBy]!.sort());
    }
    expect(app.secrets.map((s) => s.name).sort()).toEqual(DESIGN.secrets.map((s) => s.name).sort());
  });

  it('mounts exactly the secrets assigned to each component', () => {
    const rolesFor = (name: string): string => (name === 'rails-server' ? 'web' : name.startsWith('worker') ? 'workers' : 'consumers');
    for (const d of objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'storecove')) {
      const role = rolesFor(d.metadata.name);
      const expected = app.secrets.filter((s) => s.mount === 'env' && s.usedBy.includes(role as never) && !s.namespace).map((s) => s.name).sort();
      expect(envFrom(container(d)), d.metadata.name).toEqual(expected);
      const ca = (d.spec.template.spec.volumes as Obj[]).find((v) => v.name === 'mysql-ca');
      expect(ca?.secret.secretName).toBe('mysql-ca-cert');
      expect(container(d).volumeMounts).toContainEqual({ name: 'mysql-ca', mountPath: '/etc/ssl/mysql', readOnly: true });
    }
    // The web tier reads intercom; workers do not. Workers read the queue secret; the web tier does not.
    expect(envFrom(container(find('Deployment', 'rails-server')))).toContain('storecove-app-intercom-credentials');
    expect(envFrom(container(find('Deployment', 'worker-primary')))).not.toContain('storecove-app-intercom-credentials');
    expect(envFrom(container(find('Deployment', 'worker-primary')))).toContain('storecove-app-queue-credentials');
    expect(envFrom(container(find('Deployment', 'rails-server')))).not.toContain('storecove-app-queue-credentials');
    // One rollbar name everywhere (the document also wrote storecove-app-rollbar-credentials).
    expect(JSON.stringify(objects)).not.toContain('rollbar-credentials');
  });
});

describe('health table', () => {
  it.each(DESIGN.health)('$component answers on $port at $endpoints', ({ component, port, endpoints }) => {
    const c = container(find('Deployment', component));
    expect(c.ports[0].containerPort).toBe(port);
    expect(c.livenessProbe.httpGet).toEqual({ path: endpoints[0], port });
    if (endpoints[1]) expect(c.readinessProbe.httpGet).toEqual({ path: endpoints[1], port });
  });

  it('keeps the probe timings of the document’s manifests', () => {
    const web = container(find('Deployment', 'rails-server'));
    expect(web.livenessProbe).toMatchObject(DESIGN.probes.web);
    expect(web.readinessProbe).toMatchObject(DESIGN.probes.web);
    for (const w of ['worker-primary', 'worker-secondary']) expect(container(find('Deployment', w)).livenessProbe).toMatchObject(DESIGN.probes.worker);
    for (const k of ['kafka-sending-status', 'kafka-new-document', 'kafka-received-status']) expect(container(find('Deployment', k)).livenessProbe).toMatchObject(DESIGN.probes.consumer);
  });
});

describe('resource table and grace periods', () => {
  // Documented departures: the worker memory limits cannot hold their own pools
  // (11 and 44 Rails processes at 300 MiB each); request = limit for memory.
  const departures: Record<string, { memoryRequest: string; memoryLimit: string }> = {
    'worker-primary': { memoryRequest: '3584Mi', memoryLimit: '3584Mi' },
    'worker-secondary': { memoryRequest: '13Gi', memoryLimit: '13Gi' },
  };

  it.each(DESIGN.resources)('$component: resources, replicas and grace period', (row) => {
    const d = find('Deployment', row.component);
    const c = container(d);
    const mem = departures[row.component] ?? row;
    // The document has no ephemeral storage: the model's defaults (1Gi/2Gi) are added to its table.
    expect(c.resources).toEqual({ requests: { cpu: row.cpuRequest, memory: mem.memoryRequest, 'ephemeral-storage': '1Gi' }, limits: { cpu: row.cpuLimit, memory: mem.memoryLimit, 'ephemeral-storage': '2Gi' } });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(row.grace);
    const [min, max] = row.replicas.replace(' (HPA)', '').split('-').map(Number);
    if (row.replicas.includes('HPA')) {
      const hpa = find('HorizontalPodAutoscaler', row.component);
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([min, max]);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: row.component });
      expect(d.spec.replicas).toBeUndefined();
    } else {
      expect(d.spec.replicas).toBe(min);
      expect(d.metadata.annotations['railyard.dev/max-replicas']).toBe(String(max));
    }
  });

  it('pins the departures to the process budget, so the table is the only thing that moved', () => {
    const rss = app.budgets.processRssMiB;
    expect(rss).toBe(300);
    const mib = (q: string) => (q.endsWith('Gi') ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2)));
    expect(mib(departures['worker-primary']!.memoryLimit)).toBeGreaterThanOrEqual(11 * rss);
    expect(mib(departures['worker-secondary']!.memoryLimit)).toBeGreaterThanOrEqual(44 * rss);
  });

  it('gives every CronJob the table’s CronJob resources', () => {
    for (const c of DESIGN.cronjobs) {
      expect(container(find('CronJob', c.name)).resources).toEqual({
        requests: { cpu: DESIGN.cronResources.cpuRequest, memory: DESIGN.cronResources.memoryRequest, 'ephemeral-storage': '1Gi' },
        limits: { cpu: DESIGN.cronResources.cpuLimit, memory: DESIGN.cronResources.memoryLimit, 'ephemeral-storage': '2Gi' },
      });
    }
  });

  it('lets the runtime kill stragglers 5 s before the kubelet would (RAILYARD_STOP_TIMEOUT)', () => {
    // The web tier spends its 5 s preStop drain of the 30 s first: 30 - 5 - 5.
    expect(envValue(container(find('Deployment', 'rails-server')), 'RAILYARD_STOP_TIMEOUT')).toBe('20');
    expect(container(find('Deployment', 'rails-server')).lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(envValue(container(find('Deployment', 'kafka-new-document')), 'RAILYARD_STOP_TIMEOUT')).toBe('55');
    expect(envValue(container(find('CronJob', 'email-worker')), 'RAILYARD_STOP_TIMEOUT')).toBe('25');
    // Workers stop on DELAYED_JOB_TIMEOUT (280 s of a 300 s grace period).
    expect(envValue(container(find('Deployment', 'worker-primary')), 'RAILYARD_STOP_TIMEOUT')).toBeUndefined();
  });

  it('uses the grace-period table', () => {
    expect(find('Deployment', 'rails-server').spec.template.spec.terminationGracePeriodSeconds).toBe(DESIGN.grace.server);
    expect(find('Deployment', 'worker-secondary').spec.template.spec.terminationGracePeriodSeconds).toBe(DESIGN.grace.worker);
    expect(find('Deployment', 'kafka-new-document').spec.template.spec.terminationGracePeriodSeconds).toBe(DESIGN.grace.consumer);
  });
});

describe('CronJobs', () => {
  it('renders exactly the 16 of the table', () => {
    expect(objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name).sort()).toEqual(DESIGN.cronjobs.map((c) => c.name).sort());
    expect(DESIGN.cronjobs).toHaveLength(16);
  });

  it.each(DESIGN.cronjobs)('$name: "$schedule" runs `$command`', (row) => {
    const cj = find('CronJob', row.name);
    expect(cj.spec.schedule).toBe(row.schedule);
    expect(cj.metadata.annotations['railyard.dev/description']).toBe(row.description);
    const c = container(cj);
    expect(c.args).toEqual([`cronjob-${row.name}`, '--', 'bundle', 'exec', 'bash', '-c', row.command]);
    expect(c.image.endsWith(`:rails-${TAG}`)).toBe(true);
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC', startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    const job = cj.spec.jobTemplate.spec;
    expect(job.backoffLimit).toBe(2);
    expect(job.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
  });

  it('never lets a run outlast its period (Forbid would skip the next one)', () => {
    const periodSeconds = (s: string) => (s.startsWith('*/') && s.endsWith('* * * *') ? Number(s.split(' ')[0]!.slice(2)) * 60 : s.startsWith('0 * ') ? 3600 : 86400);
    for (const c of DESIGN.cronjobs) expect(find('CronJob', c.name).spec.jobTemplate.spec.activeDeadlineSeconds, c.name).toBeLessThan(periodSeconds(c.schedule));
  });
});

describe('ingress', () => {
  it.each(DESIGN.hosts)('$host allows bodies up to $bodySize', (h) => {
    const ing = find('Ingress', h.ingress);
    expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe(h.bodySize);
    expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe(DESIGN.ingress.readTimeout);
    expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe(DESIGN.ingress.sendTimeout);
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(DESIGN.ingress.clusterIssuer);
    expect(ing.spec.ingressClassName).toBe(DESIGN.ingress.className);
    expect(ing.spec.tls).toEqual([{ hosts: [h.host], secretName: h.tlsSecret }]);
    expect(ing.spec.rules[0].host).toBe(h.host);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'rails-server', port: { number: 80 } });
    // Snippet annotations are disabled by default in ingress-nginx.
    expect(Object.keys(ing.metadata.annotations).some((k) => k.includes('snippet'))).toBe(false);
  });
});

describe('Fluent Bit', () => {
  it('tails this app’s pods through the namespace part of <pod>_<namespace>_<container>-<id>.log', () => {
    const conf: string = find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf'];
    const path = /^\s*Path\s+(\S+)$/m.exec(conf)![1]!;
    const glob = new RegExp('^' + path.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '$');
    for (const pod of ['rails-server-7d9c5b7f9b-x2x4z_storecove_rails', 'worker-secondary-6c5d9f-abcde_storecove_worker', 'kafka-new-document-5f-xyz12_storecove_consumer', 'customer-reports-29012345-q8w7e_storecove_rails']) {
      expect(glob.test(`/var/log/containers/${pod}-0123456789abcdef.log`), pod).toBe(true);
    }
    expect(glob.test('/var/log/containers/fluent-bit-abcde_logging_fluent-bit-0123.log')).toBe(false);
    expect(glob.test('/var/log/containers/coredns-1_kube-system_coredns-0123.log')).toBe(false);
  });

  it('parses CRI and docker lines, merges JSON logs, buffers on disk and ships json_lines to Logz.io', () => {
    const conf: string = find('ConfigMap', 'fluent-bit-config').data['fluent-bit.conf'];
    expect(conf).toMatch(/^\s*multiline\.parser\s+docker, cri$/m);
    expect(conf).not.toMatch(/^\s*Parser\s+docker$/m);
    expect(conf).toMatch(/^\s*Name\s+kubernetes$/m);
    expect(conf).toMatch(/^\s*Merge_Log\s+On$/m);
    expect(conf).toMatch(/^\s*storage\.path\s+\S+/m);
    expect(conf).toMatch(/^\s*storage\.type\s+filesystem$/m);
    expect(conf).toMatch(/^\s*Name\s+http$/m);
    expect(conf).toMatch(new RegExp(`^\\s*Host\\s+${DESIGN.fluentBit.listener.replace(/\./g, '\\.')}$`, 'm'));
    expect(conf).toMatch(new RegExp(`^\\s*Port\\s+${DESIGN.fluentBit.port}$`, 'm'));
    expect(conf).toMatch(/^\s*Format\s+json_lines$/m);
    expect(conf).toMatch(/^\s*URI\s+\/\?token=\$\{LOGZIO_TOKEN\}&type=kubernetes$/m);
    expect(conf).toMatch(/^\s*tls\.verify\s+On$/m);
  });

  it('runs a pinned image in the logging namespace, reading a token secret that lives there', () => {
    const ds = find('DaemonSet', 'fluent-bit');
    expect(ds.metadata.namespace).toBe(DESIGN.fluentBit.namespace);
    expect(container(ds).image).toMatch(/:\d+\.\d+\.\d+$/);
    const secret = app.secrets.find((s) => s.name === 'storecove-app-logzio')!;
    expect(secret.namespace).toBe('logging');
    const role = find('ClusterRole', 'fluent-bit');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: [...DESIGN.fluentBit.clusterRoleResources], verbs: [...DESIGN.fluentBit.clusterRoleVerbs] }]);
    expect(find('ClusterRoleBinding', 'fluent-bit').subjects).toEqual([{ kind: 'ServiceAccount', name: 'fluent-bit', namespace: 'logging' }]);
    expect(find('ServiceAccount', 'fluent-bit').metadata.namespace).toBe('logging');
  });
});

describe('what linters expect beyond the document', () => {
  it('labels every object with the recommended labels and keeps the document’s selectors', () => {
    for (const o of objects) {
      expect(o.metadata.labels['app.kubernetes.io/managed-by'], `${o.kind}/${o.metadata.name}`).toBe('railyard');
      expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('storecove');
    }
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      expect(d.spec.selector.matchLabels).toEqual({ app: 'storecove', component: d.metadata.labels.component });
      expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
      const sc = container(d).securityContext;
      expect(sc).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
      expect(d.spec.strategy.type).toBe('RollingUpdate');
    }
  });

  it('rolls Kafka consumers without surge, and has a PDB for every Deployment of two or more pods', () => {
    for (const k of ['kafka-sending-status', 'kafka-new-document', 'kafka-received-status']) {
      expect(find('Deployment', k).spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    }
    for (const n of ['rails-server', 'worker-primary', 'worker-secondary']) expect(find('PodDisruptionBudget', n).spec.maxUnavailable).toBe(1);
  });
});

describe('the migration Job', () => {
  it('is made from the web pod template and named per tag, distinct even for tags with a common prefix', async () => {
    const { renderMigrationJob, migrationJobName } = await import('../../src/render/kubernetes/jobs.js');
    const job = renderMigrationJob(app, TAG) as Obj;
    const web = find('Deployment', 'rails-server').spec.template.spec;
    expect(job.spec.template.spec.containers[0].envFrom).toEqual(web.containers[0].envFrom);
    expect(job.spec.template.spec.volumes).toEqual(web.volumes);
    expect(job.spec.template.spec.securityContext).toEqual(web.securityContext);
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate', '--', 'bundle', 'exec', 'rails', 'db:migrate']);
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 });
    expect(migrationJobName(app, 'release-2026-11-26-a')).not.toBe(migrationJobName(app, 'release-2026-11-26-b'));
    expect(migrationJobName(app, TAG)).toMatch(/^storecove-migrate-0123456789ab-[0-9a-f]{8}$/);
    const long = { ...app, name: 'a'.repeat(63) };
    expect(migrationJobName(long, TAG).length).toBeLessThanOrEqual(63);
  });
});
