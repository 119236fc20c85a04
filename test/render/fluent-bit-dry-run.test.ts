// Fluent Bit itself reads what railyard renders: `fluent-bit --dry-run -c` (the
// binary built from ../shared/vendor, mk/fluentbit.mk) on the ConfigMap of both
// examples and of generated models. Until this test, no Fluent Bit had ever
// parsed the rendered config.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { App } from '../../src/config/schema.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { dryRun, fluentBitBinary } from '../support/fluent-bit.js';

/** The rendered ConfigMap's files: what the DaemonSet mounts in /fluent-bit/etc. */
function configFiles(app: App): Record<string, string> {
  const objects = renderManifests(app, { imageTag: 'abcdef1234567' }).flatMap((f) => f.objects) as any[];
  const cms = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'fluent-bit-config');
  expect(cms).toHaveLength(1);
  return cms[0].data;
}

// A throwaway self-signed certificate's PEM shape (the dry run does not open the file).
const PEM = `-----BEGIN CERTIFICATE-----\n${'MIIB'.padEnd(64, 'A')}\n${'QUFB'.padEnd(40, 'B')}==\n-----END CERTIFICATE-----\n`;

// Each dry run is a process start (about 0.1 s idle, seconds on a loaded machine).
describe('fluent-bit --dry-run on the rendered config', { timeout: 120_000 }, () => {
  it('the binary is the vendored 5.1.1 build', () => {
    const bin = fluentBitBinary();
    const r = dryRun({ 'fluent-bit.conf': '[SERVICE]\n    Flush 1\n' });
    expect(r.output, bin).toMatch(/Fluent Bit v5\.1\.1/);
    expect(r.code, r.output).toBe(0);
  });

  it('fails on a config Fluent Bit refuses (so a pass below means something)', () => {
    const r = dryRun({ 'fluent-bit.conf': '[OUTPUT]\n    Name http\n    Match *\n    No_Such_Property x\n' });
    expect(r.code, r.output).not.toBe(0);
  });

  for (const example of ['examples/storecove', 'examples/storecove-gateway']) {
    it(`accepts ${example}`, async () => {
      const { app } = await loadConfig(example);
      const r = dryRun(configFiles(app));
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/configuration test is successful/);
    });
  }

  it('accepts every model the schema accepts: listener, port, type, CA, storage limit, token key, namespace (100 runs)', async () => {
    const { app: base } = await loadConfig('examples/storecove');
    const fb = base.logging.fluentBit!;
    const arb = fc.record({
      listener: fc.oneof(fc.constantFrom('listener.logz.io', 'listener-eu.logz.io', 'listener-uk.logz.io', 'listener-au.logz.io'), fc.domain()),
      port: fc.integer({ min: 1, max: 65535 }),
      type: fc.stringMatching(/^[A-Za-z0-9_.-]{1,30}$/),
      ca: fc.boolean(),
      storageLimit: fc.constantFrom('64M', '512M', '1G', '2Gi', '100Mi'),
      key: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/),
      namespace: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
    });
    let checked = 0;
    fc.assert(
      fc.property(arb, (v) => {
        const parsed = App.safeParse({
          ...base,
          namespace: v.namespace,
          secrets: base.secrets.map((s) => (s.name === fb.logzio.tokenSecret.name ? { ...s, keys: [v.key] } : s)),
          logging: {
            fluentBit: {
              ...fb,
              storageLimit: v.storageLimit,
              logzio: { ...fb.logzio, listener: v.listener, port: v.port, type: v.type, ...(v.ca ? { ca: PEM } : {}), tokenSecret: { ...fb.logzio.tokenSecret, key: v.key } },
            },
          },
        });
        if (!parsed.success) return; // the schema refused it: nothing is rendered
        checked++;
        const r = dryRun(configFiles(parsed.data));
        expect(r.code, `${JSON.stringify(v)}\n${r.output}`).toBe(0);
      }),
      { numRuns: 100 },
    );
    expect(checked).toBeGreaterThan(50);
  }, 600_000);
});
