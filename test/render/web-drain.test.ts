// The web tier drains before Puma is signalled: a preStop sleep of drainSeconds,
// and Puma's stop timeout is what is left of the grace period.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { App } from '../../src/config/schema.js';
import { problemsFromZod } from '../../src/config/errors.js';
import { renderWebTier } from '../../src/render/kubernetes/web.js';

async function webContainer(web: Record<string, unknown>) {
  const { app: base } = await loadConfig('examples/storecove');
  const app = App.parse({ ...base, web: { ...base.web, ...web } });
  return renderWebTier(app, 'abcdef1234567')[0].spec!.template.spec!.containers[0]!;
}
const stopTimeout = (c: any) => c.env.find((e: any) => e.name === 'RAILYARD_STOP_TIMEOUT')?.value;

describe('web drain', () => {
  it('sleeps 5 s in preStop by default and gives Puma the rest of the 30 s grace minus 5 s', async () => {
    const c = await webContainer({});
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(stopTimeout(c)).toBe('20');
  });
  it('renders no preStop with drainSeconds 0', async () => {
    const c = await webContainer({ drainSeconds: 0 });
    expect(c.lifecycle).toBeUndefined();
    expect(stopTimeout(c)).toBe('25');
  });
  it('follows a longer grace period', async () => {
    const c = await webContainer({ drainSeconds: 10, terminationGracePeriodSeconds: 60 });
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
    expect(stopTimeout(c)).toBe('45');
  });
  it('refuses a drain that leaves Puma under 5 s of the grace period, naming web.drainSeconds', async () => {
    const { app: base } = await loadConfig('examples/storecove');
    const r = App.safeParse({ ...base, web: { ...base.web, drainSeconds: 26 } });
    expect(r.success).toBe(false);
    expect(problemsFromZod(r.error!)).toContainEqual({ path: 'web.drainSeconds', message: expect.stringContaining('at least 5 s of the 30 s grace period') });
  });
});
