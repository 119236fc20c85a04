// `railyard rollback` on a terminal without a revision: the recorded
// releases to choose from, newest first, the default marked. Pure.
import type { Release } from '../deploy/history.js';
import { lastGood } from '../deploy/history.js';
import { relative, table } from './cron-model.js';

export interface Picker {
  lines: string[];
  /** What Enter picks: the last good release before the current one. */
  defaultRevision?: number;
  choices: number[];
}

export function releasePicker(releases: Release[], now: Date): Picker {
  const current = [...releases].sort((a, b) => b.revision - a.revision).find((r) => r.status === 'deployed');
  const def = lastGood(releases, current?.revision)?.revision;
  const rows = [...releases].sort((a, b) => b.revision - a.revision);
  const lines = table([
    ['', 'REVISION', 'IMAGE TAG', 'AGE', 'DEPLOYER', 'STATUS'],
    ...rows.map((r) => [r.revision === def ? '>' : r.revision === current?.revision ? '*' : '', String(r.revision), r.imageTag, relative(r.startedAt, now), r.deployer, `${r.status}${r.rollbackOf !== undefined ? ` (rollback to ${r.rollbackOf})` : ''}`]),
  ]);
  return { lines, defaultRevision: def, choices: rows.map((r) => r.revision) };
}

/** The answer typed at the prompt: empty is the default; anything else must be a listed revision. */
export function parsePick(answer: string, p: Picker): number | { error: string } {
  const a = answer.trim();
  if (a === '') return p.defaultRevision ?? { error: 'there is no earlier successful release; type a revision' };
  const n = Number(a);
  if (!Number.isInteger(n) || !p.choices.includes(n)) return { error: `"${a}" is not one of the listed revisions` };
  return n;
}
