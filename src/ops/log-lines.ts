// Pure parts of `railyard logs`: a kubelet log line in, a record out; records
// ordered across pods within a small window; a dropped stream resumed with no
// gap and no duplicate; a record printed for people or passed on as JSON.

/** One line of one container, as the API server returns it with `timestamps=true`. */
export interface LogRecord {
  /** The kubelet's RFC 3339 timestamp (nanoseconds), the order and resume key. */
  ts: string;
  /** Milliseconds since the epoch of `ts`, for the window. */
  ms: number;
  /** The line after the timestamp, unchanged. */
  text: string;
  component: string;
  pod: string;
  container: string;
}

/** `2026-11-30T16:00:00.123456789Z rest` → timestamp and rest; a line without one (never from the kubelet) keeps `ts` empty. */
export function splitTimestamp(line: string): { ts: string; text: string } {
  const sp = line.indexOf(' ');
  if (sp > 0 && line.charCodeAt(4) === 45 /* - */ && line.charCodeAt(10) === 84 /* T */) return { ts: line.slice(0, sp), text: line.slice(sp + 1) };
  return { ts: '', text: line };
}

/**
 * Milliseconds of an RFC 3339 timestamp. Date.parse keeps only milliseconds,
 * which is enough for the window; ordering ties are broken by `compareTs`.
 */
export function tsMillis(ts: string): number {
  const n = Date.parse(ts);
  return Number.isNaN(n) ? 0 : n;
}

/**
 * Orders two kubelet timestamps exactly (nanoseconds included). They are all
 * UTC with `Z`, so the fraction is compared as text once padded.
 */
export function compareTs(a: string, b: string): number {
  if (a === b) return 0;
  // Same length: same shape (the common case, and the hot path of the fan-in), so text order is time order.
  if (a.length === b.length) return a < b ? -1 : 1;
  const [sa, fa = ''] = a.replace(/Z$/, '').split('.');
  const [sb, fb = ''] = b.replace(/Z$/, '').split('.');
  if (sa !== sb) return sa! < sb! ? -1 : 1;
  const fpa = fa.padEnd(9, '0');
  const fpb = fb.padEnd(9, '0');
  return fpa < fpb ? -1 : fpa > fpb ? 1 : 0;
}

/** The second a kubelet timestamp falls in: what `sinceTime` (RFC 3339, whole seconds) can ask for. */
export function sinceTimeOf(ts: string): string {
  return ts.replace(/\.\d+/, '');
}

/**
 * One container stream's resume point. The API server's `sinceTime` has whole
 * seconds, so a resumed stream replays the lines of the second it resumes in.
 * Lines are skipped while they are older than the last one delivered; of the
 * lines stamped exactly like the last one, as many as were delivered are
 * skipped (the kubelet replays a file in order, so they are the same lines).
 */
export class ResumePoint {
  private last = '';
  private atLast = 0;
  /** Lines of the replay still to skip at exactly `last`. */
  private skipAtLast = 0;
  private resuming = false;

  /** Where to ask the API server to start again; undefined before any line (start as first asked). */
  get sinceTime(): string | undefined {
    return this.last ? sinceTimeOf(this.last) : undefined;
  }

  get lastTimestamp(): string {
    return this.last;
  }

  /** Call before reading a resumed stream. */
  resume(): void {
    this.resuming = this.last !== '';
    this.skipAtLast = this.atLast;
  }

  /** Whether a line of the (possibly resumed) stream is new; records it if so. */
  accept(ts: string): boolean {
    if (this.resuming) {
      const c = compareTs(ts, this.last);
      if (c < 0) return false;
      if (c === 0 && this.skipAtLast > 0) {
        this.skipAtLast--;
        return false;
      }
      this.resuming = false;
    }
    if (ts === this.last) this.atLast++;
    else {
      this.last = ts;
      this.atLast = 1;
    }
    return true;
  }
}

/**
 * Orders records from many streams by timestamp within a window: a record is
 * held until `windowMs` has passed since it arrived, so a slightly late pod's
 * line still goes before a later one. Records arriving after their place has
 * been printed go out at once (order is best effort, never loss).
 */
export class Reorder<T extends { ts: string }> {
  private held: { r: T; at: number; seq: number }[] = [];
  private seq = 0;
  constructor(private readonly windowMs: number) {}

  get size(): number {
    return this.held.length;
  }

  push(r: T, now: number): void {
    const item = { r, at: now, seq: this.seq++ };
    // Mostly in order: search from the end.
    let i = this.held.length;
    while (i > 0 && this.before(item, this.held[i - 1]!)) i--;
    this.held.splice(i, 0, item);
  }

  /**
   * Records whose window has passed, in timestamp order (all of them with `flush`). With a
   * `watermark` (Watermark.value: no open stream will deliver anything older), records at or
   * before it are due at once: nothing can still come to go before them.
   */
  drain(now: number, flush = false, watermark?: string): T[] {
    if (this.held.length === 0) return [];
    // Everything up to the newest record that is due may go: whatever is held before it is older.
    let cut = -1;
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (flush || now - this.held[i]!.at >= this.windowMs || (watermark !== undefined && compareTs(this.held[i]!.r.ts, watermark) <= 0)) {
        cut = i;
        break;
      }
    }
    if (cut < 0) return [];
    const out = this.held.slice(0, cut + 1).map((h) => h.r);
    this.held = this.held.slice(cut + 1);
    return out;
  }

  private before(a: { r: T; seq: number }, b: { r: T; seq: number }): boolean {
    const c = compareTs(a.r.ts, b.r.ts);
    return c < 0 || (c === 0 && a.seq < b.seq);
  }
}

/**
 * The timestamp below which no open stream can still deliver a line: the oldest of the
 * open streams' latest timestamps (each container's log is in time order). Undefined while
 * any open stream has delivered nothing, since its first line may be older than anything
 * seen; then only Reorder's window orders lines. With one busy stream, its lines go out as
 * they arrive instead of a window later.
 */
export class Watermark {
  private readonly latest = new Map<string, string | undefined>();

  open(stream: string): void {
    if (!this.latest.has(stream)) this.latest.set(stream, undefined);
  }

  seen(stream: string, ts: string): void {
    this.latest.set(stream, ts);
  }

  close(stream: string): void {
    this.latest.delete(stream);
  }

  value(): string | undefined {
    let min: string | undefined;
    for (const ts of this.latest.values()) {
      if (ts === undefined) return undefined;
      if (min === undefined || compareTs(ts, min) < 0) min = ts;
    }
    return min;
  }
}

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface PrintOptions {
  /** ANSI colour for the level (a TTY without NO_COLOR). */
  colour: boolean;
  /** Pass JSON objects through unchanged; a plain line becomes an object. */
  json: boolean;
}

const LEVEL_COLOUR: Record<string, number> = { debug: 2, info: 36, warn: 33, error: 31, fatal: 31 };
const LEVEL_TEXT: Record<string, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR', fatal: 'FATAL', trace: 'DEBUG', warning: 'WARN ' };

/** Fields of the runtime's records worth a glance, in this order. */
const SHOWN = ['pool', 'slot', 'request_id', 'exit_code', 'status', 'method', 'path', 'duration'] as const;

/** `HH:MM:SS.mmm` of an ISO time, or the text itself when it is not one. */
function clock(ts: string): string {
  const t = ts.indexOf('T');
  return t >= 0 ? ts.slice(t + 1, t + 13).replace(/Z$/, '') : ts;
}

/**
 * One record as one output line. Readable form: `component pod time LEVEL
 * message pool=… slot=… request_id=…`. JSON form: the container's JSON line
 * exactly as written; a plain line becomes `{timestamp, component, pod,
 * message}`.
 */
export function formatRecord(r: LogRecord, o: PrintOptions): string {
  const text = r.text;
  const obj = text.charCodeAt(0) === 123 /* { */ ? parseObject(text) : undefined;
  if (o.json) return obj ? text : JSON.stringify({ timestamp: r.ts, component: r.component, pod: r.pod, message: text });
  const prefix = `${r.component} ${r.pod}`;
  if (!obj) return `${prefix} ${clock(r.ts)} ${text}`;
  const lvl = typeof obj.level === 'string' ? obj.level.toLowerCase() : typeof obj.severity === 'string' ? obj.severity.toLowerCase() : 'info';
  const shownLevel = LEVEL_TEXT[lvl] ?? lvl.toUpperCase().padEnd(5).slice(0, 5);
  const level = o.colour && LEVEL_COLOUR[lvl] ? `\u001b[${LEVEL_COLOUR[lvl]}m${shownLevel}\u001b[0m` : shownLevel;
  const time = typeof obj.timestamp === 'string' ? obj.timestamp : typeof obj.time === 'string' ? obj.time : r.ts;
  const message = typeof obj.message === 'string' ? obj.message : typeof obj.msg === 'string' ? obj.msg : obj.message === undefined ? '' : JSON.stringify(obj.message);
  let fields = '';
  for (const k of SHOWN) {
    const v = obj[k];
    if (v !== undefined && v !== null && v !== '') fields += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  }
  return `${prefix} ${clock(time)} ${level} ${message}${fields}`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const LEVEL_RANK: Record<string, number> = { debug: 0, trace: 0, info: 1, notice: 1, warn: 2, warning: 2, error: 3, err: 3, fatal: 4, critical: 4 };

/** `--level warn` keeps warn and above; a line without a level counts as info. `--grep` matches the raw text. */
export function recordFilter(opts: { level?: string; grep?: RegExp }): (r: LogRecord) => boolean {
  const min = opts.level === undefined ? undefined : LEVEL_RANK[opts.level.toLowerCase()];
  if (opts.level !== undefined && min === undefined) throw new Error(`--level must be one of debug, info, warn, error, fatal, not "${opts.level}"`);
  return (r) => {
    if (opts.grep && !opts.grep.test(r.text)) return false;
    if (min === undefined) return true;
    const m = /"(?:level|severity)"\s*:\s*"([a-zA-Z]+)"/.exec(r.text);
    return (m ? (LEVEL_RANK[m[1]!.toLowerCase()] ?? 1) : 1) >= min;
  };
}

/** `10m`, `90s`, `2h`, `1d` → seconds; undefined for bad input. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)(s|m|h|d)?$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}
