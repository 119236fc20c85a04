import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load.js';
import { describeMissing, missingSecrets, requiredSecrets, secretKeyNames, secretsOfObjects, type RequiredSecret } from '../../src/deploy/secrets.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';

const { app } = await loadConfig('examples/storecove');

describe('the secrets preflight, pure parts', () => {
  it('requires every declared Secret a pod reads, in its namespace, and nothing that lives only in CI', () => {
    const req = requiredSecrets(app);
    expect(req.map((r) => `${r.namespace}/${r.name}`)).toEqual([
      'storecove/storecove-app-db-credentials',
      'storecove/storecove-app-master-key',
      'storecove/storecove-app-aws-credentials',
      'storecove/storecove-app-valkey-credentials',
      'storecove/storecove-app-queue-credentials',
      'storecove/storecove-app-kafka-credentials',
      'logging/storecove-app-logzio',
      'storecove/storecove-app-rollbar',
      'storecove/storecove-app-email-credentials',
      'storecove/storecove-app-billing-credentials',
      'storecove/storecove-app-peppol-credentials',
      'storecove/storecove-app-webhooks-credentials',
      'storecove/storecove-app-intercom-credentials',
      'storecove/mysql-ca-cert',
    ]);
    expect(req.find((r) => r.name === 'mysql-ca-cert')!.keys).toEqual(['ca-cert.pem']);
    const ciOnly = { ...app, secrets: [...app.secrets, { name: 'deploy-only', keys: ['TOKEN'], usedBy: ['ci' as const], mount: 'env' as const, description: '' }] };
    expect(requiredSecrets(ciOnly).some((r) => r.name === 'deploy-only')).toBe(false);
  });

  it('requires the database CA Secret the pods mount even when the model does not declare it', () => {
    const bare = { ...app, secrets: app.secrets.filter((s) => s.name !== 'mysql-ca-cert') };
    expect(requiredSecrets(bare).at(-1)).toEqual({ namespace: 'storecove', name: 'mysql-ca-cert', keys: ['ca-cert.pem'] });
  });

  it('reports an absent Secret, absent keys, and a key family with no member; a family with one member is enough', () => {
    const req: RequiredSecret[] = [
      { namespace: 'a', name: 'one', keys: ['X', 'Y'] },
      { namespace: 'a', name: 'two', keys: ['AWS_*_BUCKET'] },
      { namespace: 'b', name: 'three', keys: ['Z'] },
      { namespace: 'a', name: 'four', keys: ['AWS_*_BUCKET', 'K'] },
    ];
    const live = new Map<string, string[] | undefined>([
      ['a/one', ['X']],
      ['a/two', ['AWS_LOGS_BUCKET']],
      ['a/four', ['AWS_BUCKET', 'K']],
    ]);
    const missing = missingSecrets(req, live);
    expect(missing).toEqual([
      { namespace: 'a', name: 'one', keys: ['Y'] },
      { namespace: 'b', name: 'three' },
      { namespace: 'a', name: 'four', keys: ['AWS_*_BUCKET'] },
    ]);
    expect(missing.map(describeMissing)).toEqual(['Secret a/one has no key Y', 'Secret b/three does not exist', 'Secret a/four has no key matching AWS_*_BUCKET']);
  });

  it('keeps key names only: the values the API returns are dropped', () => {
    const names = secretKeyNames({ data: { B: Buffer.from('value-b').toString('base64'), A: 'dmFsdWU=' }, stringData: { C: 'plain-value' } });
    expect(names).toEqual(['A', 'B', 'C']);
    expect(JSON.stringify(names)).not.toMatch(/value/);
  });

  it('finds nothing missing exactly when every required key is present (property)', () => {
    const key = fc.stringMatching(/^[A-Z]{1,4}$/);
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 6 }), fc.uniqueArray(key, { maxLength: 6 }), fc.boolean(), (declared, held, exists) => {
        const req = [{ namespace: 'n', name: 's', keys: declared }];
        const missing = missingSecrets(req, new Map([['n/s', exists ? held : undefined]]));
        const complete = exists && declared.every((k) => held.includes(k));
        expect(missing.length === 0).toBe(complete);
        if (exists && !complete) expect(missing[0]!.keys).toEqual(declared.filter((k) => !held.includes(k)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('secretsOfObjects: what a recorded release needs, for a rollback', () => {
  const rendered = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects);

  it('on the rendered Storecove release: exactly the Secrets the model requires, with at least its declared keys', () => {
    const fromObjects = secretsOfObjects(rendered, app);
    const ids = (rs: RequiredSecret[]) => rs.map((r) => `${r.namespace}/${r.name}`).sort();
    expect(ids(fromObjects)).toEqual(ids(requiredSecrets(app)));
    for (const r of requiredSecrets(app)) expect(fromObjects.find((o) => o.name === r.name && o.namespace === r.namespace)!.keys).toEqual(expect.arrayContaining(r.keys));
  });

  it('follows env secretKeyRef, envFrom, secret volumes with items and projected sources, in every pod-bearing kind; skips optional ones', () => {
    const bare = { ...app, secrets: [], database: { ...app.database, caSecret: 'not-referenced' } };
    const container = {
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'keyed', key: 'A_KEY' } } }, { name: 'B', valueFrom: { secretKeyRef: { name: 'maybe', key: 'B', optional: true } } }],
      envFrom: [{ secretRef: { name: 'whole' } }, { secretRef: { name: 'maybe-all', optional: true } }, { configMapRef: { name: 'cm' } }],
    };
    const volumes = [
      { name: 'v1', secret: { secretName: 'mounted', items: [{ key: 'ca.pem', path: 'ca.pem' }] } },
      { name: 'v2', projected: { sources: [{ secret: { name: 'projected', items: [{ key: 'token', path: 't' }] } }, { configMap: { name: 'cm' } }] } },
      { name: 'v3', secret: { secretName: 'opt-vol', optional: true } },
    ];
    const objects = [
      { kind: 'Deployment', metadata: { name: 'd', namespace: 'ns1' }, spec: { template: { spec: { containers: [container], volumes } } } },
      { kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ envFrom: [{ secretRef: { name: 'cron-init' } }] }], containers: [] } } } } } },
      { kind: 'Job', metadata: { name: 'j', namespace: 'ns1' }, spec: { template: { spec: { containers: [{ env: [{ name: 'C', valueFrom: { secretKeyRef: { name: 'keyed', key: 'C_KEY' } } }] }] } } } },
      { kind: 'ConfigMap', metadata: { name: 'x' }, data: { secretRef: 'ignored' } },
    ];
    expect(secretsOfObjects(objects, bare as typeof app)).toEqual([
      { namespace: 'ns1', name: 'keyed', keys: ['A_KEY', 'C_KEY'] },
      { namespace: 'ns1', name: 'whole', keys: [] },
      { namespace: 'ns1', name: 'mounted', keys: ['ca.pem'] },
      { namespace: 'ns1', name: 'projected', keys: ['token'] },
      { namespace: 'storecove', name: 'cron-init', keys: [] },
    ]);
  });

  it('a release that no longer references a Secret the model declares does not require it', () => {
    const withoutKafka = rendered.filter((o) => !JSON.stringify(o).includes('storecove-app-kafka-credentials'));
    expect(withoutKafka.length).toBeLessThan(rendered.length);
    expect(secretsOfObjects(withoutKafka, app).some((r) => r.name === 'storecove-app-kafka-credentials')).toBe(false);
  });
});
