import { describe, expect, it } from 'vitest';
import { createReporter } from '../../src/deploy/report.js';
import type { RolloutState } from '../../src/deploy/rollout.js';

const state = (name: string, done: boolean, message: string): RolloutState => ({ name, done, failed: false, message, desired: 2, updated: done ? 2 : 1, ready: 2, available: 2 });

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

describe('deploy progress output', () => {
  it('on a TTY redraws one line per rollout in place', () => {
    const s = sink(true);
    const r = createReporter(s);
    r.rollouts([state('Deployment/web', false, '1/2 updated'), state('Deployment/worker', false, '0/2 updated')]);
    r.rollouts([state('Deployment/web', true, '2/2 updated'), state('Deployment/worker', false, '1/2 updated')]);
    expect(s.chunks).toHaveLength(2);
    expect(s.chunks[0]).not.toContain('\u001b[2A');
    expect(s.chunks[1]!.startsWith('\u001b[2A')).toBe(true); // back up over the two lines
    expect(s.chunks[1]!.match(/\u001b\[2K/g)).toHaveLength(2); // and clear each before rewriting
    expect(s.chunks[1]).toContain('2/2 updated');
  });

  it('in CI prints a plain line only when a rollout changes, with no escape codes', () => {
    const s = sink(false);
    const r = createReporter(s);
    r.rollouts([state('Deployment/web', false, '1/2 updated')]);
    r.rollouts([state('Deployment/web', false, '1/2 updated')]);
    r.rollouts([state('Deployment/web', true, '2/2 updated')]);
    expect(s.text()).toBe('   Deployment/web: waiting 1/2 updated\n   Deployment/web: done 2/2 updated\n');
    r.step('apply routes');
    r.warn('careful');
    expect(s.text()).not.toMatch(/\u001b/);
  });

  it('--quiet keeps warnings only', () => {
    const s = sink(false);
    const r = createReporter(s, { quiet: true });
    r.step('x');
    r.info('y');
    r.log('z');
    r.rollouts([state('Deployment/web', true, 'done')]);
    r.warn('w');
    expect(s.text()).toBe('warning: w\n');
  });
});
