// client-node's KubernetesObjectApi serializes objects of the kinds it knows
// through its generated models, whose names differ from the API's JSON where
// the JSON name is a reserved word: a NetworkPolicy ingress rule's `from` is
// `_from` there, and a plain `from` is dropped on the way out. That turned the
// web tier's allow rule into "from anywhere" on the cluster. These tests run
// every rendered object through the very serializer apply() uses.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
// Not in the package's index, but the module KubernetesObjectApi itself uses.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { fromClientModel, toClientModel } from '../../src/deploy/kube.js';
import type { KubeObject } from '../../src/render/kubernetes/index.js';

const { app } = await loadConfig('examples/storecove');
const objects = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects) as unknown as KubeObject[];
/** The model name KubernetesObjectApi looks an object up by (util.js getSerializationType). */
const typeOf = (o: KubeObject) => {
  const version = o.apiVersion.split('/').pop()!;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${o.kind}`;
};
const wire = (o: KubeObject) => JSON.parse(JSON.stringify(ObjectSerializer.serialize(toClientModel(o), typeOf(o), '')));

describe('what apply() puts on the wire', () => {
  it('sends a NetworkPolicy ingress rule with its from, which a plain object loses', () => {
    const allow = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'rails-server-allow-ingress')!;
    expect((allow as any).spec.ingress[0].from).toHaveLength(1);
    // The bug: the serializer alone drops it.
    expect(JSON.parse(JSON.stringify(ObjectSerializer.serialize(allow, 'V1NetworkPolicy', ''))).spec.ingress[0].from).toBeUndefined();
    expect(wire(allow).spec.ingress[0].from).toEqual((allow as any).spec.ingress[0].from);
  });

  it('every rendered object of a kind client-node models reaches the wire unchanged', () => {
    // Kinds it does not model (none here today) pass through as they are; the rest must come out as they went in.
    expect(objects.length).toBeGreaterThan(30);
    for (const o of objects) expect({ object: `${o.kind}/${o.metadata.name}`, sent: wire(o) }).toEqual({ object: `${o.kind}/${o.metadata.name}`, sent: JSON.parse(JSON.stringify(o)) });
  });

  it('maps back what the API returns, so a read NetworkPolicy has its from (property, 100 runs)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ from: fc.option(fc.array(fc.record({ podSelector: fc.constant({}) }), { maxLength: 3 }), { nil: undefined }), ports: fc.array(fc.record({ port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 2 }) }), { maxLength: 4 }), (ingress) => {
        const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { podSelector: {}, ingress: ingress.map((r) => (r.from === undefined ? { ports: r.ports } : r)) } } as unknown as KubeObject;
        expect(fromClientModel(toClientModel(np))).toEqual(np);
        expect(wire(np).spec.ingress).toEqual((np as any).spec.ingress);
      }),
      { numRuns: 100 },
    );
  });
});
