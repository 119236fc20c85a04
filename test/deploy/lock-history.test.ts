import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { judgeLease, lockName } from '../../src/deploy/lock.js';
import { decodeRelease, encodeRelease, lastGood, nextRevision, releaseSecret, type Release, type ReleaseStatus } from '../../src/deploy/history.js';

describe('judgeLease', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it('is free when unheld, ours, or expired; held otherwise', () => {
    expect(judgeLease(undefined, 'me', now)).toEqual({ free: true });
    expect(judgeLease({ holder: '' }, 'me', now)).toEqual({ free: true });
    expect(judgeLease({ holder: 'me', renewTime: now, durationSeconds: 60 }, 'me', now)).toEqual({ free: true });
    expect(judgeLease({ holder: 'ci@runner/1', renewTime: new Date(now.getTime() - 61_000), durationSeconds: 60 }, 'me', now)).toEqual({ free: true });
    const held = judgeLease({ holder: 'ci@runner/1', renewTime: new Date(now.getTime() - 30_000), durationSeconds: 60 }, 'me', now);
    expect(held).toEqual({ free: false, holder: 'ci@runner/1', expiresAt: new Date(now.getTime() + 30_000) });
  });

  it('is held by someone else exactly while their lease has time left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 300 }), (ago, duration) => {
        const v = judgeLease({ holder: 'other', renewTime: new Date(now.getTime() - ago * 1000), durationSeconds: duration }, 'me', now);
        expect(v.free).toBe(ago >= duration);
      }),
      { numRuns: 300 },
    );
  });

  it('names locks within the 63-character limit', () => {
    expect(lockName('storecove')).toBe('railyard-deploy-storecove');
    expect(lockName('a'.repeat(63)).length).toBeLessThanOrEqual(63);
  });
});

const status = fc.constantFrom<ReleaseStatus>('pending', 'deployed', 'failed', 'superseded', 'rolled-back');
const release: fc.Arbitrary<Release> = fc.record({
  app: fc.constant('storecove'),
  revision: fc.integer({ min: 1, max: 10_000 }),
  imageTag: fc.stringMatching(/^[a-z0-9]{7,12}$/),
  status,
  startedAt: fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString()),
  deployer: fc.string(),
  objects: fc.array(fc.record({ apiVersion: fc.constant('apps/v1'), kind: fc.constant('Deployment'), metadata: fc.record({ name: fc.string({ minLength: 1 }) }), spec: fc.jsonValue() }), { maxLength: 5 }),
});

describe('release records', () => {
  it('round-trip through the compressed Secret payload', () => {
    fc.assert(
      fc.property(release, (r) => {
        expect(decodeRelease(encodeRelease(r))).toEqual(JSON.parse(JSON.stringify(r)));
      }),
      { numRuns: 200 },
    );
  });

  it('are Secrets labelled by app, revision and status', () => {
    const s = releaseSecret({ app: 'storecove', revision: 3, imageTag: 'abc', status: 'deployed', startedAt: '', deployer: 'me', objects: [] }, 'storecove');
    expect(s.metadata?.name).toBe('railyard-release-storecove-v3');
    expect(s.metadata?.labels).toMatchObject({ 'railyard.dev/release-of': 'storecove', 'railyard.dev/revision': '3', 'railyard.dev/status': 'deployed' });
    expect(s.type).toBe('railyard.dev/release.v1');
  });

  it('compress the Storecove release well below the 1 MiB Secret limit', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const { renderManifests } = await import('../../src/render/kubernetes/index.js');
    const { app } = await loadConfig('examples/storecove');
    const objects = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects);
    const r: Release = { app: 'storecove', revision: 1, imageTag: 'abc1234', status: 'deployed', startedAt: '', deployer: 'me', objects };
    const encoded = encodeRelease(r);
    expect(encoded.length).toBeLessThan(JSON.stringify(r).length / 4);
    expect(encoded.length).toBeLessThan(256 * 1024);
  });

  it('pick the next revision and the last good release', () => {
    const rs = (list: [number, ReleaseStatus][]) => list.map(([revision, s]) => ({ app: 'a', revision, imageTag: 't', status: s, startedAt: '', deployer: '', objects: [] }));
    const h = rs([[1, 'superseded'], [2, 'failed'], [3, 'deployed'], [4, 'failed']]);
    expect(nextRevision(h)).toBe(5);
    expect(nextRevision([])).toBe(1);
    expect(lastGood(h)?.revision).toBe(3);
    expect(lastGood(h, 3)?.revision).toBe(1);
    expect(lastGood(rs([[1, 'failed']]))).toBeUndefined();
  });
});
