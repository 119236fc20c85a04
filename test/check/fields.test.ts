// The committed field catalog must equal what client-node's models give today;
// RAILYARD_UPDATE_FIELDS=1 rewrites it.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import * as models from '@kubernetes/client-node';
import { buildFieldCatalog, unknownFields } from '../../src/check/field-catalog.js';

const file = new URL('../../src/check/fields.json', import.meta.url);

describe('field catalog', () => {
  const fresh = buildFieldCatalog(models as unknown as Record<string, unknown>);
  it('is up to date with @kubernetes/client-node', () => {
    if (process.env.RAILYARD_UPDATE_FIELDS === '1') writeFileSync(file, JSON.stringify(fresh) + '\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(fresh);
  });
  it('knows the workload kinds and finds a misspelt field deep in a pod template', () => {
    expect(Object.keys(fresh.roots)).toEqual(expect.arrayContaining(['apps/v1 Deployment', 'batch/v1 CronJob', 'v1 Service']));
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', labels: { any: 'thing' } }, spec: { template: { spec: { containers: [{ name: 'a', imagePulPolicy: 'Always', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] } } } };
    expect(unknownFields(fresh, d)).toEqual(['spec.template.spec.containers[0].imagePulPolicy']);
  });
});
