import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/deploy/history.js';
import { parsePick, releasePicker } from '../../src/ops/release-picker.js';

const now = new Date('2026-11-30T12:00:00Z');
const r = (revision: number, status: Release['status'], startedAt: string, extra: Partial<Release> = {}): Release => ({ app: 'shop', revision, imageTag: `tag${revision}`, status, startedAt, deployer: 'ann@laptop/1', objects: [], ...extra });

describe('rollback picker', () => {
  const releases = [r(1, 'superseded', '2026-11-28T12:00:00Z'), r(2, 'superseded', '2026-11-30T09:00:00Z'), r(3, 'failed', '2026-11-30T10:00:00Z'), r(4, 'deployed', '2026-11-30T11:50:00Z', { rollbackOf: 2, deployer: 'ci@runner/9' })];

  it('lists releases newest first with tag, age, deployer and status; marks the default and the current one', () => {
    const p = releasePicker(releases, now);
    expect(p.lines).toEqual([
      '   REVISION  IMAGE TAG  AGE      DEPLOYER      STATUS',
      '*  4         tag4       10m ago  ci@runner/9   deployed (rollback to 2)',
      '   3         tag3       2h ago   ann@laptop/1  failed',
      '>  2         tag2       3h ago   ann@laptop/1  superseded',
      '   1         tag1       2d ago   ann@laptop/1  superseded',
    ]);
    expect(p.defaultRevision).toBe(2);
  });

  it('Enter takes the default; a listed revision is taken; anything else is refused', () => {
    const p = releasePicker(releases, now);
    expect([parsePick('', p), parsePick(' 1 ', p), parsePick('3', p)]).toEqual([2, 1, 3]);
    expect(parsePick('7', p)).toEqual({ error: '"7" is not one of the listed revisions' });
    expect(parsePick('two', p)).toEqual({ error: '"two" is not one of the listed revisions' });
    expect(parsePick('', releasePicker([r(1, 'deployed', '2026-11-30T11:00:00Z')], now))).toEqual({ error: 'there is no earlier successful release; type a revision' });
  });
});
