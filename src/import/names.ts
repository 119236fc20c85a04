// Kubernetes names made from what the app calls things: a CronJob from its task,
// a Deployment from a Procfile process or a consumer class. Stable: the same
// input gives the same name, whatever else is in the app.
import { createHash } from 'node:crypto';

/** `InvoiceAnalyzerJob.perform_later` → `invoice-analyzer-job-perform-later`; '' when nothing is left. */
export function slug(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const hash = (text: string, n: number) => createHash('sha256').update(text).digest('hex').slice(0, n);

/** Cuts a slug to `max` characters; a cut name ends in a hash of the whole, so two long names stay apart. */
export function fitName(name: string, max: number, whole = name): string {
  if (name.length <= max) return name;
  const h = hash(whole, 6);
  return `${name.slice(0, max - h.length - 1).replace(/-+$/, '')}-${h}`;
}

/** A CronJob's Job is named <cronjob>-<11 characters>, so a CronJob name has 52. */
export const CRONJOB_NAME_MAX = 52;

/**
 * Unique names for a list of items. Each gets `base(item)`; items that share a
 * base each get a suffix from a hash of their own `identity`, so adding or
 * reordering lines never renames the others. Identical identities are numbered.
 */
export function uniqueNames<T>(items: readonly T[], base: (t: T) => string, identity: (t: T) => string, max: number, taken: ReadonlySet<string> = new Set()): string[] {
  const bases = items.map((t) => fitName(base(t) || 'task', max));
  const count = new Map<string, number>();
  for (const b of bases) count.set(b, (count.get(b) ?? 0) + 1);
  const used = new Set(taken);
  return items.map((t, i) => {
    const b = bases[i]!;
    let name = b;
    if (count.get(b)! > 1 || used.has(b)) {
      const h = hash(identity(t), 6);
      name = `${b.slice(0, max - h.length - 1).replace(/-+$/, '')}-${h}`;
    }
    const first = name;
    for (let n = 2; used.has(name); n++) name = `${first.slice(0, max - String(n).length - 1).replace(/-+$/, '')}-${n}`;
    used.add(name);
    return name;
  });
}
