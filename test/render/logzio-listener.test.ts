// `logging.fluentBit.logzio`: a regional listener and a private CA reach the
// rendered Fluent Bit output, the ConfigMap and the DaemonSet's mounts.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { App } from '../../src/config/schema.js';
import { renderFluentBit } from '../../src/render/kubernetes/index.js';
import { fluentBitSize } from '../../src/render/kubernetes/logging.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBAAAA\nQUFB==\n-----END CERTIFICATE-----\n';

async function render(logzio: object) {
  const { app: base } = await loadConfig('examples/storecove');
  const fb = base.logging.fluentBit!;
  const app = App.parse({ ...base, logging: { fluentBit: { ...fb, logzio: { ...fb.logzio, ...logzio } } } });
  const objects = renderFluentBit(app, app.logging.fluentBit!, 'v1') as any[];
  const cm = objects.find((o) => o.kind === 'ConfigMap');
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  const output = cm.data['fluent-bit.conf'].split('[OUTPUT]')[1] as string;
  return { cm, ds, output, hash: ds.spec.template.metadata.annotations['railyard.dev/config-sha256'] as string };
}

describe('the Logz.io listener and its CA', () => {
  it('renders the regional listener and port into the http output', async () => {
    const { output } = await render({ listener: 'listener-uk.logz.io', port: 8071 });
    expect(output).toMatch(/^ {4}Host {21}listener-uk\.logz\.io$/m);
    expect(output).toMatch(/^ {4}Port {21}8071$/m);
  });

  it('without a CA: the image trust store, no CA file, no extra mount', async () => {
    const { cm, ds, output } = await render({});
    expect(Object.keys(cm.data)).toEqual(['fluent-bit.conf']);
    expect(output).not.toMatch(/tls\.ca_file/);
    expect(output).toMatch(/^ {4}tls\.verify {15}On$/m);
    expect(ds.spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/log', '/var/fluent-bit/state', '/fluent-bit/etc/fluent-bit.conf']);
  });

  it('with a CA: in the ConfigMap, mounted beside the config, named by tls.ca_file, verification on, and in the rollout hash', async () => {
    const without = await render({});
    const { cm, ds, output, hash } = await render({ ca: PEM });
    expect(cm.data['logzio-ca.crt']).toBe(PEM);
    expect(output).toMatch(/^ {4}tls\.ca_file {14}\/fluent-bit\/etc\/logzio-ca\.crt$/m);
    expect(output).toMatch(/^ {4}tls\.verify {15}On$/m);
    expect(ds.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'config', mountPath: '/fluent-bit/etc/logzio-ca.crt', subPath: 'logzio-ca.crt', readOnly: true });
    // subPath mounts never see ConfigMap updates: a new CA must roll the pods.
    expect(hash).not.toBe(without.hash);
    const other = await render({ ca: PEM.replace('QUFB', 'QkJC') });
    expect(other.hash).not.toBe(hash);
  });
});

describe('storageLimit as Fluent Bit reads it', () => {
  it('keeps k, M, G and whole bytes; writes binary units and T, P, E as bytes, rounded up', () => {
    const cases: [string, string][] = [
      ['512M', '512M'], ['1G', '1G'], ['64k', '64k'], ['1048576', '1048576'],
      ['512Mi', '536870912'], ['1Gi', '1073741824'], ['1.5Gi', '1610612736'], ['100Ki', '102400'],
      ['2T', '2000000000000'], ['0.5', '1'], ['2.5M', '2.5M'],
    ];
    expect(cases.map(([q]) => [q, fluentBitSize(q)])).toEqual(cases);
  });

  it('renders storage.total_limit_size from the model', async () => {
    const { app: base } = await loadConfig('examples/storecove');
    const app = App.parse({ ...base, logging: { fluentBit: { ...base.logging.fluentBit!, storageLimit: '2Gi' } } });
    const cm = (renderFluentBit(app, app.logging.fluentBit!, 'v1') as any[]).find((o) => o.kind === 'ConfigMap');
    expect(cm.data['fluent-bit.conf']).toMatch(/^ {4}storage\.total_limit_size 2147483648$/m);
  });
});
