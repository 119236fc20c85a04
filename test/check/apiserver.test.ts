// The API-server validators on their own, with generated valid and invalid input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  parseQuantity,
  validateCronSchedule,
  validateEnvName,
  isPortableEnvName,
  validateLabelKey,
  validateLabelValue,
  validateObjectName,
  validatePortName,
  validateQuantity,
  validateTimeZone,
} from '../../src/check/index.js';

const RUNS = { numRuns: 300 };
const lowerAlnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const inner = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split(''));

/** A valid RFC 1123 label of 1..63 characters. */
const label = fc
  .tuple(lowerAlnum, fc.array(inner, { maxLength: 61 }), lowerAlnum)
  .map(([a, mid, z]) => a + mid.join('') + z)
  .chain((s) => fc.constantFrom(s, s[0]!));

describe('DNS names', () => {
  it('accepts generated labels and subdomains', () => {
    fc.assert(fc.property(label, (s) => isDns1123Label(s) && isDns1123Subdomain(s)), RUNS);
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), (parts) => isDns1123Subdomain(parts.join('.')) === parts.join('.').length <= 253), RUNS);
  });
  it('refuses upper case, edge dashes, and 64 characters', () => {
    fc.assert(
      fc.property(label, fc.constantFrom('A', '-', '_', '.'), fc.boolean(), (s, bad, front) => {
        const broken = front ? bad + s : s + bad;
        return !isDns1123Label(broken);
      }),
      RUNS,
    );
    expect(isDns1123Label('a'.repeat(63))).toBe(true);
    expect(isDns1123Label('a'.repeat(64))).toBe(false);
    expect(isDns1123Subdomain('a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(61))).toBe(true);
    expect(isDns1123Subdomain('a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(62))).toBe(false);
  });
  it('applies RFC 1035 to Services: a leading digit is refused', () => {
    expect(isDns1035Label('rails-server')).toBe(true);
    expect(isDns1035Label('3scale')).toBe(false);
    expect(validateObjectName('Service', '3scale')).toBeDefined();
    expect(validateObjectName('Deployment', '3scale')).toBeUndefined();
    expect(validateObjectName('ClusterRole', 'system:fluent-bit')).toBeUndefined();
    expect(validateObjectName('ClusterRole', 'a/b')).toBeDefined();
  });
});

describe('labels', () => {
  it('accepts prefixed keys and values up to 63 characters', () => {
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), label, (prefix, name) => validateLabelKey(`${prefix.join('.')}/${name}`).length === (prefix.join('.').length > 253 ? 1 : 0)), RUNS);
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'aZ09-_.'.split('')), maxLength: 61 }), (mid) => validateLabelValue(`a${mid}z`).length === 0), RUNS);
    expect(validateLabelValue('')).toEqual([]);
  });
  it('refuses long, empty-named, double-slashed and badly ended keys and values', () => {
    expect(validateLabelValue('x'.repeat(64))).toHaveLength(1);
    expect(validateLabelValue('-x')).toHaveLength(1);
    expect(validateLabelKey('a/b/c')).toHaveLength(1);
    expect(validateLabelKey('example.com/')).toHaveLength(1);
    expect(validateLabelKey('Example.com/x')).toHaveLength(1);
    expect(validateLabelKey('x'.repeat(64))).toHaveLength(1);
    expect(validateLabelKey('app.kubernetes.io/name')).toEqual([]);
  });
});

describe('port names (IANA service names)', () => {
  const portName = fc
    .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), { maxLength: 13 }))
    .map(([a, rest]) => a + rest.join(''));
  it('accepts 1..15 lower-case alphanumerics with a letter', () => {
    fc.assert(fc.property(portName, (n) => validatePortName(n) === undefined), RUNS);
    expect(validatePortName('http-metrics')).toBeUndefined();
  });
  it('refuses 16 characters, digits only, upper case, edge and double dashes', () => {
    fc.assert(fc.property(portName, (n) => validatePortName(n.padEnd(16, 'x')) !== undefined), RUNS);
    for (const bad of ['8080', 'HTTP', '-http', 'http-', 'ht--tp', '', 'http_2']) expect(validatePortName(bad), bad).toBeDefined();
  });
});

describe('quantities', () => {
  const suffixes = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 } as const;
  it('accepts a number with any known suffix, and values it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100000 }), fc.constantFrom(...(Object.keys(suffixes) as (keyof typeof suffixes)[])), (n, s) => {
        const q = `${n}${s}`;
        return validateQuantity(q) === undefined && Math.abs(parseQuantity(q)! - n * suffixes[s]) <= 1e-9 * Math.max(1, n * suffixes[s]);
      }),
      RUNS,
    );
    for (const ok of ['500m', '0.5', '1.5Gi', '1e3', '2E-3', '+1', 3, '.5']) expect(validateQuantity(ok), String(ok)).toBeUndefined();
  });
  it('values a negative amount as negative, whatever its suffix (E and Ei are suffixes, not exponents)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100000 }), fc.constantFrom(...(Object.keys(suffixes) as (keyof typeof suffixes)[])), (n, s) => {
        const v = parseQuantity(`-${n}${s}`)!;
        return v < 0 && Math.abs(v + n * suffixes[s]) <= 1e-9 * n * suffixes[s];
      }),
      RUNS,
    );
    expect(parseQuantity('1E3')).toBe(1000);
    expect(parseQuantity('1E')).toBe(1e18);
  });
  it('refuses unit spellings the API server does not know', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9999 }), fc.constantFrom('MB', 'GB', 'Kib', 'mi', 'gi', ' Mi', 'Mi ', 'b', 'cores'), (n, s) => validateQuantity(`${n}${s}`) !== undefined), RUNS);
    for (const bad of ['', '1..2', 'Mi', '1 Gi', '--1', null, true]) expect(validateQuantity(bad), String(bad)).toBeDefined();
  });
});

describe('cron schedules', () => {
  const field = (min: number, max: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min, max }).map(String),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: 30 }).map((s) => `*/${s}`),
      fc.array(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map((xs) => xs.join(',')),
    );
  const schedule = fc.tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)).map((f) => f.join(' '));
  it('accepts generated five-field schedules and the shortcuts', () => {
    fc.assert(fc.property(schedule, (s) => validateCronSchedule(s) === undefined), RUNS);
    for (const ok of ['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@every 1h30m', '0 0 * JAN-MAR MON', '0 0 ? * *', '*/10 * * * *']) expect(validateCronSchedule(ok), ok).toBeUndefined();
  });
  it('refuses the wrong field count, out-of-range values, unknown shortcuts and TZ prefixes', () => {
    fc.assert(fc.property(schedule, fc.integer({ min: 0, max: 4 }), (s, drop) => validateCronSchedule(s.split(' ').filter((_, i) => i !== drop).join(' ')) !== undefined), RUNS);
    fc.assert(fc.property(schedule, fc.integer({ min: 60, max: 999 }), (s, bad) => validateCronSchedule([String(bad), ...s.split(' ').slice(1)].join(' ')) !== undefined), RUNS);
    for (const bad of ['', '* * * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 13 *', '0 0 * * 7', '5-1 * * * *', '*/0 * * * *', '@fortnightly', 'TZ=UTC 0 6 * * *', 'CRON_TZ=UTC 0 6 * * *']) expect(validateCronSchedule(bad), bad).toBeDefined();
  });
});

describe('time zones', () => {
  it('accepts every zone Intl knows, and refuses garbage', () => {
    for (const tz of Intl.supportedValuesOf('timeZone')) expect(validateTimeZone(tz), tz).toBeUndefined();
    expect(validateTimeZone('Etc/UTC')).toBeUndefined();
    fc.assert(fc.property(fc.stringMatching(/^[A-Z][a-z]{3,8}\/[A-Z][a-z]{3,8}x{3}$/), (tz) => validateTimeZone(tz) !== undefined), RUNS);
    for (const bad of ['', 'Mars/Olympus', '+01:00', 'Europe/Amsterdam ', 'UTC+1']) expect(validateTimeZone(bad), bad).toBeDefined();
  });
});

describe('env names', () => {
  it('accepts what the API server accepts since 1.32 (printable ASCII but "="), and flags the non-portable ones', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,20}$/), (n) => validateEnvName(n) === undefined && isPortableEnvName(n)), RUNS);
    fc.assert(fc.property(fc.stringMatching(/^[0-9][A-Za-z0-9_]{0,10}$/), (n) => validateEnvName(n) === undefined && !isPortableEnvName(n)), RUNS);
    fc.assert(fc.property(fc.stringMatching(/^[ -<>-~]{0,8}=[ -~]{0,8}$/), (n) => validateEnvName(n) !== undefined), RUNS);
    expect(validateEnvName('')).toBeDefined();
    expect(validateEnvName('tab\there')).toBeDefined();
    expect(validateEnvName('ü')).toBeDefined();
    expect(validateEnvName('$HOME')).toBeUndefined();
    expect(isPortableEnvName('$HOME')).toBe(false);
  });
});
