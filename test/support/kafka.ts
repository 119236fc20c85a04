// A real Apache Kafka broker for tests: Kafka 4.1 from Maven Central
// (scripts/kafka/broker-fetch.sh), KRaft, one process that is broker and
// controller, SASL_PLAINTEXT with PLAIN users, listening on 127.0.0.1 (or
// `bindAddress`) on a free port, its log directory on tmpfs (/dev/shm).
// Tests that need it start it themselves and share one per test file:
//
//   let kafka: KafkaBroker;
//   beforeAll(async () => { kafka = await startKafka({ users: { alice: 'pw' } }); });
//   afterAll(async () => { await kafka?.destroy(); });
//
// `stop()` takes the broker down and keeps its data, so `start()` brings it
// back on the same port ("broker down" tests). Passwords live only in the
// server.properties file (mode 0600) and in the env of the helper clients,
// never in argv. The clients are test/support/kafka-client.rb on the vendored
// rdkafka gem: the same librdkafka the consumers under test use.
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect } from 'node:net';
import { freePort } from './mariadb.ts';

const execFileAsync = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const CLIENT = join(REPO, 'test/support/kafka-client.rb');

/** The unpacked racecar, king_konf and rdkafka sources (path gems), built by scripts/kafka/vendor.sh. */
export async function racecarGemsDir(): Promise<string> {
  const { stdout } = await execFileAsync(join(REPO, 'scripts/kafka/vendor.sh'), [], { timeout: 20 * 60_000 });
  return stdout.trim();
}

/** The broker's install dir (libs/*.jar), fetched by scripts/kafka/broker-fetch.sh. */
export async function kafkaHome(): Promise<string> {
  const { stdout } = await execFileAsync(join(REPO, 'scripts/kafka/broker-fetch.sh'), [], { timeout: 10 * 60_000 });
  return stdout.trim();
}

export interface KafkaOptions {
  /** PLAIN users besides the admin: name → password. */
  users?: Record<string, string>;
  /** Address to listen on (default 127.0.0.1). */
  bindAddress?: string;
  /** Default 180 s: a JVM on a busy 2-core machine has taken 60 s to listen. */
  startTimeoutMs?: number;
}

export interface KafkaBroker {
  readonly host: string;
  readonly port: number;
  /** host:port, what RACECAR_BROKERS names. */
  readonly bootstrap: string;
  readonly admin: { username: string; password: string };
  readonly dir: string;
  isRunning(): boolean;
  pid(): number | undefined;
  /** Starts the broker again after stop(); same port, same data. */
  start(): Promise<void>;
  /** SIGTERM (controlled shutdown), waits for the exit. Data is kept. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
  /** Last lines of the broker's output, for failure messages. */
  log(lines?: number): string;
  createTopic(topic: string, partitions: number): Promise<void>;
  /** COUNT messages `<prefix>-<i>` (keyed the same), waited for. */
  produce(topic: string, count: number, prefix?: string): Promise<void>;
  /** Committed offset per partition for GROUP (-1: none). */
  committed(group: string, topic: string, partitions: number): Promise<Record<string, number>>;
  /** High watermark per partition. */
  ends(topic: string, partitions: number): Promise<Record<string, number>>;
}

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.setTimeout(2000, () => s.destroy(new Error('connect timeout')));
    s.once('connect', () => (s.destroy(), resolve()));
    s.once('error', reject);
  });
}

const live = new Set<ChildProcess>();
let exitHook = false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A detached shell that SIGKILLs the broker and removes its dir when the test process dies by a signal. */
function watchdog(serverPid: number, dir: string): ChildProcess {
  const script = [
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
    'if ! kill -0 "$1" 2>/dev/null; then kill -9 "$2" 2>/dev/null; sleep 1; rm -rf "$3"; fi',
  ].join('\n');
  const dog = spawn('sh', ['-c', script, 'kafka-watchdog', String(process.pid), String(serverPid), dir], { detached: true, stdio: 'ignore' });
  dog.unref();
  return dog;
}

function properties(o: { host: string; port: number; controllerPort: number; dataDir: string; admin: { username: string; password: string }; users: Record<string, string> }): string {
  // JAAS strings are double-quoted; the test passwords are generated or plain ASCII.
  for (const [u, p] of Object.entries(o.users)) {
    if (!/^[\w.-]+$/.test(u) || /["\\;]/.test(p)) throw new Error(`kafka test user ${u}: name must be [\\w.-]+ and the password free of " \\ ;`);
  }
  const all = { [o.admin.username]: o.admin.password, ...o.users };
  const jaas = [
    'org.apache.kafka.common.security.plain.PlainLoginModule required',
    `username="${o.admin.username}" password="${o.admin.password}"`,
    ...Object.entries(all).map(([u, p]) => `user_${u}="${p}"`),
  ].join(' ');
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
    `listeners=SASL_PLAINTEXT://${o.host}:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    `advertised.listeners=SASL_PLAINTEXT://${o.host}:${o.port}`,
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas};`,
    `log.dirs=${o.dataDir}`,
    'num.partitions=3',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A consumer joining a group starts at once, not after 3 s.
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaBroker> {
  const home = await kafkaHome();
  const gems = await racecarGemsDir();
  const host = opts.bindAddress ?? '127.0.0.1';
  const startTimeoutMs = opts.startTimeoutMs ?? 180_000;
  // tmpfs: the broker fsyncs its logs; on tmpfs that costs nothing and leaves nothing on disk.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'railyard-kafka-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'server.properties');
  const logFile = join(dir, 'broker.log');
  const admin = { username: 'admin', password: `admin-${randomBytes(12).toString('hex')}` };
  const users = opts.users ?? {};
  let port = await freePort();
  let controllerPort = await freePort();
  const writeConfig = () => {
    writeFileSync(configFile, properties({ host, port, controllerPort, dataDir, admin, users }), { mode: 0o600 });
  };
  const java = (main: string, args: string[]) => ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true', '-cp', join(home, 'libs/*'), main, ...args];

  // KRaft needs its storage formatted with a cluster id once (a Uuid, base64url).
  const clusterId = randomBytes(16).toString('base64url');
  writeConfig();
  try {
    // `--cluster-id=ID`, not `-t ID`: a base64url id may start with "-", which the tool's parser takes for an option.
    await execFileAsync('java', java('kafka.tools.StorageTool', ['format', `--cluster-id=${clusterId}`, '-c', configFile, '--ignore-formatted']), { timeout: 120_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka storage format failed: ${(e as Error).message}`);
  }

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const log = (lines = 40): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no broker log)';
    }
  };

  const clientEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    KAFKA_BOOTSTRAP: `${host}:${port}`,
    KAFKA_USERNAME: admin.username,
    KAFKA_PASSWORD: admin.password,
  });
  const client = async (args: string[], timeout = 120_000): Promise<unknown> => {
    try {
      const { stdout } = await execFileAsync('ruby', ['-I', join(gems, 'rdkafka/lib'), CLIENT, ...args], { env: clientEnv(), timeout, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
      return JSON.parse(stdout.trim().split('\n').at(-1)!);
    } catch (e) {
      const err = e as Error & { stderr?: string; code?: number };
      throw new Error(`kafka-client ${args.join(' ')} failed: ${err.message.replaceAll(admin.password, '[REDACTED]')}\n${(err.stderr ?? '').replaceAll(admin.password, '[REDACTED]').slice(-3000)}`);
    }
  };

  const start = async (): Promise<void> => {
    if (child) throw new Error('kafka is already running');
    const out = openSync(logFile, 'a');
    const proc = spawn('java', java('kafka.Kafka', [configFile]), { stdio: ['ignore', out, out], cwd: dir });
    closeSync(out);
    child = proc;
    live.add(proc);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const c of live) c.kill('SIGKILL');
      });
    }
    const dog = watchdog(proc.pid!, dir);
    let gone = false;
    exited = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        dog.kill();
        gone = true;
        live.delete(proc);
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (gone) throw new Error(`kafka exited during start-up:\n${log()}`);
      try {
        // The JVM takes seconds to listen; a client before that only waits.
        await tcpConnect(host, port);
        await client(['ready'], 30_000);
        return;
      } catch (e) {
        if (Date.now() > deadline) {
          proc.kill('SIGKILL');
          await exited;
          throw new Error(`kafka did not answer within ${startTimeoutMs} ms: ${(e as Error).message}\n${log()}`);
        }
        await sleep(500);
      }
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  // The ports were free when picked; another process may take one first.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (e) {
      if (!/Address already in use|BindException/.test(log(80)) || attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
      port = await freePort();
      controllerPort = await freePort();
      writeConfig();
    }
  }

  return {
    host,
    get port() {
      return port;
    },
    get bootstrap() {
      return `${host}:${port}`;
    },
    admin,
    dir,
    isRunning: () => child !== undefined,
    pid: () => child?.pid,
    start,
    stop: () => halt('SIGTERM'),
    destroy: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    log,
    createTopic: async (topic, partitions) => {
      await client(['create-topic', topic, String(partitions)]);
    },
    produce: async (topic, count, prefix = 'm') => {
      await client(['produce', topic, String(count), prefix], 300_000);
    },
    committed: async (group, topic, partitions) => (await client(['committed', group, topic, String(partitions)])) as Record<string, number>,
    ends: async (topic, partitions) => (await client(['ends', topic, String(partitions)])) as Record<string, number>,
  };
}

