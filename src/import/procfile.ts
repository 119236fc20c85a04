// Procfile and Procfile.*: one `name: command` per line (foreman's format).
// web sets the web command and port; delayed_job lines become workers with
// their pools; release becomes the migration; racecar lines name consumers.
// A line that is not `name: command` is bad input: init stops and names it.
import { PoolSpecError, type Pool } from '../config/pools.js';
import { delayedJobPools, isDelayedJob } from './delayed-job.js';
import { splitWords } from './shell.js';
import { assertText, ImportError, type Source } from './types.js';

export type ProcessKind = 'web' | 'worker' | 'release' | 'racecar' | 'unknown';

export interface ProcfileProcess {
  name: string;
  command: string;
  source: Source;
  kind: ProcessKind;
  /** argv for the model: the words when the line is a simple command, else `bash -c 'exec …'`. */
  argv: string[];
  /** web: the port the line names (`-p 3000`, `${PORT:-3000}`, `tcp://0.0.0.0:3000`). */
  port?: number;
  /** worker: its pools. */
  pools?: Pool[];
  /** racecar: the consumer class it runs. */
  consumerClass?: string;
  /** What was not carried over, or why the line is unknown. */
  notes: string[];
}

const LINE = /^([A-Za-z0-9_-]+):[ \t]*(.*)$/;

export function parseProcfile(text: string, file: string): ProcfileProcess[] {
  assertText(file, text);
  const out: ProcfileProcess[] = [];
  const problems: { source: Source; message: string }[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const n = i + 1;
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) {
      problems.push({ source: { file, line: n }, message: `not a Procfile line: "${line.trim().slice(0, 80)}" (expected "name: command")` });
      return;
    }
    const [, name, command] = m;
    if (command!.trim() === '') {
      problems.push({ source: { file, line: n }, message: `process "${name}" has no command` });
      return;
    }
    if (seen.has(name!)) {
      problems.push({ source: { file, line: n }, message: `process "${name}" is also defined on line ${seen.get(name!)}` });
      return;
    }
    seen.set(name!, n);
    try {
      out.push(classify(name!, command!.trim(), { file, line: n }));
    } catch (e) {
      if (!(e instanceof PoolSpecError)) throw e;
      problems.push({ source: { file, line: n }, message: `delayed_job options do not parse: ${e.message}` });
    }
  });
  if (problems.length) throw new ImportError(problems);
  return out;
}

function classify(name: string, command: string, source: Source): ProcfileProcess {
  const words = splitWords(command);
  const p: ProcfileProcess = { name, command, source, kind: 'unknown', argv: argvOf(command, words), notes: [] };
  const plain = words?.map((w) => w.value);
  const body = plain ? stripPrefix(plain) : undefined;

  if (name === 'release') {
    p.kind = 'release';
    return p;
  }
  if (plain && isDelayedJob(plain)) {
    const dj = delayedJobPools(plain);
    p.kind = 'worker';
    p.pools = dj.pools;
    if (dj.dropped.length) p.notes.push(`not carried over: ${dj.dropped.join(' ')}`);
    return p;
  }
  if (body && /(^|\/)racecar$/.test(body[0] ?? '')) {
    p.kind = 'racecar';
    p.consumerClass = body.slice(1).find((w) => /^[A-Z][A-Za-z0-9_]*(::[A-Z][A-Za-z0-9_]*)*$/.test(w));
    return p;
  }
  if (name === 'web') {
    p.kind = 'web';
    p.port = portOf(command);
    return p;
  }
  p.notes.push(plain ? `"${name}" is not a process railyard knows (web, release, delayed_job, racecar)` : `"${name}" is a shell line railyard does not take apart`);
  return p;
}

/** Leading NAME=value words and `bundle exec` off. */
function stripPrefix(words: string[]): string[] {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  const rest = words.slice(i);
  return rest[0] === 'bundle' && rest[1] === 'exec' ? rest.slice(2) : rest;
}

function argvOf(command: string, words: ReturnType<typeof splitWords>): string[] {
  // A simple command runs as its words. With $VAR or shell syntax it needs a shell;
  // exec keeps the process the runtime's direct child, so signals reach it.
  if (words && words.length > 0 && !words.some((w) => w.expands) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!.value)) return words.map((w) => w.value);
  return ['bash', '-c', /^exec\s/.test(command) ? command : `exec ${command}`];
}

function portOf(command: string): number | undefined {
  const m =
    /(?:^|\s)(?:-p|--port)[ =]?(\d+)(?:\s|$)/.exec(command) ??
    /(?:^|\s)(?:-p|--port)[ =]?["']?\$\{PORT:-(\d+)\}/.exec(command) ??
    /tcp:\/\/[^\s:'"]+:(\d+)/.exec(command) ??
    /\$\{PORT:-(\d+)\}/.exec(command);
  const port = m ? Number(m[1]) : undefined;
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}

/** Procfiles for development (foreman's Procfile.dev and the like) describe no production process. */
export function isDevelopmentProcfile(name: string): boolean {
  return /^Procfile\.(dev|development|test|local)$/i.test(name);
}
