// One JSON object per line, for everything the runtime and its children write
// (design properties 4, 5 and 6).
//
// Children's bytes are cut into lines; each line becomes a record with the
// required fields. A line that is already a JSON object (lograge) is merged
// into the record instead of being wrapped as a string. Lines longer than
// MAX_LINE_BYTES are cut into marked parts, because Logz.io drops lines over
// 500,000 bytes. Every string that reaches the output passes the redactor.
import { write as fsWrite } from 'node:fs';
import { REDACTED, type Redactor } from './redact.js';

/** Longest piece of a child's line carried by one record. */
export const MAX_LINE_BYTES = 256 * 1024;
/** Longest serialized record; escaping can grow a 256 KiB piece past Logz.io's 500,000 bytes. */
export const MAX_RECORD_BYTES = 480_000;

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Who wrote a line: identity fields every record carries. */
export interface LogContext {
  process_target: string;
  pod_name: string;
  namespace: string;
}

export interface LineSource {
  stream: 'stdout' | 'stderr' | 'runtime';
  pool?: string;
  slot?: number;
  pid?: number;
}

export interface LineMeta {
  /** 1-based part number when a line was longer than MAX_LINE_BYTES. */
  part?: number;
  /** true on every part but the last of a split line. */
  continues?: boolean;
}

/**
 * A JSON number (after `:`, `[` or `,`) whose printed form may move or change a secret's digits:
 * 16 or more of them, a dot allowed between (more than a double keeps exactly), or an exponent
 * (`123456789e-4` prints `12345.6789`). Numbers only: a 16-digit id inside a string is printed as is.
 */
const DOUBTFUL_NUMBER = /[:[,]\s*-?(?:(?:\d\.?){15}\d|[\d.]+[eE])/;

/** Fields the runtime owns: a child's JSON cannot overwrite them. */
const OWNED = ['timestamp', 'process_target', 'pod_name', 'namespace', 'stream', 'pool', 'slot', 'pid'] as const;

const LEVELS: Record<string, Level> = {
  debug: 'debug', trace: 'debug', info: 'info', notice: 'info', warn: 'warn', warning: 'warn',
  error: 'error', err: 'error', fatal: 'fatal', critical: 'fatal', crit: 'fatal', unknown: 'info',
};

/** A child's level field (`level`, `severity`; names or pino-style numbers) in our vocabulary. */
export function normalizeLevel(v: unknown): Level | undefined {
  if (typeof v === 'string') return LEVELS[v.toLowerCase()];
  if (typeof v === 'number') return v >= 60 ? 'fatal' : v >= 50 ? 'error' : v >= 40 ? 'warn' : v >= 30 ? 'info' : 'debug';
  return undefined;
}

/**
 * Deep-redacts the keys and values of a parsed JSON value. Numbers and booleans
 * are searched in their printed form: a numeric password (`{"pin":12345678}`)
 * is a secret too. A number whose printed form may differ from the child's text
 * (past 2^53, or with an exponent: `12345678901234567890` prints as
 * `12345678901234567000`) sets `doubt.numbers`; the caller then searches the
 * child's raw text, where such a secret would still be spelled out.
 */
function redactValue(v: unknown, redactor: Redactor, doubt?: { numbers: boolean }): unknown {
  if (typeof v === 'string') return redactor.redact(v);
  if (typeof v === 'number' || typeof v === 'boolean') {
    const printed = String(v);
    const redacted = redactor.redact(printed);
    if (redacted !== printed) return redacted;
    if (doubt && typeof v === 'number' && (Math.abs(v) >= 2 ** 53 || printed.includes('e'))) doubt.numbers = true;
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, redactor, doubt));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[redactor.redact(k)] = redactValue(x, redactor, doubt);
    return out;
  }
  return v;
}

/** A message for a JSON line that has none (lograge writes method/path/status, not a message). */
function summarize(o: Record<string, unknown>): string {
  if (typeof o.msg === 'string') return o.msg;
  if (typeof o.method === 'string' && typeof o.path === 'string') {
    return `${o.method} ${o.path}${o.status !== undefined ? ` ${String(o.status)}` : ''}`;
  }
  return '';
}

function parseObject(line: string): Record<string, unknown> | undefined {
  // Only try JSON.parse on what can be an object: the parse attempt is the
  // pipeline's most expensive step for plain-text lines otherwise.
  const c = line.charCodeAt(0);
  if (c !== 123 /* { */ && !(c === 32 || c === 9)) return undefined;
  const t = c === 123 ? line : line.trimStart();
  if (t.charCodeAt(0) !== 123 || t.trimEnd().charCodeAt(t.trimEnd().length - 1) !== 125) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One record, serialized, without the trailing newline. `line` is the child's
 * text (or the runtime's message); `extra` adds fields (the runtime's own).
 */
export function formatRecord(
  ctx: LogContext,
  source: LineSource,
  line: string,
  redactor: Redactor,
  opts: { level?: Level; extra?: Record<string, unknown>; meta?: LineMeta; now?: Date } = {},
): string {
  const base: Record<string, unknown> = {
    timestamp: (opts.now ?? new Date()).toISOString(),
    level: opts.level ?? (source.stream === 'stderr' ? 'warn' : 'info'),
    process_target: ctx.process_target,
    pod_name: ctx.pod_name,
    namespace: ctx.namespace,
    message: '',
    stream: source.stream,
  };
  if (source.pool !== undefined) base.pool = source.pool;
  if (source.slot !== undefined) base.slot = source.slot;
  if (source.pid !== undefined) base.pid = source.pid;

  const parsed = opts.meta?.part === undefined && source.stream !== 'runtime' ? parseObject(line) : undefined;
  const doubt = { numbers: false };
  let child = parsed && (redactValue(parsed, redactor, doubt) as Record<string, unknown>);
  // A number that may hide a secret's digits: when the raw text holds a secret,
  // keep that text (redacted) as the message rather than merge the object.
  // The raw text is searched too: a literal of 16+ digits may parse to a double
  // that prints other digits even below 2^53 (`4503600000000003.5` prints as
  // `4503600000000004`, which still gives away the secret's first 15).
  if (child && (doubt.numbers || DOUBTFUL_NUMBER.test(line)) && redactor.redact(line) !== line) child = undefined;
  if (child) {
    const level = normalizeLevel(child.level) ?? normalizeLevel(child.severity);
    for (const [k, v] of Object.entries(child)) {
      if ((OWNED as readonly string[]).includes(k)) {
        // Keep what the child said under another name rather than lose it.
        if (k === 'timestamp' || (v !== base[k] && v !== undefined)) base[`child_${k}`] = v;
        continue;
      }
      base[k] = v;
    }
    if (level) base.level = level;
    else if (base.level !== undefined && typeof base.level !== 'string') base.level = String(base.level);
    if (typeof base.message !== 'string') base.message = base.message === undefined || base.message === null ? '' : JSON.stringify(base.message);
    if (base.message === '') base.message = redactor.redact(summarize(child));
  } else {
    base.message = redactor.redact(line);
  }
  if (opts.meta?.part !== undefined) {
    base.line_part = opts.meta.part;
    base.line_continues = opts.meta.continues === true;
  }
  if (opts.extra) {
    for (const [k, v] of Object.entries(opts.extra)) base[k] = redactValue(v, redactor);
  }
  return JSON.stringify(base);
}

/**
 * Formats a piece of a child's output, keeping every record under
 * MAX_RECORD_BYTES: a piece whose escaped form is too long (control characters
 * become six bytes each) is halved until it fits.
 */
export function formatPiece(ctx: LogContext, source: LineSource, text: string, redactor: Redactor, meta: LineMeta | undefined, now: Date): string[] {
  const rec = formatRecord(ctx, source, text, redactor, { meta, now });
  if (rec.length <= MAX_RECORD_BYTES / 6 || Buffer.byteLength(rec) <= MAX_RECORD_BYTES || text.length < 2) return [rec];
  // The redaction already ran on the whole piece; cutting the redacted text
  // can't expose a secret, so split that.
  const redacted = redactor.redact(text);
  let cut = redacted.length >> 1;
  if (isHighSurrogate(redacted.charCodeAt(cut - 1))) cut--;
  cut = avoidMarker(redacted, cut);
  const part = meta?.part ?? 1;
  const first = formatPiece(ctx, source, redacted.slice(0, cut), noRedaction, { part, continues: true }, now);
  const rest = formatPiece(ctx, source, redacted.slice(cut), noRedaction, { part: part + first.length, continues: meta?.continues === true }, now);
  return [...first, ...rest];
}

/**
 * formatPiece for one source, with the hot path precomputed: a plain-text line
 * (most of them) becomes head + JSON string + tail, the same bytes formatRecord
 * produces, without building and serializing an object per line.
 */
export function createPieceFormatter(ctx: LogContext, source: LineSource, redactor: Redactor) {
  const level = source.stream === 'stderr' ? 'warn' : 'info';
  const identity = `,"level":"${level}","process_target":${JSON.stringify(ctx.process_target)},"pod_name":${JSON.stringify(ctx.pod_name)},"namespace":${JSON.stringify(ctx.namespace)},"message":`;
  const tailObj: Record<string, unknown> = { stream: source.stream };
  if (source.pool !== undefined) tailObj.pool = source.pool;
  if (source.slot !== undefined) tailObj.slot = source.slot;
  if (source.pid !== undefined) tailObj.pid = source.pid;
  const tail = ',' + JSON.stringify(tailObj).slice(1);
  let lastNow: Date | undefined;
  let head = '';
  // Parts that formatPiece added by halving a piece shift the numbers of the
  // line's later parts, so a line's parts stay numbered 1, 2, 3 … without gaps or repeats.
  let shift = 0;
  return (text: string, meta: LineMeta | undefined, now: Date): string[] => {
    const c = text.charCodeAt(0);
    if (meta !== undefined) {
      const out = formatPiece(ctx, source, text, redactor, { part: meta.part! + shift, continues: meta.continues }, now);
      shift = meta.continues ? shift + out.length - 1 : 0;
      return out;
    }
    // JSON candidates and long lines take the general path.
    if (c === 123 || c === 32 || c === 9 || text.length > MAX_RECORD_BYTES / 6) return formatPiece(ctx, source, text, redactor, meta, now);
    if (now !== lastNow) {
      lastNow = now;
      head = `{"timestamp":"${now.toISOString()}"${identity}`;
    }
    return [head + JSON.stringify(redactor.redact(text)) + tail];
  };
}

const noRedaction: Redactor = { redact: (t) => t, tooShort: [], patterns: [], longest: 0 };

/** Moves a cut point off the middle of a "[REDACTED]" marker. */
function avoidMarker(text: string, cut: number): number {
  const from = Math.max(0, cut - REDACTED.length + 1);
  const i = text.indexOf(REDACTED, from);
  return i >= 0 && i < cut ? i : cut;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * Cuts a byte stream into lines. Lines longer than MAX_LINE_BYTES come out in
 * parts; the cut never falls inside a UTF-8 character, nor inside any
 * occurrence of a redaction pattern (else each half would carry part of a secret).
 */
export function createLineSplitter(
  emit: (line: string, meta: LineMeta | undefined) => void,
  redactor: Redactor,
  maxBytes = MAX_LINE_BYTES,
): { push(chunk: Buffer): void; end(): void } {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let part = 0; // parts already emitted for the current line
  // Hold back enough bytes to see a whole pattern across the cut.
  const lookahead = Math.max(0, redactor.longest * 4);

  const takePending = (extra?: Buffer): Buffer => {
    const b = pending.length === 1 && !extra ? pending[0]! : Buffer.concat(extra ? [...pending, extra] : pending);
    pending = [];
    pendingBytes = 0;
    return b;
  };

  const emitLine = (buf: Buffer) => {
    if (part > 0) {
      part++;
      emit(buf.toString('utf8'), { part, continues: false });
      part = 0;
    } else {
      emit(buf.toString('utf8'), undefined);
    }
  };

  // Emits parts of MAX_LINE_BYTES while the pending line is longer than that.
  // While the line may still grow (`final` false), bytes past the cut are kept
  // in view so a secret that spans the cut is seen whole and the cut moved off it.
  const cutParts = (final: boolean) => {
    const keep = final ? 0 : lookahead;
    while (pendingBytes > maxBytes + keep) {
      const buf = takePending();
      let cut = utf8Boundary(buf, maxBytes);
      if (redactor.patterns.length > 0) {
        const text = buf.toString('utf8', 0, Math.min(buf.length, cut + lookahead));
        const cutChars = buf.toString('utf8', 0, cut).length;
        const safe = safeCut(text, cutChars, redactor.patterns);
        if (safe !== cutChars && safe > 0) cut = Buffer.byteLength(text.slice(0, safe));
      }
      part++;
      emit(buf.toString('utf8', 0, cut), { part, continues: true });
      const rest = buf.subarray(cut);
      if (rest.length > 0) {
        pending = [rest];
        pendingBytes = rest.length;
      }
    }
  };

  return {
    push(chunk: Buffer) {
      let start = 0;
      if (pendingBytes > 0 || part > 0) {
        // Finish the line that began in an earlier chunk.
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          pending.push(Buffer.from(chunk)); // copied: the stream may reuse its buffer
          pendingBytes += chunk.length;
          cutParts(false);
          return;
        }
        let line = takePending(chunk.subarray(0, nl));
        if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        pending = [line];
        pendingBytes = line.length;
        cutParts(true);
        emitLine(takePending());
        start = nl + 1;
      }
      const last = chunk.lastIndexOf(10);
      if (last >= start) {
        if (last - start <= maxBytes) {
          // Every line here is complete and within the limit: decode once and
          // split in string space ("\n" never occurs inside a UTF-8 sequence).
          const lines = chunk.toString('utf8', start, last).split('\n');
          for (const l of lines) emit(l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l, undefined);
        } else {
          for (;;) {
            const nl = chunk.indexOf(10, start);
            if (nl < 0 || nl > last) break;
            let end = nl;
            if (end > start && chunk[end - 1] === 13) end--;
            if (end - start > maxBytes) {
              pending = [chunk.subarray(start, end)];
              pendingBytes = end - start;
              cutParts(true);
              emitLine(takePending());
            } else emitLine(chunk.subarray(start, end));
            start = nl + 1;
          }
        }
        start = last + 1;
      }
      if (start < chunk.length) {
        // Copy: the stream may reuse its buffer.
        const rest = Buffer.from(chunk.subarray(start));
        pending.push(rest);
        pendingBytes += rest.length;
        cutParts(false);
      }
    },
    end() {
      // A partial last line (no trailing newline) is flushed, not lost.
      if (pendingBytes > 0 || part > 0) {
        cutParts(true);
        emitLine(takePending());
      }
    },
  };
}

/** Largest cut ≤ max that does not split a UTF-8 sequence. */
export function utf8Boundary(buf: Buffer, max: number): number {
  if (buf.length <= max) return buf.length;
  let cut = max;
  // Continuation bytes are 10xxxxxx; step back to the start of the character.
  while (cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return cut === 0 ? max : cut;
}

/**
 * Moves a cut (in UTF-16 units) back to the start of any pattern occurrence
 * that spans it, repeating until none does (moving the cut can land it inside
 * another, earlier occurrence).
 */
export function safeCut(text: string, cut: number, patterns: readonly string[]): number {
  for (;;) {
    let best = cut;
    for (const p of patterns) {
      // Occurrences that start before the cut and end after it.
      let from = Math.max(0, cut - p.length + 1);
      for (;;) {
        const i = text.indexOf(p, from);
        if (i < 0 || i >= cut) break;
        if (i + p.length > cut && i < best) best = i;
        from = i + 1;
      }
    }
    if (isHighSurrogate(text.charCodeAt(best - 1))) best--;
    if (best === cut) return cut;
    cut = best;
  }
}

/**
 * Writes to a file descriptor without blocking the event loop (fs.write runs
 * on libuv's thread pool), one write in flight at a time. `write` returns false
 * once more than `highWater` bytes are queued: the caller pauses its sources
 * until `onDrain` fires, so a slow reader slows the children down instead of
 * growing the queue (backpressure).
 */
export function createFdWriter(fd: number, highWater = 1024 * 1024) {
  let queue: string[] = [];
  let queued = 0;
  let writing = false;
  let drainWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let failed = false;

  const pump = () => {
    if (writing || queue.length === 0) {
      if (!writing && queue.length === 0) {
        const w = idleWaiters;
        idleWaiters = [];
        for (const f of w) f();
      }
      return;
    }
    writing = true;
    const data = Buffer.from(queue.length === 1 ? queue[0]! : queue.join(''));
    queue = [];
    queued = 0;
    const writeAll = (off: number) => {
      fsWrite(fd, data, off, data.length - off, null, (err, n) => {
        if (err) {
          // EAGAIN: a non-blocking pipe is full; try again shortly.
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(() => writeAll(off), 1);
          // EPIPE and friends: nobody reads our output any more. Drop it rather than crash the pod.
          failed = true;
          writing = false;
          queue = [];
          queued = 0;
          release();
          return pump();
        }
        if (off + n < data.length) return writeAll(off + n);
        writing = false;
        release();
        pump();
      });
    };
    writeAll(0);
  };

  const release = () => {
    if (queued <= highWater && drainWaiters.length > 0) {
      const w = drainWaiters;
      drainWaiters = [];
      for (const f of w) f();
    }
  };

  return {
    /** Queues text (complete lines); false means "over the high-water mark, pause". */
    write(text: string): boolean {
      if (failed) return true;
      queue.push(text);
      queued += text.length;
      pump();
      return queued <= highWater;
    },
    onDrain(f: () => void) {
      drainWaiters.push(f);
      // The queue may have drained before the caller asked.
      if (queued <= highWater && !writing) release();
    },
    /** Resolves when everything queued so far has been written. */
    flush(): Promise<void> {
      if (!writing && queue.length === 0) return Promise.resolve();
      return new Promise((r) => {
        idleWaiters.push(r);
        pump();
      });
    },
    get queuedBytes() {
      return queued;
    },
  };
}

export type FdWriter = ReturnType<typeof createFdWriter>;
