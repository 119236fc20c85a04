// The secret scan of the deploy e2e (test/e2e/cluster/deploy.test.ts): planted
// values, the places railyard writes to, and every form a value could take
// there. test/deploy/secret-scan.test.ts shows it finds a leak in each form, so
// an empty result means something.
import { gunzipSync } from 'node:zlib';

/** A value railyard must never show, and what it is (reported instead of the value). */
export interface Planted {
  label: string;
  value: string;
}

/** Somewhere railyard writes: a CLI run's stdout, a release record, a request to Rollbar… */
export interface Place {
  name: string;
  text: string;
}

export interface Leak {
  label: string;
  place: string;
  form: string;
}

/** Values shorter than this would match by chance; plant longer ones. */
export const MIN_PLANTED_LENGTH = 12;

const b64url = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');

/**
 * The texts a value shows up as: itself; JSON- and URL-escaped; base64 (a
 * Secret's data, a kubeconfig's *-data), standard and URL-safe, alone or inside a
 * longer base64 text at any of the three byte alignments (only the characters
 * that depend on the value alone are kept for those).
 */
export function formsOf(value: string): { form: string; text: string }[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: { form: string; text: string }[] = [
    { form: 'as is', text: value },
    { form: 'JSON-escaped', text: JSON.stringify(value).slice(1, -1) },
    { form: 'URL-encoded', text: encodeURIComponent(value) },
  ];
  const whole = bytes.toString('base64');
  out.push({ form: 'base64', text: whole }, { form: 'base64url', text: b64url(whole).replace(/=+$/, '') });
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Skip the group that mixes in the bytes before; stop before the group that mixes in the bytes after.
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor((shift + bytes.length) / 3) * 4;
    if (end - start < 8) continue;
    const inner = encoded.slice(start, end);
    out.push({ form: `base64 inside a longer text (offset ${shift})`, text: inner }, { form: `base64url inside a longer text (offset ${shift})`, text: b64url(inner) });
  }
  const seen = new Set<string>();
  return out.filter((f) => f.text !== '' && !seen.has(f.text) && seen.add(f.text));
}

/** Every planted value found in every place, in any of its forms (one entry per value and place). */
export function findLeaks(planted: readonly Planted[], places: readonly Place[]): Leak[] {
  const leaks: Leak[] = [];
  for (const p of planted) {
    if (p.value.length < MIN_PLANTED_LENGTH) throw new Error(`planted value "${p.label}" is too short to scan for (${p.value.length} < ${MIN_PLANTED_LENGTH} characters)`);
    const forms = formsOf(p.value);
    for (const place of places) {
      const hit = forms.find((f) => place.text.includes(f.text));
      if (hit) leaks.push({ label: p.label, place: place.name, form: hit.form });
    }
  }
  return leaks;
}

/** A release record (a Secret holding the gzipped JSON of the release) as the text railyard wrote into it. */
export function releaseRecordText(secret: { metadata?: { name?: string }; data?: Record<string, string> }): string {
  const data = secret.data ?? {};
  if (!data.release) throw new Error(`Secret ${secret.metadata?.name ?? '?'} holds no release record`);
  // The whole Secret too: its labels and annotations are railyard's as well.
  return `${JSON.stringify({ ...secret, data: { ...data, release: '(decoded below)' } })}\n${gunzipSync(Buffer.from(data.release, 'base64')).toString('utf8')}`;
}

/** The key material of a kubeconfig (parsed YAML): what railyard reads to reach the cluster. */
export function kubeconfigCredentials(config: { users?: { name?: string; user?: Record<string, unknown> }[] }): Planted[] {
  const out: Planted[] = [];
  for (const u of config.users ?? []) {
    const user = u.user ?? {};
    for (const key of ['client-key-data', 'token', 'password'] as const) {
      const v = user[key];
      if (typeof v !== 'string' || v.length < MIN_PLANTED_LENGTH) continue;
      out.push({ label: `kubeconfig user ${u.name ?? '?'}: ${key}`, value: v });
      if (key === 'client-key-data') {
        // The PEM inside: each full line of the key's body.
        const pem = Buffer.from(v, 'base64').toString('utf8');
        pem
          .split('\n')
          .filter((l) => l.length >= 40 && !l.startsWith('-----'))
          .forEach((line, i) => out.push({ label: `kubeconfig user ${u.name ?? '?'}: client key, PEM line ${i + 1}`, value: line }));
      }
    }
  }
  return out;
}
