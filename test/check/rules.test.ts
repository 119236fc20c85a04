// Every rule, firing and not firing. Each case mutates one thing of the clean
// baseline app: `fires` must produce the rule, `passes` (a near miss on the other
// side of the threshold) must not. A rule without a case fails the last test.
import { describe, expect, it } from 'vitest';
import { checkObjects, RULES, type CheckInput } from '../../src/check/index.js';
import type { K8sObject } from '../../src/check/types.js';
import { baseline, container, find, NS, OPTIONS, podSpec } from './baseline.js';

type Mutation = (objects: K8sObject[]) => Partial<CheckInput> | void;
interface Case {
  fires: Mutation;
  passes: Mutation;
  /** A substring of the message the firing case must produce. */
  says?: string;
}

const web = (o: K8sObject[]) => container(o, 'Deployment', 'web');
const worker = (o: K8sObject[]) => container(o, 'Deployment', 'worker');
const consumer = (o: K8sObject[]) => container(o, 'Deployment', 'consumer');
const fluent = (o: K8sObject[]) => container(o, 'DaemonSet', 'fluent-bit');
const fluentConf = (o: K8sObject[], edit: (s: string) => string) => {
  const cm = find(o, 'ConfigMap', 'fluent-bit-config');
  cm.data['fluent-bit.conf'] = edit(cm.data['fluent-bit.conf']);
};
const stage = (from: string) => ({ docker: [{ name: 'base', from, env: {}, source: { file: 'Dockerfile', line: 1 } }] });

const CASES: Record<string, Case> = {
  // ---------------------------------------------------------------- schema
  'schema-invalid': {
    fires: (o) => void (find(o, 'Deployment', 'worker').spec.replicas = 'two'),
    passes: (o) => void (find(o, 'Deployment', 'worker').spec.replicas = 3),
    says: 'must be integer',
  },
  'unknown-field': {
    fires: (o) => void (web(o).imagePulPolicy = 'Always'),
    passes: (o) => void (web(o).imagePullPolicy = 'Always'),
    says: 'imagePulPolicy',
  },
  'unknown-kind': {
    fires: (o) => void o.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    passes: (o) => void o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' }, data: {} }),
  },
  // ---------------------------------------------------------------- apiserver
  'name-invalid': {
    fires: (o) => void o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }),
    passes: (o) => void o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good.name-1' } }),
  },
  'cronjob-name-too-long': {
    fires: (o) => void (find(o, 'CronJob', 'report').metadata.name = 'r'.repeat(53)),
    passes: (o) => void (find(o, 'CronJob', 'report').metadata.name = 'r'.repeat(52)),
    says: '53 characters',
  },
  'label-invalid': {
    fires: (o) => void (find(o, 'Service', 'web').metadata.labels = { team: 'x'.repeat(64) }),
    passes: (o) => void (find(o, 'Service', 'web').metadata.labels = { 'example.com/team': 'x'.repeat(63) }),
  },
  'port-name-invalid': {
    fires: (o) => void (worker(o).ports[0].name = 'worker-health-xy'),
    passes: (o) => void (worker(o).ports[0].name = 'worker-health-x'),
    says: 'longer than 15',
  },
  'quantity-invalid': {
    fires: (o) => void (worker(o).resources.limits.memory = '1GB'),
    passes: (o) => void (worker(o).resources.limits.memory = '2G'),
  },
  'cron-schedule-invalid': {
    fires: (o) => void (find(o, 'CronJob', 'report').spec.schedule = '60 6 * * *'),
    passes: (o) => void (find(o, 'CronJob', 'report').spec.schedule = '59 6 * * MON-FRI'),
    says: 'outside 0-59',
  },
  'selector-template-mismatch': {
    fires: (o) => void (find(o, 'Deployment', 'worker').spec.selector.matchLabels.component = 'workers'),
    passes: (o) => void (find(o, 'Deployment', 'worker').spec.template.metadata.labels.extra = 'yes'),
  },
  'container-name-duplicate': {
    fires: (o) => void podSpec(o, 'Deployment', 'worker').containers.push({ ...worker(o) }),
    passes: (o) => void podSpec(o, 'Deployment', 'worker').containers.push({ ...worker(o), name: 'sidecar' }),
  },
  'env-invalid': {
    fires: (o) => void worker(o).env.push({ name: 'DELAYED_JOB_TIMEOUT', value: '61' }),
    passes: (o) => void worker(o).env.push({ name: 'DELAYED_JOB_TIMEOUT_X', value: '61' }),
    says: 'set twice',
  },
  'probe-port-unknown': {
    fires: (o) => void (web(o).livenessProbe.httpGet.port = 'htp'),
    passes: (o) => void (web(o).livenessProbe.httpGet.port = 3000),
  },
  'job-restart-policy': {
    fires: (o) => void delete podSpec(o, 'CronJob', 'report').restartPolicy,
    passes: (o) => void (podSpec(o, 'CronJob', 'report').restartPolicy = 'OnFailure'),
    says: 'unset',
  },
  // ---------------------------------------------------------------- consistency
  'secret-ref-missing': {
    fires: (o) => void (web(o).envFrom[0].secretRef.name = 'app-secrets-v2'),
    passes: (o) => void (web(o).envFrom[0].secretRef = { name: 'app-secrets-v2', optional: true }),
    says: 'did you mean "app-secrets"',
  },
  'secret-key-missing': {
    fires: (o) => void (fluent(o).env[0].valueFrom.secretKeyRef.key = 'token'),
    passes: (o) => void (fluent(o).env[0].valueFrom.secretKeyRef.optional = true),
  },
  'reference-cross-namespace': {
    fires: (o) => void (find(o, 'Secret', 'logzio').metadata.namespace = NS),
    passes: (o) => void o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'logzio', namespace: NS }, stringData: { LOGZIO_TOKEN: '' } }),
  },
  'service-selects-nothing': {
    fires: (o) => void (find(o, 'Service', 'web').spec.selector.component = 'api'),
    passes: (o) => void (find(o, 'Service', 'web').spec.selector = { component: 'web' }),
  },
  'service-target-port-unknown': {
    fires: (o) => void (find(o, 'Service', 'web').spec.ports[0].targetPort = 'web'),
    passes: (o) => void (find(o, 'Service', 'web').spec.ports[0].targetPort = 3000),
  },
  'route-target-missing': {
    fires: (o) => void (find(o, 'HorizontalPodAutoscaler', 'web').spec.scaleTargetRef.name = 'webx'),
    passes: (o) => void (find(o, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port = { name: 'http' }),
  },
  'env-required-missing': {
    fires: (o) => void (consumer(o).command[2] = 'exec bundle exec racecar --group-id "$KAFKA_GROUP_ID" Orders::Consumer'),
    passes: (o) => void (consumer(o).command[2] = 'GROUP=x; for T in a b; do read -r LINE; done; exec bundle exec racecar --group-id "$KAFKA_GROUP$GROUP${HOME}${T}$LINE${MAYBE:-none}${OTHER-x}" Orders::Consumer'),
    says: '$KAFKA_GROUP_ID',
  },
  // ---------------------------------------------------------------- security
  'run-as-root': {
    fires: (o) => void (podSpec(o, 'Deployment', 'web').securityContext = {}),
    passes: (o) => void (podSpec(o, 'Deployment', 'web').securityContext = { runAsUser: 1000 }),
  },
  privileged: {
    fires: (o) => void (web(o).securityContext = { ...web(o).securityContext, privileged: true }),
    passes: (o) => void (web(o).securityContext = { ...web(o).securityContext, privileged: false }),
  },
  'privilege-escalation': {
    fires: (o) => void delete web(o).securityContext.allowPrivilegeEscalation,
    passes: (o) => void (web(o).securityContext.allowPrivilegeEscalation = false),
  },
  'capabilities-not-dropped': {
    fires: (o) => void (web(o).securityContext.capabilities = { drop: ['NET_RAW'] }),
    passes: (o) => void (web(o).securityContext.capabilities = { drop: ['ALL', 'NET_RAW'] }),
  },
  'writable-root-filesystem': {
    fires: (o) => void (web(o).securityContext.readOnlyRootFilesystem = false),
    passes: (o) => void (web(o).securityContext.readOnlyRootFilesystem = true),
  },
  'service-account-token-mounted': {
    fires: (o) => void delete podSpec(o, 'Deployment', 'web').automountServiceAccountToken,
    passes: (o) => {
      delete podSpec(o, 'Deployment', 'web').automountServiceAccountToken;
      podSpec(o, 'Deployment', 'web').serviceAccountName = 'web-reader';
    },
  },
  'image-tag-latest': {
    fires: (o) => void (web(o).image = 'registry.example.com/shop:web-latest'),
    passes: (o) => void (web(o).image = `registry.example.com/shop@sha256:${'a'.repeat(64)}`),
  },
  'image-pull-always-mutable': {
    fires: (o) => Object.assign(web(o), { image: 'registry.example.com/shop:stable', imagePullPolicy: 'Always' }) && undefined,
    passes: (o) => Object.assign(web(o), { image: 'registry.example.com/shop:web-0123abc', imagePullPolicy: 'Always' }) && undefined,
  },
  'secret-literal-env': {
    fires: (o) => void web(o).env.push({ name: 'DATABASE_PASSWORD', value: 'hunter2' }),
    passes: (o) => void web(o).env.push({ name: 'DATABASE_PASSWORD_FILE', value: '/run/secrets/db' }),
  },
  'secret-in-argv': {
    fires: (o) => void (consumer(o).command[2] = 'exec bundle exec racecar --sasl-password "$KAFKA_PASSWORD" Orders::Consumer'),
    passes: (o) => void (consumer(o).command[2] = 'exec bundle exec racecar --sasl-username "$KAFKA_USER" Orders::Consumer'),
  },
  'host-path-mount': {
    fires: (o) => void (podSpec(o, 'Deployment', 'web').volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }]),
    passes: (o) => void (podSpec(o, 'Deployment', 'web').volumes = [{ name: 'logs', emptyDir: { sizeLimit: '1Gi' } }]),
  },
  'cluster-role-broad': {
    fires: (o) => void (find(o, 'ClusterRole', 'fluent-bit').rules[0].resources.push('secrets')),
    passes: (o) => void (find(o, 'ClusterRole', 'fluent-bit').rules[0].resources.push('nodes')),
  },
  'egress-open': {
    fires: (o) => void o.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-in', namespace: NS }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }),
    passes: (o) => void o.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'limit-out', namespace: NS }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] } }),
    says: 'egress is open for',
  },
  // ---------------------------------------------------------------- reliability
  'resources-missing': {
    fires: (o) => void delete worker(o).resources.limits.cpu,
    passes: (o) => void (worker(o).resources.limits.cpu = '250m'),
  },
  'ephemeral-storage-missing': {
    fires: (o) => void delete worker(o).resources.limits['ephemeral-storage'],
    passes: (o) => void (worker(o).resources.limits['ephemeral-storage'] = '1Gi'),
    says: 'sets no limits.ephemeral-storage',
  },
  'pdb-missing': {
    fires: (o) => void o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'worker')), 1),
    passes: (o) => {
      o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'worker')), 1);
      find(o, 'Deployment', 'worker').spec.replicas = 1;
    },
  },
  'probes-missing': {
    fires: (o) => void delete web(o).readinessProbe,
    passes: (o) => void delete worker(o).readinessProbe,
    says: 'no readinessProbe',
  },
  'liveness-equals-readiness': {
    fires: (o) => void (web(o).readinessProbe.httpGet.path = '/health/liveness'),
    passes: (o) => void (web(o).readinessProbe.httpGet.path = '/health/ready'),
  },
  'grace-period-short': {
    fires: (o) => void (podSpec(o, 'Deployment', 'worker').terminationGracePeriodSeconds = 69),
    passes: (o) => void (podSpec(o, 'Deployment', 'worker').terminationGracePeriodSeconds = 70),
    says: 'DELAYED_JOB_TIMEOUT (60 s) + 10 s',
  },
  'consumer-max-surge': {
    fires: (o) => void (find(o, 'Deployment', 'consumer').spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: 0 }),
    passes: (o) => void (find(o, 'Deployment', 'consumer').spec.strategy = { type: 'Recreate' }),
  },
  'hpa-replicas-conflict': {
    fires: (o) => void (find(o, 'Deployment', 'web').spec.replicas = 2),
    passes: (o) => {
      find(o, 'Deployment', 'web').spec.replicas = 2;
      find(o, 'HorizontalPodAutoscaler', 'web').spec.scaleTargetRef.kind = 'StatefulSet';
    },
  },
  'cronjob-policies-missing': {
    fires: (o) => void delete find(o, 'CronJob', 'report').spec.startingDeadlineSeconds,
    passes: (o) => void (find(o, 'CronJob', 'report').spec.concurrencyPolicy = 'Replace'),
  },
  'probe-timeout-too-low': {
    fires: (o) => void (web(o).readinessProbe.timeoutSeconds = 4),
    passes: (o) => void (web(o).readinessProbe.timeoutSeconds = 5),
  },
  // ---------------------------------------------------------------- budgets
  'worker-memory-budget': {
    fires: () => ({ options: { ...OPTIONS, processRssMiB: 342 } }),
    passes: () => ({ options: { ...OPTIONS, processRssMiB: 341 } }),
    says: '3 Rails processes × 342 MiB',
  },
  'db-connections-budget': {
    fires: () => ({ options: { ...OPTIONS, maxConnections: 29 } }),
    passes: () => ({ options: { ...OPTIONS, maxConnections: 30 } }),
    says: 'web: 4 × 5 threads = 20; worker: 2 × (3 processes + 1 health check) = 8; consumer: 1 × 1 = 1; 1 CronJobs = 1',
  },
  // ---------------------------------------------------------------- logging
  'fluentbit-tail-path-mismatch': {
    fires: (o) => fluentConf(o, (s) => s.replace(`*_${NS}_*.log`, 'shop*.log')),
    passes: (o) => fluentConf(o, (s) => s.replace(`*_${NS}_*.log`, '*.log')),
  },
  'fluentbit-docker-parser': {
    fires: (o) => fluentConf(o, (s) => s.replace('multiline.parser  docker, cri', 'Parser docker')),
    passes: (o) => {
      fluentConf(o, (s) => s.replace('multiline.parser  docker, cri', 'Parser docker'));
      return { options: { ...OPTIONS, containerRuntime: 'docker' } };
    },
  },
  'fluentbit-token-unavailable': {
    fires: (o) => void (fluent(o).env[0].name = 'TOKEN'),
    passes: (o) => fluentConf(o, (s) => s.replace('${LOGZIO_TOKEN}', '${LOGZIO_TOKEN}&x=${LOGZIO_TOKEN}')),
  },
  'fluentbit-size-unit': {
    fires: (o) => fluentConf(o, (s) => s.replace('[OUTPUT]', '[OUTPUT]\n    storage.total_limit_size 512Mi')),
    passes: (o) => fluentConf(o, (s) => s.replace('[OUTPUT]', '[OUTPUT]\n    storage.total_limit_size 512M')),
    says: 'storage.total_limit_size 512Mi in [OUTPUT] http',
  },
  // ---------------------------------------------------------------- platform
  'ingress-nginx-retired': {
    fires: (o) => void (find(o, 'Ingress', 'web').spec.ingressClassName = 'nginx'),
    passes: (o) => void (find(o, 'Ingress', 'web').spec.ingressClassName = 'nginx-gateway'),
  },
  'nginx-snippet-annotation': {
    fires: (o) => void (find(o, 'Ingress', 'web').metadata.annotations = { 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "X: y";' }),
    passes: (o) => void (find(o, 'Ingress', 'web').metadata.annotations = { 'nginx.ingress.kubernetes.io/proxy-body-size': '2m' }),
  },
  'base-image-eol': {
    fires: () => stage('ubuntu:focal'),
    passes: () => stage('ubuntu:noble'),
    says: 'end of life on 2025-05-31',
  },
};

function run(mutate: Mutation) {
  const objects = baseline();
  const extra = mutate(objects) ?? {};
  return checkObjects(objects, { options: OPTIONS, ...extra });
}

describe('the baseline app', () => {
  it('passes every rule', () => {
    expect(checkObjects(baseline(), { options: OPTIONS }).map((f) => `${f.rule} ${f.object.kind}/${f.object.name} ${f.path}: ${f.message}`)).toEqual([]);
  });
});

describe.each(Object.entries(CASES))('%s', (id, c) => {
  it('fires', () => {
    const mine = run(c.fires).filter((f) => f.rule === id);
    expect(mine.length).toBeGreaterThan(0);
    if (c.says) expect(mine.map((f) => f.message).join('\n')).toContain(c.says);
    for (const f of mine) {
      expect(f.why.length).toBeGreaterThan(20);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });
  it('does not fire on the near miss', () => {
    expect(run(c.passes).filter((f) => f.rule === id)).toEqual([]);
  });
});

describe('coverage', () => {
  it('ephemeral-storage-missing flags a disk-backed emptyDir without a sizeLimit, not a sized or Memory-backed one', () => {
    const run = (volumes: object[]) => {
      const o = baseline();
      podSpec(o, 'Deployment', 'web').volumes = volumes;
      return checkObjects(o, { options: OPTIONS }).filter((f) => f.rule === 'ephemeral-storage-missing').map((f) => `${f.path}: ${f.message}`);
    };
    expect(run([{ name: 'a', emptyDir: { sizeLimit: '1Gi' } }, { name: 'b', emptyDir: {} }, { name: 'c', emptyDir: { medium: 'Memory' } }])).toEqual(['spec.template.spec.volumes[1].emptyDir: emptyDir "b" has no sizeLimit']);
  });

  it('has a case for every rule, and every rule id is unique', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(CASES).sort()).toEqual([...ids].sort());
  });
});

describe('route-target-missing on every kind of route', () => {
  const route = (backend: Record<string, unknown>) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backend] }] },
  });
  const targets = (extra: K8sObject[]) => checkObjects([...baseline(), ...extra], { options: OPTIONS }).filter((f) => f.rule === 'route-target-missing').map((f) => `${f.object.kind}/${f.object.name} ${f.path}: ${f.message}`);
  it('fires for an HTTPRoute backend or port that does not exist, and an Ingress port the Service lacks', () => {
    expect(targets([route({ name: 'webx', port: 80 })])).toEqual(['HTTPRoute/web spec.rules[0].backendRefs[0]: Service "webx" does not exist in namespace shop']);
    expect(targets([route({ name: 'web', port: 8080 })])).toEqual(['HTTPRoute/web spec.rules[0].backendRefs[0].port: Service "web" has no port 8080']);
    const objects = baseline();
    find(objects, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port = { number: 443 };
    expect(checkObjects(objects, { options: OPTIONS }).filter((f) => f.rule === 'route-target-missing').map((f) => f.path)).toEqual(['spec.rules[0].http.paths[0].backend.service.port']);
  });
  it('does not fire for an HTTPRoute to an existing Service port, nor for non-Service backends', () => {
    expect(targets([route({ name: 'web', port: 80 }), route({ group: 'example.com', kind: 'Bucket', name: 'assets' })])).toEqual([]);
  });
});

describe('what a container runs: its command and args over the image stage', () => {
  const stage = { name: 'consumer', from: 'app', env: {}, entrypoint: ['tini', '--'], cmd: ['bash', '-c', 'exec racecar --sasl-password "$KAFKA_PASSWORD" Orders'], source: { file: 'Dockerfile', line: 9 } };
  const argvFindings = (edit: (c: Record<string, any>) => void) => {
    const objects = baseline();
    edit(consumer(objects));
    return checkObjects(objects, { options: OPTIONS, docker: [stage] }).filter((f) => f.rule === 'secret-in-argv').map((f) => `${f.path}: ${f.message}`);
  };
  it('uses the stage CMD when the container sets neither, and ENTRYPOINT with the container args', () => {
    expect(argvFindings((c) => delete c.command)).toEqual(['spec.template.spec.containers[0].image: the consumer stage\'s CMD puts credentials in argv: option --sasl-password, $KAFKA_PASSWORD']);
    expect(argvFindings((c) => {
      delete c.command;
      c.args = ['--api-token=$(TOKEN)'];
    })).toEqual(['spec.template.spec.containers[0].args: container "app" puts credentials in argv: option --api-token']);
  });
  it('ignores the stage CMD when the container sets a command', () => {
    expect(argvFindings(() => {})).toEqual([]);
  });
});

describe('silencing', () => {
  it('reads the annotation on the object or its pod template, one rule list and reason per line', () => {
    const objects = baseline();
    web(objects).securityContext.readOnlyRootFilesystem = false;
    delete podSpec(objects, 'Deployment', 'web').automountServiceAccountToken;
    find(objects, 'Deployment', 'web').spec.template.metadata.annotations = { 'railyard.dev/ignore': 'writable-root-filesystem, run-as-root: Rails writes tmp/\nnot a rule line' };
    const findings = checkObjects(objects, { options: OPTIONS });
    expect(findings.filter((f) => f.rule === 'writable-root-filesystem').map((f) => [f.object.name, f.silenced])).toEqual([['web', { reason: 'Rails writes tmp/', by: 'annotation' }]]);
    expect(findings.find((f) => f.rule === 'service-account-token-mounted')?.silenced).toBeUndefined();
  });
  it('silences by --ignore for one object or everywhere, and "*" silences every rule on an object', () => {
    const objects = baseline();
    for (const name of ['web', 'worker']) delete podSpec(objects, 'Deployment', name).automountServiceAccountToken;
    const token = (ignore: { rule: string; kind?: string; name?: string }[]) => checkObjects(objects, { options: OPTIONS, ignore }).filter((f) => f.rule === 'service-account-token-mounted').map((f) => [f.object.name, f.silenced?.by ?? 'active']);
    expect(token([])).toEqual([['web', 'active'], ['worker', 'active']]);
    expect(token([{ rule: 'service-account-token-mounted', kind: 'deployment', name: 'web' }])).toEqual([['web', 'flag'], ['worker', 'active']]);
    expect(token([{ rule: 'service-account-token-mounted' }])).toEqual([['web', 'flag'], ['worker', 'flag']]);
    find(objects, 'Deployment', 'worker').metadata.annotations = { 'railyard.dev/ignore': '*: legacy workload, tracked in OPS-12' };
    expect(token([])).toEqual([['web', 'active'], ['worker', 'annotation']]);
  });
});

describe('Fluent Bit YAML configs', () => {
  const yamlConfig = (path: string, parser: string) =>
    ['pipeline:', '  inputs:', '    - name: tail', `      path: ${path}`, `      multiline.parser: ${parser}`, '  outputs:', '    - name: http', '      uri: /?token=${LOGZIO_TOKEN}', ''].join('\n');
  const logging = (path: string, parser: string) => {
    const objects = baseline();
    find(objects, 'ConfigMap', 'fluent-bit-config').data = { 'fluent-bit.yaml': yamlConfig(path, parser) };
    return checkObjects(objects, { options: OPTIONS }).filter((f) => f.rule.startsWith('fluentbit-')).map((f) => f.rule).sort();
  };
  it('reads the YAML format like the classic one', () => {
    expect(logging('/var/log/containers/shop*.log', 'docker')).toEqual(['fluentbit-docker-parser', 'fluentbit-tail-path-mismatch']);
    expect(logging(`/var/log/containers/*_${NS}_*.log`, 'docker, cri')).toEqual([]);
  });
});

describe('docs/CHECKS.md', () => {
  it('has a row for every rule with its family and severity', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/CHECKS.md', 'utf8');
    for (const r of RULES) expect(doc, r.id).toContain(`| \`${r.id}\` | ${r.family} | ${r.severity} |`);
  });
});

describe('secret values', () => {
  it('never appear in findings, in any format', async () => {
    const objects = baseline();
    web(objects).env.push({ name: 'API_TOKEN', value: 's3cr3t-value-xyz' });
    const findings = checkObjects(objects, { options: OPTIONS });
    expect(findings.some((f) => f.rule === 'secret-literal-env')).toBe(true);
    const { formatJson, formatSarif, formatText } = await import('../../src/check/index.js');
    for (const out of [formatText(findings), formatJson(findings), formatSarif(findings)]) expect(out).not.toContain('s3cr3t-value-xyz');
  });
});
