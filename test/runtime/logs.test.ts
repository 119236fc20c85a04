// The log pipeline: design properties 4 (valid JSON), 5 (required fields) and
// 6 (no secret values), as properties over generated lines and secrets, then
// with the real runtime and real child processes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineSplitter, createPieceFormatter, formatPiece, MAX_LINE_BYTES, type LineMeta } from '../../src/runtime/logs.js';
import { buildRedactor, REDACTED, urlPassword } from '../../src/runtime/redact.js';
import { NODE, REQUIRED_FIELDS, assertLogLines, baseEnv, program, sleep, startRuntime } from './support.js';

const RUNS = { numRuns: 100 };
const ctx = { process_target: 'worker-primary', pod_name: 'worker-primary-abc', namespace: 'storecove' };

/** Characters secrets are made of: quotes, backslashes, unicode and URL-reserved ones included. */
const secretChar = fc.constantFrom(...'abcXYZ019"\'\\/:@?#&=+%$ ,;[]{}éß€😀\t'.split(/(?:)/u));
const secretValue = fc.array(secretChar, { minLength: 4, maxLength: 16 }).map((a) => a.join(''));
const secretNames = fc.constantFrom('DATABASE_PASSWORD', 'RAILS_MASTER_KEY', 'AWS_SECRET_ACCESS_KEY', 'api_token', 'Valkey_Password', 'STRIPE_SECRET_KEY');
const noise = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\n\r]/g, ' '));

/** Runs bytes through the splitter and formatter as the runtime does. */
function pipeline(chunks: Buffer[], env: Record<string, string>, maxBytes = MAX_LINE_BYTES): { records: string[]; pieces: { text: string; meta?: LineMeta }[] } {
  const redactor = buildRedactor(env);
  const records: string[] = [];
  const pieces: { text: string; meta?: LineMeta }[] = [];
  const now = new Date();
  const format = createPieceFormatter(ctx, { stream: 'stdout', pool: 'mail', slot: 0 }, redactor);
  const sp = createLineSplitter((line, meta) => {
    pieces.push({ text: line, meta });
    records.push(...format(line, meta, now));
  }, redactor, maxBytes);
  for (const c of chunks) sp.push(c);
  sp.end();
  return { records, pieces };
}

/** Every string in a parsed record, keys included; numbers and booleans as printed. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k), strings(x, out);
  return out;
}

/** The forms a secret takes in a log line, spelled out here rather than taken from the code under test. */
const formsOf = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];

/** A secret leaks if any form of it appears in a string outside the redaction markers. */
function leaks(record: Record<string, unknown>, secrets: string[]): string | undefined {
  for (const s of strings(record)) {
    for (const seg of s.split(REDACTED)) {
      for (const secret of secrets) for (const form of formsOf(secret)) if (seg.includes(form)) return form;
    }
  }
  return undefined;
}

/** Splits a buffer at generated offsets, as a pipe would deliver it. */
const chunked = (buf: Buffer, cuts: number[]) => {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) out.push(buf.subarray(prev, c)), (prev = c);
  out.push(buf.subarray(prev));
  return out;
};

describe('log lines (properties 4, 5, 6 over generated lines and secrets)', () => {
  it('every record is JSON with the required fields, and no secret form survives', () => {
    const lineArb = (secrets: string[]) =>
      fc.oneof(
        // Plain text with secrets in their raw, JSON-escaped and URL-encoded forms.
        fc.tuple(noise, fc.constantFrom(...secrets), fc.constantFrom('raw', 'json', 'url'), noise).map(([a, s, form, b]) =>
          a + (form === 'raw' ? s : form === 'json' ? JSON.stringify(s).slice(1, -1) : encodeURIComponent(s)) + b,
        ),
        // A lograge-style JSON line holding a secret, sometimes with \u escapes.
        fc.tuple(fc.constantFrom(...secrets), fc.boolean(), noise).map(([s, escape, n]) => {
          const json = JSON.stringify({ method: 'GET', path: `/x?t=${s}`, status: 200, params: { password: s, note: n } });
          return escape ? json.replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : json;
        }),
        noise,
      );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(secretNames, secretValue), { minLength: 1, maxLength: 4, selector: (t) => t[0] }).chain((pairs) =>
          fc.tuple(fc.constant(pairs), fc.array(lineArb(pairs.map((p) => p[1])), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean()),
        ),
        ([pairs, lines, cuts, trailingNewline]) => {
          const env = Object.fromEntries(pairs);
          const text = lines.join('\n') + (trailingNewline ? '\n' : '');
          const { records } = pipeline(chunked(Buffer.from(text), cuts), env);
          // An empty last line with no newline after it is no line at all.
          expect(records.length).toBe(trailingNewline || lines[lines.length - 1] !== '' ? lines.length : lines.length - 1);
          for (const r of records) {
            const rec = JSON.parse(r) as Record<string, unknown>;
            for (const f of REQUIRED_FIELDS) expect(typeof rec[f]).toBe('string');
            expect(rec.stream).toBe('stdout');
            expect(rec.pool).toBe('mail');
            expect(leaks(rec, pairs.map((p) => p[1]))).toBeUndefined();
          }
        },
      ),
      RUNS,
    );
  });

  it('a numeric secret in a child\'s JSON, as a number of any size or form, never comes out (property 6)', () => {
    // Digits only, 6 to 22 of them: short enough to be exact doubles, and long
    // enough to be rounded (past 2^53) when parsed. 6+ digits cannot occur in
    // the record's own fields (timestamp, slot), so searching the raw text is exact.
    const digits = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 5, maxLength: 21 })).map(([d, ds]) => `${d}${ds.join('')}`);
    const forms = (n: string) => [`{"pin":${n}}`, `{"a":[1,${n}],"b":{"c":${n}}}`, `{"amount":${n}.5,"ok":true}`, `{"x":${n}e0}`, `{"n":9${n}9}`, `{"msg":"paid","id":${n}}`, `{"x":${n}e-4}`];
    fc.assert(
      fc.property(digits, fc.nat(), fc.constantFrom('PIN_SECRET', 'DATABASE_PASSWORD', 'API_TOKEN'), (secret, pick, name) => {
        const all = forms(secret);
        const line = all[pick % all.length]!;
        const { records } = pipeline([Buffer.from(line + '\n')], { [name]: secret });
        expect(records).toHaveLength(1);
        const raw = records[0]!;
        const rec = JSON.parse(raw) as Record<string, unknown>;
        expect(leaks(rec, [secret])).toBeUndefined();
        // Not spelled out anywhere, and not as a rounded number either.
        expect(raw).not.toContain(secret);
        expect(raw).not.toContain(secret.slice(0, 15));
        // Nor split by a decimal point an exponent moved (`123456e-4` prints `12.3456`).
        expect(raw.replace(/\./g, '')).not.toContain(secret.slice(0, 15));
        for (const f of REQUIRED_FIELDS) expect(typeof rec[f]).toBe('string');
      }),
      // Found by CI (seed 1438973027): 16 digits below 2^53 with `.5` round to
      // a neighbour that prints the secret's first 15 digits.
      { ...RUNS, examples: [['4503600000000003', 2, 'PIN_SECRET'], ['123456789', 6, 'PIN_SECRET']] },
    );
  });

  it('a 16-digit id inside a string does not cost a line with a secret its fields', () => {
    // Only numbers are in doubt: a string is printed as it came, and redacted as such.
    const line = '{"level":"error","msg":"charge failed","trace_id":"1234567890123456789","token":"s3cr3t-value"}';
    const { records } = pipeline([Buffer.from(line + '\n')], { API_TOKEN: 's3cr3t-value' });
    const rec = JSON.parse(records[0]!) as Record<string, unknown>;
    expect(rec.level).toBe('error');
    expect(rec.trace_id).toBe('1234567890123456789');
    expect(rec.message).toBe('charge failed');
    expect(records[0]).not.toContain('s3cr3t-value');
  });

  it('any bytes at all, invalid UTF-8 and control characters included, come out as valid JSON records (property 4)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 16, max: 512 }), (chunks, max) => {
        const { records } = pipeline(chunks.map((c) => Buffer.from(c)), { SOME_TOKEN: 'tok\u0000en' }, max);
        for (const r of records) {
          expect(r).not.toContain('\n');
          const rec = JSON.parse(r) as Record<string, unknown>;
          for (const f of REQUIRED_FIELDS) expect(typeof rec[f]).toBe('string');
        }
      }),
      RUNS,
    );
  });

  it('lines without secrets come through unchanged; JSON objects are merged, not wrapped', () => {
    fc.assert(
      fc.property(fc.array(noise.filter((s) => !s.trimStart().startsWith('{')), { minLength: 1, maxLength: 5 }), (lines) => {
        const { records } = pipeline([Buffer.from(lines.join('\n') + '\n')], { DATABASE_PASSWORD: 'zzzz-never-present' });
        expect(records.map((r) => JSON.parse(r).message)).toEqual(lines.map((l) => Buffer.from(l).toString('utf8')));
      }),
      RUNS,
    );
    const [rec] = pipeline([Buffer.from('{"method":"GET","path":"/health","status":200,"duration":1.5,"process_target":"server","level":"ERROR"}\n')], {}).records;
    const o = JSON.parse(rec!);
    expect(o).toMatchObject({ method: 'GET', path: '/health', status: 200, duration: 1.5, message: 'GET /health 200', level: 'error', process_target: 'worker-primary', child_process_target: 'server' });
  });

  it('long lines are cut into marked parts of at most the limit, losslessly, never through a secret', () => {
    fc.assert(
      fc.property(
        secretValue,
        fc.array(fc.oneof(noise, fc.constant('SECRET')), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 32, max: 96 }),
        (secret, bits, cuts, max) => {
          const line = bits.map((b) => (b === 'SECRET' ? secret : b)).join('');
          const env = { X_TOKEN: secret };
          const { records, pieces } = pipeline(chunked(Buffer.from(line), cuts), env, max);
          for (const p of pieces) if (p.meta?.continues) expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(max);
          const parsed = records.map((r) => JSON.parse(r) as Record<string, unknown>);
          if (parsed.length > 1) {
            parsed.forEach((p, i) => {
              expect(p.line_part).toBe(i + 1);
              expect(p.line_continues).toBe(i < parsed.length - 1);
            });
          }
          const redactor = buildRedactor(env);
          expect(parsed.map((p) => p.message).join('')).toBe(redactor.redact(Buffer.from(line).toString('utf8')));
          for (const p of parsed) expect(leaks(p, [secret])).toBeUndefined();
        },
      ),
      RUNS,
    );
  });

  it('the per-source fast path writes the same bytes as the general formatter (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(noise, secretValue), { minLength: 1, maxLength: 5 }), fc.constantFrom('stdout', 'stderr') as fc.Arbitrary<'stdout' | 'stderr'>, fc.option(fc.nat({ max: 50 }), { nil: undefined }), (bits, stream, slot) => {
        const line = bits.join('');
        const env = { X_PASSWORD: bits[bits.length - 1]! };
        const redactor = buildRedactor(env);
        const source = slot === undefined ? { stream, pid: 42 } : { stream, pool: 'a,b', slot, pid: 42 };
        const now = new Date();
        expect(createPieceFormatter(ctx, source, redactor)(line, undefined, now)).toEqual(formatPiece(ctx, source, line, redactor, undefined, now));
      }),
      RUNS,
    );
  });

  it('keeps every record under Logz.io\'s 500,000 bytes even when escaping grows a full part sixfold', () => {
    // 256 KiB of control characters: each becomes \\u00XX (6 bytes) in JSON.
    const text = '\u0001'.repeat(MAX_LINE_BYTES);
    const { records } = pipeline([Buffer.from(text + '\n')], {});
    expect(records.length).toBeGreaterThan(1);
    for (const r of records) expect(Buffer.byteLength(r)).toBeLessThan(500_000);
    const parsed = records.map((r) => JSON.parse(r) as Record<string, unknown>);
    expect(parsed.map((p) => p.message).join('')).toBe(text);
    parsed.forEach((p, i) => expect(p.line_continues).toBe(i < parsed.length - 1));
    // A line of several splitter parts, each halved again: parts still numbered 1…n.
    const long = '\u0002'.repeat(MAX_LINE_BYTES * 2 + 1000);
    const many = pipeline([Buffer.from(long)], {}).records.map((r) => JSON.parse(r) as Record<string, unknown>);
    expect(many.map((p) => p.line_part)).toEqual(many.map((_, i) => i + 1));
    expect(many.map((p) => p.message).join('')).toBe(long);
  });

  it('finds URL passwords and warns about short values by name', () => {
    expect(urlPassword('mysql2://app:p%40ss@db:3306/x')).toBe('p%40ss');
    expect(urlPassword('https://example.com/x')).toBeUndefined();
    const r = buildRedactor({ DATABASE_URL: 'mysql2://app:p%40ss-word@db/x', SHORT_KEY: 'abc', EMPTY_SECRET: '', PLAIN: 'hello' });
    expect(r.redact('login p@ss-word and p%40ss-word')).toBe(`login ${REDACTED} and ${REDACTED}`);
    expect(r.tooShort).toEqual(['SHORT_KEY']);
    expect(r.redact('hello abc')).toBe('hello abc');
  });
});

describe('log pipeline with real processes', () => {
  const tmp = () => mkdtempSync(join(tmpdir(), 'railyard-logs-'));

  it('redacts secrets a child prints, merges its JSON, warns once about short values, and every line parses', async () => {
    const dir = tmp();
    const secret = 'p"a\\ss/wö rd?&=😀';
    const input = join(dir, 'in.txt');
    writeFileSync(input, [`plain ${secret}`, `json-escaped ${JSON.stringify(secret)}`, `url ${encodeURIComponent(secret)}`, JSON.stringify({ method: 'POST', path: '/login', status: 302, password: secret }), 'no newline at the end'].join('\n'));
    const rt = await startRuntime(['web', '--', NODE, program('lines.cjs'), input], baseEnv({ DATABASE_PASSWORD: secret, SHORT_TOKEN: 'ab' }));
    const { code } = await rt.exited;
    expect(code).toBe(0);
    assertLogLines(rt.raw);
    const all = rt.raw.join('\n');
    for (const form of formsOf(secret)) expect(all).not.toContain(form);
    const warn = rt.lines.filter((l) => String(l.message).includes('shorter than 4'));
    expect(warn).toHaveLength(1);
    expect(warn[0]!.message).toContain('SHORT_TOKEN');
    const out = rt.lines.filter((l) => l.stream === 'stdout');
    expect(out.map((l) => l.message)).toEqual([`plain ${REDACTED}`, `json-escaped "${REDACTED}"`, `url ${REDACTED}`, 'POST /login 302', 'no newline at the end']);
    expect(out[3]).toMatchObject({ method: 'POST', status: 302, password: REDACTED });
  });

  it('splits a 10 MB line with no newline into 256 KiB parts and flushes the partial last one', async () => {
    const rt = await startRuntime(['web', '--', NODE, program('write-10mb.cjs')], baseEnv());
    const { code } = await rt.exited;
    expect(code).toBe(0);
    assertLogLines(rt.raw);
    const parts = rt.lines.filter((l) => l.stream === 'stdout');
    expect(parts.length).toBe(40);
    let total = 0;
    parts.forEach((p, i) => {
      expect(p.line_part).toBe(i + 1);
      expect(p.line_continues).toBe(i < parts.length - 1);
      expect(Buffer.byteLength(p.message as string)).toBeLessThanOrEqual(MAX_LINE_BYTES);
      total += (p.message as string).length;
    });
    expect(total).toBe(10 * 1024 * 1024);
    for (const r of rt.raw) expect(Buffer.byteLength(r)).toBeLessThan(500_000);
  });

  it('slows a fast writer down when stdout is not read (backpressure), with bounded memory', async () => {
    const dir = tmp();
    const report = join(dir, 'progress');
    const rt = await startRuntime(['web', '--', NODE, program('flood.cjs')], baseEnv({ REPORT_FILE: report }));
    await rt.waitFor((l) => l.stream === 'stdout');
    // Stop reading: the pipe to us fills, then the runtime's queue, then the child's pipe.
    rt.proc.stdout!.pause();
    await sleep(1500);
    const a = Number(readFileSync(report, 'utf8'));
    await sleep(1000);
    const b = Number(readFileSync(report, 'utf8'));
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${rt.proc.pid}/status`, 'utf8'))![1]) * 1024;
    // The child is blocked: it wrote nothing more in a second...
    expect(b - a).toBe(0);
    // ...and the runtime holds at most its high-water mark plus a pipe's worth, not the flood.
    expect(rss).toBeLessThan(120 * 1024 * 1024);
    rt.proc.stdout!.resume();
    // Reading again lets it go on.
    await sleep(500);
    expect(Number(readFileSync(report, 'utf8'))).toBeGreaterThan(b);
    rt.kill('SIGTERM');
    const { code } = await rt.exited;
    expect(code).toBe(143);
  });
});
