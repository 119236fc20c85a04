// The YAML emitter against a real parser: whatever JSON data goes in comes back
// out, read as YAML 1.2 and as YAML 1.1 (Kubernetes reads manifests with go-yaml).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { emitYaml, isPlainSafe, stringifyManifests } from '../../src/render/yaml.js';

const roundTrip = (v: unknown, version: '1.1' | '1.2') => parse(emitYaml(v), { version, uniqueKeys: true });
const normalise = (v: unknown) => JSON.parse(JSON.stringify(v));

/** Strings that stress quoting: YAML indicators, look-alikes of numbers, booleans and dates. */
const tricky = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'null', '~', '', ' ', '-', '- a', '? x', ': x', 'a: b', 'a #b', '#x', '&a', '*a', '!t', '|', '>', '%x', '@x', '`x', '"x"', "'x'", '[a]', '{a}', 'a,b', '0x1F', '0o17', '1e3', '.5', '-1', '+1', '.inf', '-.Inf', '.NaN', '12:30', '1_000', '2024-01-01', '0777', '3001', '2m', '*/5 * * * *', '--pool=a:1', 'a  b', 'trailing ', 'x:', '<<', '=', 'line\nline', 'tab\tx', 'end\n', 'two\n\n', '\nlead', ' lead', 'ü', '日本', '\u2028'),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
})).value;

describe('emitYaml', () => {
  it('round-trips any JSON value through a YAML 1.2 parser', () => {
    fc.assert(fc.property(json, (v) => {
      expect(roundTrip(v, '1.2')).toEqual(normalise(v));
    }), { numRuns: 1000 });
  });

  it('round-trips any JSON value through a YAML 1.1 parser (go-yaml’s booleans and octals)', () => {
    fc.assert(fc.property(json, (v) => {
      expect(roundTrip(v, '1.1')).toEqual(normalise(v));
    }), { numRuns: 1000 });
  });

  it('writes plain only what no reader could mistake', () => {
    fc.assert(
      fc.property(tricky, (s) => {
        if (!isPlainSafe(s)) return;
        expect(parse(s, { version: '1.1' })).toBe(s);
        expect(parse(s, { version: '1.2' })).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps manifests readable: plain keys, block sequences, literal blocks for configs', () => {
    expect(emitYaml({ metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'shop' } }, spec: { ports: [{ name: 'http', port: 80 }], schedule: '*/5 * * * *', on: 'yes' }, data: { 'a.conf': '[SERVICE]\n    Flush 1\n' } })).toBe(
      [
        'metadata:',
        '  name: web',
        '  labels:',
        '    app.kubernetes.io/name: shop',
        'spec:',
        '  ports:',
        '    - name: http',
        '      port: 80',
        '  schedule: "*/5 * * * *"',
        '  "on": "yes"',
        'data:',
        '  a.conf: |',
        '    [SERVICE]',
        '        Flush 1',
        '',
      ].join('\n'),
    );
  });

  it('separates documents with ---', () => {
    const text = stringifyManifests([{ a: 1 }, { b: [] }, { c: {} }], '# header\n');
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual([{ a: 1 }, { b: [] }, { c: {} }]);
  });
});
