// Users hand railyard any YAML: no input may crash a rule. Generated objects of the
// kinds the rules read, with arbitrary (often wrongly typed) fields, must produce
// findings, never an exception.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkObjects } from '../../src/check/index.js';
import { baseline, OPTIONS } from './baseline.js';

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod', 'Service', 'Ingress', 'HTTPRoute', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'Secret', 'ClusterRole', 'Role'];
const API = ['v1', 'apps/v1', 'batch/v1', 'networking.k8s.io/v1', 'autoscaling/v2', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'gateway.networking.k8s.io/v1'];

/** Values of any JSON type, so a field that should be a list can be a string, a number or null. */
const junk = fc.anything({ maxDepth: 3, withNullPrototype: false, withBigInt: false, withDate: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: false, withBoxedValues: false });

/** A baseline object with one field somewhere replaced by junk. */
function corrupted() {
  return fc.tuple(fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), junk).map(([which, steps, value]) => {
    const objects = baseline();
    let node: any = objects[which % objects.length];
    for (const step of steps.slice(0, -1)) {
      if (!node || typeof node !== 'object') break;
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const next = node[keys[step % keys.length]!];
      if (!next || typeof next !== 'object') break;
      node = next;
    }
    if (node && typeof node === 'object') {
      const keys = Object.keys(node);
      if (keys.length) node[keys[steps.at(-1)! % keys.length]!] = value;
    }
    return objects;
  });
}

/** What the runner reports when a rule throws; none may appear. */
const crashes = (objects: Record<string, unknown>[]) => checkObjects(objects, { options: OPTIONS }).filter((f) => f.object.kind === 'railyard').map((f) => f.message);

describe('no input crashes a rule', () => {
  it('objects of known kinds with junk fields', () => {
    const object = fc.record({ apiVersion: fc.constantFrom(...API), kind: fc.constantFrom(...KINDS), metadata: fc.oneof(junk, fc.record({ name: fc.oneof(fc.string(), junk), namespace: fc.oneof(fc.string(), junk), labels: junk, annotations: junk })), spec: junk, data: junk, rules: junk }, { requiredKeys: ['kind'] });
    fc.assert(
      fc.property(fc.array(object, { maxLength: 6 }), (objects) => {
        expect(crashes(objects as Record<string, unknown>[])).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
  it('identity fields that are objects, even ones shadowing toString, are reported, not fatal', () => {
    const odd = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: { toString: false }, namespace: [], labels: { a: { valueOf: 1 } } }, spec: {} };
    const findings = checkObjects([...baseline(), odd], { options: OPTIONS });
    expect(findings.filter((f) => f.object.kind === 'railyard')).toEqual([]);
    expect(findings.some((f) => f.rule === 'schema-invalid' && f.object.name === '{object}')).toBe(true);
  });
  it('a valid app with one field anywhere replaced by junk', () => {
    fc.assert(
      fc.property(corrupted(), (objects) => {
        expect(crashes(objects)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
