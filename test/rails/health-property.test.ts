// Design property 9 as a property test: "For any Rails server, the liveness
// endpoint SHALL return 200 even when the database is unreachable, while the
// readiness endpoint SHALL return 503."
//
// The fixture app (with the rendered health controller, routes and
// database.yml) boots ONCE, in one long-lived Ruby process. For each case
// fast-check generates, the TypeScript side sends one JSON line on that
// process's stdin: the DATABASE_* variables the db secret would give and the
// pod identity variables. The Ruby side sets them in ENV, re-reads the
// rendered config/database.yml (so the case goes through its ERB and YAML as
// a pod's would), drops the old ActiveRecord pool, establishes the new one,
// and calls the app through Rack (Rack::MockRequest, no Puma) on the liveness
// and readiness paths; it answers one JSON line. The TypeScript side knows
// from how it built each case whether the database is reachable and asserts:
//   - liveness: 200, {"status":"alive", …} within 1 s, always;
//   - readiness: 200 {"status":"ready"} when reachable, else 503
//     {"status":"not_ready","error":…} with an error that names the cause,
//     within the readiness probe's bound (5 s);
//   - the controller saw the case's configuration (no vacuous pass on a
//     stale pool), and the real password appears in no body and no log.
// Passwords, user names and database names reach Ruby over stdin only, never
// in argv. Black-holed servers (TCP accepted, never answered) cost the
// controller's READINESS_TIMEOUT each, so that property makes its runs cheap
// instead of few: the booted Ruby process forks one child per case (a fork of
// a booted app costs milliseconds) and 100 generated cases are probed against
// the one black hole, 25 at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readinessTimeoutSeconds } from '../../src/render/rails/index.ts';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { prepareRailsApp, type RailsApp } from './fixture-app.ts';

const BOOT_TIMEOUT_MS = 90_000;
/** The design's bound for a readiness answer (and the rendered probe's timeoutSeconds). */
const DESIGN_READINESS_BOUND_MS = 5000;
const LIVENESS_BOUND_MS = 1000;
/** The black-holed property: generated cases, and how many are probed at once. */
const BLACK_HOLE_RUNS = 100;
const BLACK_HOLE_CONCURRENCY = 25;

// ------------------------------------------------------------------ the Ruby side

const WORKER_RB = String.raw`
# One JSON line in per case, one JSON line out. Rails logs (lograge sends them
# to STDOUT) go to stderr; the protocol has the original stdout to itself.
require "json"
protocol = STDOUT.dup
protocol.sync = true
STDOUT.reopen(STDERR)
$stdout = STDOUT

require File.expand_path("config/environment", Dir.pwd)
require "rack/mock"

DB_VARS = %w[DATABASE_HOST DATABASE_PORT DATABASE_USERNAME DATABASE_PASSWORD DATABASE_NAME].freeze
clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }

call = lambda do |path|
  started = clock.()
  response = Rack::MockRequest.new(Rails.application).get(path)
  { "status" => response.status, "body" => response.body.to_s.scrub, "ms" => ((clock.() - started) * 1000).round(1) }
end

# Replies carry the request's id: forked cases answer out of order.
protocol_lock = Mutex.new
emit = ->(reply) { protocol_lock.synchronize { protocol.write(JSON.generate(reply) + "\n") } }
emit.({ "booted" => true, "rails_env" => Rails.env })

handle = lambda do |request|
  begin
    request.fetch("env").each { |name, value| value.nil? ? ENV.delete(name) : ENV[name] = value }
    # Drop the previous case's pool, then point ActiveRecord at this case's
    # database.yml, evaluated now from this case's ENV.
    ActiveRecord::Base.connection_handler.clear_all_connections!
    ActiveRecord::Base.remove_connection
    config = Rails.application.config.database_configuration.fetch(Rails.env)
    ActiveRecord::Base.establish_connection(config)
    seen = ActiveRecord::Base.connection_db_config.configuration_hash
    {
      "seen" => {
        "host" => seen[:host], "port" => seen[:port], "username" => seen[:username], "database" => seen[:database],
        "password_matches" => seen[:password] == request.fetch("env")["DATABASE_PASSWORD"],
      },
      "liveness" => call.(request.fetch("liveness")),
      "readiness" => call.(request.fetch("readiness")),
    }
  rescue Exception => e
    { "harness_error" => "#{e.class}: #{e.message}".scrub[0, 2000] }
  end
end

STDIN.each_line do |line|
  request = JSON.parse(line)
  id = request.fetch("id")
  unless request["fork"]
    emit.(handle.(request).merge("id" => id))
    next
  end
  # A case of its own in a child of this booted process: ENV and the
  # connection config are per process, so forked cases run side by side.
  # The child inherits no open database connection (this process drops its
  # pool first) and answers through a pipe of its own.
  ActiveRecord::Base.connection_handler.clear_all_connections!
  ActiveRecord::Base.remove_connection
  reader, writer = IO.pipe
  pid = fork do
    reader.close
    writer.write(JSON.generate(handle.(request)))
    writer.close
    exit!(0)
  end
  writer.close
  Thread.new do
    out = reader.read
    reader.close
    Process.wait(pid)
    emit.((out.empty? ? { "harness_error" => "the forked case exited (#{$?.inspect}) without a reply" } : JSON.parse(out)).merge("id" => id))
  end
end
exit!(0)
`;

interface Answer {
  status: number;
  body: string;
  ms: number;
}
interface Reply {
  id?: number;
  seen?: { host: string | null; port: number | null; username: string | null; database: string | null; password_matches: boolean };
  liveness?: Answer;
  readiness?: Answer;
  harness_error?: string;
}

interface RubyProbe {
  /** One case; with `fork`, in a child of the booted process, so several can run at once. */
  probe(env: Record<string, string | undefined>, timeoutMs: number, opts?: { fork?: boolean }): Promise<Reply>;
  stderr(): string;
  close(): Promise<void>;
}

async function startProbeWorker(rails: RailsApp, extraEnv: Record<string, string | undefined>): Promise<RubyProbe> {
  const script = join(rails.dir, 'health_probe_worker.rb');
  writeFileSync(script, WORKER_RB);
  // No DATABASE_* at boot: every case brings its own over stdin.
  const env = rails.env({
    DATABASE_HOST: undefined,
    DATABASE_PORT: undefined,
    DATABASE_USERNAME: undefined,
    DATABASE_PASSWORD: undefined,
    DATABASE_NAME: undefined,
    MYSQL_SSL_CA: undefined,
    ...extraEnv,
  });
  const child: ChildProcess = spawn('bundle', ['exec', 'ruby', script], { cwd: rails.dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((res) => child.once('exit', () => ((exited = true), res())));
  // Replies by request id (forked cases answer in any order); the boot line has none.
  const pending = new Map<number, { resolve(reply: Reply): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let booted: ((line: string) => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (booted) return booted(line);
    const reply = JSON.parse(line) as Reply;
    const p = pending.get(reply.id!);
    if (!p) return;
    pending.delete(reply.id!);
    clearTimeout(p.timer);
    p.resolve(reply);
  });
  void exit.then(() => {
    for (const [id, p] of pending) {
      pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new Error(`the Ruby worker exited (a case); stderr:\n${stderr.slice(-3000)}`));
    }
  });
  function kill(): void {
    if (exited) return;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // On this process's exit the worker is killed; if it dies by a signal
  // instead, the worker's stdin closes and its loop ends.
  process.once('exit', kill);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the Ruby worker within ${BOOT_TIMEOUT_MS} ms (boot); stderr:\n${stderr.slice(-3000)}`)), BOOT_TIMEOUT_MS);
      booted = (l) => (clearTimeout(timer), resolve(l));
      void exit.then(() => (clearTimeout(timer), reject(new Error(`the Ruby worker exited (boot); stderr:\n${stderr.slice(-3000)}`))));
    });
    booted = undefined;
    expect(JSON.parse(line) as { booted: boolean; rails_env: string }).toEqual({ booted: true, rails_env: 'production' });
  } catch (e) {
    kill();
    throw e;
  }
  const paths = { liveness: rails.app.web.probes.liveness.path, readiness: rails.app.web.probes.readiness.path };
  let nextId = 0;
  return {
    probe: (caseEnv, timeoutMs, opts = {}) =>
      new Promise<Reply>((resolve, reject) => {
        if (exited) return reject(new Error(`the Ruby worker exited; stderr:\n${stderr.slice(-3000)}`));
        const id = ++nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          // A case that hangs past its bound fails the property; the worker goes with it.
          kill();
          reject(new Error(`no answer from the Ruby worker within ${timeoutMs} ms (a case); stderr:\n${stderr.slice(-3000)}`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        // null, not a missing key: the worker unsets the variable.
        const env = Object.fromEntries(Object.entries(caseEnv).map(([k, v]) => [k, v ?? null]));
        child.stdin!.write(JSON.stringify({ id, fork: opts.fork === true, env, ...paths }) + '\n');
      }),
    stderr: () => stderr,
    close: async () => {
      child.stdin!.end();
      const timer = setTimeout(kill, 5000);
      await exit;
      clearTimeout(timer);
      process.removeListener('exit', kill);
    },
  };
}

// ------------------------------------------------------------------ cases

type Kind = 'reachable' | 'refused' | 'wrong-password' | 'unknown-database' | 'unknown-user' | 'unresolvable-host' | 'black-holed';

interface Identity {
  PROCESS_TARGET?: string;
  POD_NAME?: string;
  POD_NAMESPACE?: string;
}

interface Case {
  kind: Kind;
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
  identity: Identity;
}

/** What the controller must find: the database reachable with these settings, or not, and why. */
const REASON: Record<Exclude<Kind, 'reachable'>, RegExp> = {
  // Connector/C reports the refused non-blocking connect as errno 115 (EINPROGRESS) or 111.
  refused: /^Mysql2::Error::ConnectionError: Can't connect to (MySQL |MariaDB )?server on '[^']+' \(11[15]\)/,
  'wrong-password': /^Mysql2::Error::ConnectionError: Access denied for user .*\(using password: (YES|NO)\)/,
  // The server may refuse the name itself before the grant check (a 4-byte
  // UTF-8 character: "Invalid utf8mb4 character string"; too long: "Incorrect
  // database name"); either way the database is not reachable with it.
  'unknown-database': /^Mysql2::Error(::ConnectionError)?: (Access denied for user .* to database |Unknown database |Incorrect database name |Invalid utf8mb4 character string)/,
  'unknown-user': /^Mysql2::Error(::ConnectionError)?: (Access denied for user |String .* is too long for user name|Invalid utf8mb4 character string)/,
  'unresolvable-host': /^Mysql2::Error::ConnectionError: Unknown (MySQL |MariaDB )?server host/,
  // Connector/C: "Lost connection to server at 'handshake: reading initial communication packet', system error: 110".
  'black-holed': /^Mysql2::Error::ConnectionError: .*(timeout|timed out|Lost connection|Can't connect)/i,
};

// Env values cannot hold NUL; anything else goes, including what YAML must
// escape (DEL, C1 controls, U+2028/9, U+FFFE/F) and quotes, colons, hashes.
const envText = (opts: { minLength?: number; maxLength?: number } = {}) =>
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: opts.minLength ?? 0, maxLength: opts.maxLength ?? 24 }),
    fc.string({ unit: 'binary', minLength: opts.minLength ?? 0, maxLength: opts.maxLength ?? 24 }),
  ).filter((s) => !s.includes('\0'));

const identity: fc.Arbitrary<Identity> = fc.record(
  {
    PROCESS_TARGET: fc.oneof(fc.constantFrom('server', 'web'), envText({ minLength: 1 })),
    POD_NAME: fc.oneof(fc.constant('rails-server-7d9f-abcde'), envText({ minLength: 1 })),
    POD_NAMESPACE: fc.oneof(fc.constantFrom('storecove', 'ns-test'), envText({ minLength: 1 })),
  },
  { requiredKeys: [] },
);

interface World {
  db: MariaDb;
  /** Ports on 127.0.0.1 verified to refuse connections. */
  closedPorts: number[];
  /** ::1 refuses the MariaDB port (mariadbd binds 127.0.0.1 only); false without an IPv6 loopback. */
  ipv6Refuses: boolean;
  blackHole: { port: number };
}

/** How a test reaches the real server: TCP to 127.0.0.1, or the socket ("localhost", MYSQL_UNIX_PORT). */
const realServer = (w: World) => fc.constantFrom({ host: '127.0.0.1', port: w.db.port }, { host: 'localhost', port: w.db.port });

function fastCases(w: World): fc.Arbitrary<Case> {
  const good = { username: w.db.user, password: w.db.password, database: w.db.database };
  const make = (kind: Kind, parts: fc.Arbitrary<Omit<Case, 'kind' | 'identity'>>) => fc.record({ parts, identity }).map(({ parts: p, identity: id }): Case => ({ kind, ...p, identity: id }));
  const refusedAt = fc.constantFrom(
    ...w.closedPorts.map((port) => ({ host: '127.0.0.1', port })),
    ...(w.ipv6Refuses ? [{ host: '::1', port: w.db.port }] : []),
  );
  return fc.oneof(
    // Reachable: the real credentials on the real server, either host form.
    { weight: 3, arbitrary: make('reachable', realServer(w).map((at) => ({ ...at, ...good }))) },
    // Refused: a closed port, with any credentials.
    {
      weight: 2,
      arbitrary: make('refused', fc.record({ at: refusedAt, username: fc.oneof(fc.constant(good.username), envText({ minLength: 1 })), password: fc.oneof(fc.constant(good.password), envText()) }).map(({ at, username, password }) => ({ ...at, username, password, database: good.database }))),
    },
    // The real server, the real user, another password (empty included).
    {
      weight: 2,
      arbitrary: make('wrong-password', fc.record({ at: realServer(w), password: envText({ maxLength: 40 }).filter((p) => p !== good.password) }).map(({ at, password }) => ({ ...at, ...good, password }))),
    },
    // The real server and credentials, a database that does not exist (the user has no grant on it either).
    {
      weight: 2,
      arbitrary: make('unknown-database', fc.record({ at: realServer(w), name: envText({ maxLength: 30 }) }).map(({ at, name }) => ({ ...at, ...good, database: `nodb_${name}` }))),
    },
    // The real server and password, a user that does not exist.
    {
      weight: 2,
      arbitrary: make('unknown-user', fc.record({ at: realServer(w), name: envText({ maxLength: 30 }) }).map(({ at, name }) => ({ ...at, ...good, username: `nouser-${name}` }))),
    },
    // A host name that does not resolve (RFC 6761 .invalid).
    {
      weight: 1,
      arbitrary: make('unresolvable-host', fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((label) => ({ host: `${label}.db.invalid`, port: 3306, ...good }))),
    },
  );
}

function blackHoleCases(w: World): fc.Arbitrary<Case> {
  return fc
    .record({
      identity,
      password: fc.oneof(fc.constant(w.db.password), envText()),
    })
    .map(({ identity: id, password }) => ({ kind: 'black-holed' as const, host: '127.0.0.1', port: w.blackHole.port, username: w.db.user, password, database: w.db.database, identity: id }));
}

function caseEnv(c: Case): Record<string, string | undefined> {
  return {
    DATABASE_HOST: c.host,
    DATABASE_PORT: String(c.port),
    DATABASE_USERNAME: c.username,
    DATABASE_PASSWORD: c.password,
    DATABASE_NAME: c.database,
    PROCESS_TARGET: c.identity.PROCESS_TARGET,
    POD_NAME: c.identity.POD_NAME,
    POD_NAMESPACE: c.identity.POD_NAMESPACE,
  };
}

// ------------------------------------------------------------------ setup

let db: MariaDb;
let rails: RailsApp;
let ruby: RubyProbe | undefined;
let blackHole: Server | undefined;
const held = new Set<Socket>();
let world: World;
const counts = new Map<string, number>();
/** Host forms seen per kind. */
const hosts = new Map<Kind, Set<string>>();
const readinessMs = new Map<Kind, number[]>();
/** One readiness error per kind, for the log. */
const sampleError = new Map<Kind, string>();

/** Whether a TCP connect to host:port is refused right now. */
function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.setTimeout(2000);
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

beforeAll(async () => {
  db = await startMariaDb();
  rails = await prepareRailsApp(db, { processTarget: 'server', podName: 'rails-server-7d9f-abcde' });

  const closedPorts: number[] = [];
  while (closedPorts.length < 3) {
    const p = await freePort();
    if (p !== db.port && !closedPorts.includes(p) && (await refuses('127.0.0.1', p))) closedPorts.push(p);
  }
  const ipv6Refuses = await refuses('::1', db.port);

  // Accepts every connection and never sends a byte: a hung database.
  blackHole = createServer((sock) => {
    held.add(sock);
    sock.on('error', () => undefined);
    sock.once('close', () => held.delete(sock));
  });
  await new Promise<void>((res) => blackHole!.listen(0, '127.0.0.1', res));
  const bhPort = (blackHole.address() as { port: number }).port;

  world = { db, closedPorts, ipv6Refuses, blackHole: { port: bhPort } };
  console.log(`[setup] closed ports ${closedPorts.join(', ')}; ::1 refuses the MariaDB port: ${ipv6Refuses}; black hole on 127.0.0.1:${bhPort}`);
  const started = Date.now();
  ruby = await startProbeWorker(rails, { MYSQL_UNIX_PORT: db.socket });
  console.log(`[timing] Rails boot in the probe worker: ${Date.now() - started} ms`);
}, 240_000);

afterAll(async () => {
  await ruby?.close();
  for (const s of held) s.destroy();
  await new Promise<void>((res) => (blackHole ? blackHole.close(() => res()) : res()));
  await db?.destroy();
  rails?.cleanup();
  if (counts.size) console.log(`[cases] ${[...counts].map(([k, n]) => `${k}=${n} (${[...(hosts.get(k as Kind) ?? [])].join(', ')})`).join('; ')}`);
  for (const [kind, ms] of readinessMs) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`[timing] readiness ${kind}: n=${ms.length} min=${sorted[0]} median=${sorted[Math.floor(sorted.length / 2)]} max=${sorted.at(-1)} ms; e.g. error ${JSON.stringify(sampleError.get(kind))}`);
  }
});

// ------------------------------------------------------------------ the property

function parse(a: Answer, what: string): Record<string, unknown> {
  try {
    return JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} (${a.status}) is not JSON: ${a.body.slice(0, 500)}`);
  }
}

async function checkCase(c: Case, opts: { fork?: boolean } = {}): Promise<void> {
  const bound = Math.min(DESIGN_READINESS_BOUND_MS, rails.app.web.probes.readiness.timeoutSeconds * 1000);
  const reply = await ruby!.probe(caseEnv(c), bound + 10_000, opts);
  expect(reply.harness_error, 'the worker could not set up the case').toBeUndefined();
  const { seen, liveness, readiness } = reply as Required<Omit<Reply, 'harness_error' | 'id'>>;
  counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  hosts.set(c.kind, (hosts.get(c.kind) ?? new Set()).add(c.host === '127.0.0.1' || c.host === 'localhost' || c.host === '::1' ? c.host : '*.db.invalid'));
  readinessMs.set(c.kind, [...(readinessMs.get(c.kind) ?? []), readiness.ms]);
  if (!sampleError.has(c.kind)) {
    try {
      sampleError.set(c.kind, String((JSON.parse(readiness.body) as { error?: string }).error));
    } catch {
      /* asserted below */
    }
  }

  // The controller was given this case's settings, through database.yml.
  expect(seen).toEqual({ host: c.host, port: c.port, username: c.username, database: c.database, password_matches: true });

  const who = {
    process_target: c.identity.PROCESS_TARGET ?? rails.app.web.processTarget,
    pod_name: c.identity.POD_NAME ?? hostname(),
    namespace: c.identity.POD_NAMESPACE ?? rails.app.namespace,
  };

  // Liveness: 200 whatever the database, without waiting for it.
  expect({ status: liveness.status, body: liveness.body }).toMatchObject({ status: 200 });
  const live = parse(liveness, 'liveness');
  expect(live).toEqual({ status: 'alive', ...who, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
  expect(liveness.ms).toBeLessThan(LIVENESS_BOUND_MS);

  // Readiness: follows the database, within the probe's bound.
  const ready = parse(readiness, 'readiness');
  if (c.kind === 'reachable') {
    expect({ status: readiness.status, body: ready }).toEqual({ status: 200, body: { status: 'ready', ...who, timestamp: expect.any(String) } });
  } else {
    expect({ status: readiness.status, body: ready }).toEqual({ status: 503, body: { status: 'not_ready', ...who, timestamp: expect.any(String), error: expect.stringMatching(REASON[c.kind]) } });
  }
  expect(readiness.ms).toBeLessThan(bound);
  // A black hole is answered by the controller's own timeout, not by luck.
  if (c.kind === 'black-holed') expect(readiness.ms).toBeGreaterThanOrEqual(readinessTimeoutSeconds(rails.app) * 1000 - 50);

  // Property 6 along the way: the real password is in no answer.
  expect(liveness.body + readiness.body).not.toContain(db.password);
}

describe('health controller, design property 9 (liveness 200 / readiness 503 when the database is unreachable)', () => {
  it('holds for refused, wrong-password, unknown-database, unknown-user and unresolvable-host cases, and readiness is 200 for reachable ones', async () => {
    const started = Date.now();
    await fc.assert(fc.asyncProperty(fastCases(world), (c) => checkCase(c)), { numRuns: 200 });
    console.log(`[timing] fast cases: ${Date.now() - started} ms`);
    // A generated mix, not a vacuous pass: both outcomes were exercised.
    expect(counts.get('reachable') ?? 0).toBeGreaterThan(10);
    for (const kind of ['refused', 'wrong-password', 'unknown-database', 'unknown-user'] as const) expect(counts.get(kind) ?? 0).toBeGreaterThan(5);
    // Over TCP and over the socket.
    expect([...(hosts.get('reachable') ?? [])].sort()).toEqual(['127.0.0.1', 'localhost']);
    expect([...(hosts.get('wrong-password') ?? [])].sort()).toEqual(['127.0.0.1', 'localhost']);
  }, 120_000);

  it('holds for a black-holed server (TCP accepted, never answered), within the readiness bound: 100 generated cases, probed concurrently', async () => {
    // Each case waits out the controller's READINESS_TIMEOUT, so the cases are
    // generated first (fast-check, seed printed) and probed side by side, each
    // in its own fork of the booted app, all against the one black hole.
    const seed = Number(process.env.RAILYARD_FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const cases = fc.sample(blackHoleCases(world), { numRuns: BLACK_HOLE_RUNS, seed });
    const failures: { index: number; error: Error }[] = [];
    const queue = cases.map((c, index) => ({ c, index }));
    const started = Date.now();
    await Promise.all(
      Array.from({ length: BLACK_HOLE_CONCURRENCY }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await checkCase(next.c, { fork: true }).catch((error: Error) => failures.push({ index: next!.index, error }));
        }
      }),
    );
    const elapsed = Date.now() - started;
    console.log(`[timing] ${cases.length} black-holed cases, ${BLACK_HOLE_CONCURRENCY} at a time: ${elapsed} ms (READINESS_TIMEOUT ${readinessTimeoutSeconds(rails.app)} s; seed ${seed})`);
    if (failures.length > 0) {
      const first = failures.sort((a, b) => a.index - b.index)[0]!;
      const shown = JSON.stringify(cases[first.index], (k, v) => (k === 'password' && v === db.password ? '(the real password)' : v));
      throw new Error(`${failures.length} of ${cases.length} black-holed cases failed (replay: RAILYARD_FC_SEED=${seed}); the first, case ${first.index}: ${shown}\n${first.error.message}`);
    }
    // Every generated case reached the assertions…
    expect(counts.get('black-holed')).toBe(BLACK_HOLE_RUNS);
    // …and they did run side by side: one after another they would take READINESS_TIMEOUT each.
    expect(elapsed).toBeLessThan((BLACK_HOLE_RUNS * readinessTimeoutSeconds(rails.app) * 1000) / 4);
  }, 120_000);

  it('leaves nothing secret in the logs', () => {
    // The app's request log lines (lograge) are there…
    expect(ruby!.stderr()).toContain(rails.app.web.probes.readiness.path);
    // …and the password is not.
    expect(ruby!.stderr()).not.toContain(db.password);
  });
});
