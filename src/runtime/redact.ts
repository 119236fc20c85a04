// Redaction of secret env values from everything the runtime writes (design property 6).
//
// A value is secret when its variable's name contains PASSWORD, SECRET, KEY or
// TOKEN (any case); the password inside any URL-style value is secret too.
// Each secret is searched in the forms it takes on the way to a log line:
// raw, JSON-escaped (a child that logs JSON) and URL-encoded (a child that logs
// a request URL or a connection string). Values shorter than MIN_SECRET_LENGTH
// would match everywhere ("1", "abc"), so they are not searched and the runtime
// warns once, naming the variable (never its value).

export const REDACTED = '[REDACTED]';
export const MIN_SECRET_LENGTH = 4;
const SECRET_NAME = /PASSWORD|SECRET|KEY|TOKEN/i;

export interface Redactor {
  /** Replaces every searched form of every secret in `text`. */
  redact(text: string): string;
  /** Names of secret-like vars whose values are too short to search (1–3 characters). */
  tooShort: string[];
  /** Every form searched, longest first (for tests and the split-point logic). */
  patterns: string[];
  /** Length of the longest pattern, 0 when there is none. */
  longest: number;
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The password part of a URL-style value (`scheme://user:pass@host`), raw as written. */
export function urlPassword(value: string): string | undefined {
  // Not `new URL`: it rejects many real connection strings (`mysql2://u:p@h,h2/db`)
  // and normalises what it keeps, so the raw password could differ from the text.
  const m = /^[A-Za-z][A-Za-z0-9+.\-]*:\/\/([^@/?#]*)@/.exec(value);
  if (!m) return undefined;
  const userinfo = m[1]!;
  const colon = userinfo.indexOf(':');
  if (colon < 0) return undefined;
  const pass = userinfo.slice(colon + 1);
  return pass === '' ? undefined : pass;
}

/** Every form of one secret value that can show up in a log line. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  const encoded = encodeURIComponent(value);
  forms.add(encoded);
  forms.add(encoded.replace(/%20/g, '+'));
  // Percent-encoding is case-insensitive; some encoders (Ruby's CGI.escape is upper,
  // others lower) differ only in the hex digits.
  forms.add(encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  // A multi-line value (a PEM key) never reaches a log line whole, because lines
  // are split on "\n": search each of its lines as well.
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_SECRET_LENGTH) forms.add(line);
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Secret values found in an env: (var name, value) pairs, URL passwords included. */
export function secretValues(env: Record<string, string | undefined>): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    if (isSecretName(name)) out.push({ name, value });
    const pass = urlPassword(value);
    if (pass !== undefined) {
      out.push({ name, value: pass });
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(pass);
      } catch {
        decoded = undefined;
      }
      if (decoded !== undefined && decoded !== pass) out.push({ name, value: decoded });
    }
  }
  return out;
}

export function buildRedactor(env: Record<string, string | undefined>): Redactor {
  const tooShort = new Set<string>();
  const patterns = new Set<string>();
  for (const { name, value } of secretValues(env)) {
    if (value.length < MIN_SECRET_LENGTH) {
      tooShort.add(name);
      continue;
    }
    for (const form of secretForms(value)) patterns.add(form);
  }
  // Longest first, so a secret that contains another is replaced whole.
  const sorted = [...patterns].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const longest = sorted[0]?.length ?? 0;
  if (sorted.length === 0) return { redact: (t) => t, tooShort: [...tooShort], patterns: sorted, longest };
  // One alternation: irregexp scans the text once instead of once per pattern.
  const re = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  // Cheap pre-check: most lines hold no secret; a line that has none of the
  // patterns' first characters cannot match.
  const firsts = new Set(sorted.map((p) => p[0]!));
  const firstRe = new RegExp('[' + [...firsts].map(escapeClassChar).join('') + ']');
  const redact = (text: string): string => {
    if (!firstRe.test(text)) return text;
    re.lastIndex = 0;
    return re.test(text) ? (re.lastIndex = 0, text.replace(re, REDACTED)) : text;
  };
  return { redact, tooShort: [...tooShort], patterns: sorted, longest };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function escapeClassChar(c: string): string {
  return /[\\\]\[^-]/.test(c) ? '\\' + c : c;
}
