// A long-lived Ruby process for property tests: each call sends one JSON
// line to the script's stdin and reads one JSON line back. One process serves
// hundreds of fast-check runs, so a property can use real Ruby semantics
// (ERB, Psych, Logger) without paying Ruby's start-up on every run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RubyWorker {
  call<T = unknown>(input: unknown): Promise<T>;
  close(): Promise<void>;
}

/**
 * `script` runs once; it must define `handle(input)` returning a JSON-able
 * value. The loop around it is added here. An exception in `handle` comes
 * back as a rejected call with Ruby's message.
 */
export function startRuby(script: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RubyWorker {
  const loop = `
$stdout.sync = true
require "json"
${script}
STDIN.each_line do |line|
  request = JSON.parse(line)
  reply = begin
    { "id" => request["id"], "ok" => handle(request["input"]) }
  rescue Exception => e
    { "id" => request["id"], "error" => "#{e.class}: #{e.message}".scrub }
  end
  STDOUT.write(JSON.generate(reply) + "\\n")
end
`;
  const child = spawn('ruby', ['-e', loop], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout });
  const waiting: { id: number; resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let nextId = 0;
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    const reply = JSON.parse(line) as { id: number; ok?: unknown; error?: string };
    // Replies come in order; an id mismatch means the stream is corrupt.
    if (reply.id !== w.id) w.reject(new Error(`ruby replied to request ${reply.id}, expected ${w.id}: ${line.slice(0, 200)}`));
    else if (reply.error !== undefined) w.reject(new Error(reply.error));
    else w.resolve(reply.ok);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`ruby exited (${code}): ${stderr}`));
  });
  return {
    call: <T>(input: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiting.push({ id, resolve: resolve as (v: unknown) => void, reject });
        child.stdin.write(JSON.stringify({ id, input }) + '\n');
      }),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
