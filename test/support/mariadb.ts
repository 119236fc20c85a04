// A real MariaDB server for tests: Debian's mariadbd, on its own TCP port on
// 127.0.0.1 and its own socket, with a throwaway datadir. Tests that need it
// start it themselves (vitest beforeAll) and share one per test file:
//
//   let db: MariaDb;
//   beforeAll(async () => { db = await startMariaDb(); });
//   afterAll(async () => { await db?.destroy(); });
//
// `stop()`/`kill()` take the server down but keep the datadir, so `start()`
// brings it back on the same port and socket ("DB down" tests); `pause()`
// black-holes it (TCP accepted, no answer) until `resume()`. With
// `tls: true` it serves TLS only, from a throwaway CA (`tls.caFile`), and
// `serveCertificate('wrong-name')` swaps in a certificate for another host.
// The password is only ever given to the server inside SQL sent over the
// socket, never in argv; child processes get it through env.
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const execFileAsync = promisify(execFile);

export interface MariaDbOptions {
  /** Database created for the app user. Default `railyard_test`. */
  database?: string;
  /** App user (has all privileges on `database`). Default `railyard`. */
  user?: string;
  /** Default: random. Any characters are allowed; `url` encodes them. */
  password?: string;
  /** How long to wait for the server to accept connections. Default 30 s. */
  startTimeoutMs?: number;
  /**
   * Serve TLS with a throwaway CA (server certificate for 127.0.0.1 and
   * localhost) and refuse clients that do not use it
   * (require_secure_transport). The CA certificate is `tls.caFile`.
   */
  tls?: boolean;
  /**
   * The address to listen on (default 127.0.0.1). The real-node suite binds
   * the node's bridge address, which its pods reach as their gateway; the
   * TLS certificate then names it too.
   */
  bindAddress?: string;
}

export interface MariaDbTls {
  /** PEM of the CA that signed the server certificate: what MYSQL_SSL_CA names. */
  caFile: string;
  /** PEM of another CA, which did not sign it: verification against it must fail. */
  otherCaFile: string;
}

export interface MariaDb {
  readonly host: string;
  readonly port: number;
  readonly socket: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** mysql2://user:password@127.0.0.1:port/database (password URL-encoded). */
  readonly url: string;
  /** Temp dir holding datadir, socket, pid file and error log. */
  readonly dir: string;
  /** Set when started with `tls: true`. */
  readonly tls?: MariaDbTls;
  /**
   * With `tls: true`: serve the certificate for 127.0.0.1 ('good', the
   * default) or one for another host name, signed by the same CA
   * ('wrong-name'), from the next connection on (FLUSH SSL).
   */
  serveCertificate(which: 'good' | 'wrong-name'): Promise<void>;
  /** Ends every connection of the test user server-side (KILL), as a failover or restart would. */
  killConnections(): Promise<number>;
  /** Env a Rails app / the runtime needs to reach this DB (as the db secret provides it). */
  readonly env: Record<string, string>;
  /** Whether mariadbd is running and was started by this harness. */
  isRunning(): boolean;
  /** pid of the running mariadbd, or undefined. */
  pid(): number | undefined;
  /** Starts the server again after stop()/kill(); resolves once it accepts connections. */
  start(): Promise<void>;
  /** Graceful shutdown (SIGTERM), waits for the process to exit. Datadir is kept. */
  stop(): Promise<void>;
  /** SIGKILL, waits for the process to exit. Datadir is kept; start() runs crash recovery. */
  kill(): Promise<void>;
  /**
   * SIGSTOP: the kernel still completes TCP handshakes into the listen
   * backlog, but nothing answers. A black-holed database; resume() undoes it.
   */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Runs SQL as root over the socket and returns the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** stop() and remove the temp dir. */
  destroy(): Promise<void>;
  /** Last lines of mariadbd's error log, for failure messages. */
  errorLog(lines?: number): string;
}

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

// Servers still running when the test process exits are killed, so a failed
// test file never leaves a mariadbd behind holding its port.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * The exit hook does not run when the test process is killed by a signal
 * (a runner timeout, a closed pipe). A detached shell that outlives it
 * SIGKILLs the server then and removes its temp dir, so no mariadbd is left
 * holding a port; it ends on its own when the server does.
 */
function startWatchdog(serverPid: number, dir: string): ChildProcess {
  const script = [
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
    // Only when the owner is gone: a server stopped on purpose may be started again.
    'if ! kill -0 "$1" 2>/dev/null; then kill -9 "$2" 2>/dev/null; sleep 1; rm -rf "$3"; fi',
  ].join('\n');
  const dog = spawn('sh', ['-c', script, 'mariadb-watchdog', String(process.pid), String(serverPid), dir], { detached: true, stdio: 'ignore' });
  dog.unref();
  return dog;
}

/** A TCP port that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function sqlIdent(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDb> {
  if (!existsSync(MARIADBD)) {
    throw new Error(`${MARIADBD} not found: install Debian's mariadb-server (make test does it through mk/rails.mk)`);
  }
  const database = opts.database ?? 'railyard_test';
  const user = opts.user ?? 'railyard';
  const password = opts.password ?? `pw-${randomBytes(12).toString('hex')}`;
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const asRoot = process.getuid?.() === 0;

  const dir = mkdtempSync(join(tmpdir(), 'railyard-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const pidFile = join(dir, 'mysqld.pid');
  const errLog = join(dir, 'error.log');
  // mariadbd drops to the mysql user when run as root; that user must own
  // everything it writes to.
  if (asRoot) {
    const { uid, gid } = mysqlIds();
    chownSync(dir, uid, gid);
    mkdirSync('/run/mysqld', { recursive: true });
    chownSync('/run/mysqld', uid, gid);
  }
  const runAs = asRoot ? ['--user=mysql'] : [`--user=${userInfo().username}`];

  try {
    await execFileAsync(
      INSTALL_DB,
      ['--no-defaults', ...runAs, `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
      { timeout: 60_000 },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(e as Error).message}`);
  }

  let tls: MariaDbTls | undefined;
  const tlsArgs: string[] = [];
  if (opts.tls) {
    try {
      tls = await makeCertificates(join(dir, 'tls'), asRoot, opts.bindAddress);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    tlsArgs.push(
      `--ssl-ca=${tls.caFile}`,
      `--ssl-cert=${join(dir, 'tls', 'server-cert.pem')}`,
      `--ssl-key=${join(dir, 'tls', 'server-key.pem')}`,
      '--require-secure-transport=ON',
    );
  }

  let port = await freePort();
  const serverArgs = () => [
    '--no-defaults',
    ...runAs,
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    `--bind-address=${opts.bindAddress ?? '127.0.0.1'}`,
    `--pid-file=${pidFile}`,
    `--log-error=${errLog}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--performance-schema=OFF',
    // Small and fast: a test server holds a few tables.
    '--innodb-buffer-pool-size=32M',
    '--innodb-flush-log-at-trx-commit=2',
    '--max-connections=200',
    ...tlsArgs,
  ];

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const errorLog = (lines = 30): string => {
    try {
      return readFileSync(errLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  };

  const rootConnect = () =>
    mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 2000, multipleStatements: true });

  const start = async (): Promise<void> => {
    if (child) throw new Error('mariadbd is already running');
    const proc = spawn(MARIADBD, serverArgs(), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child = proc;
    live.add(proc);
    installExitHook();
    const watchdog = startWatchdog(proc.pid!, dir);
    let gone = false;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        watchdog.kill();
        gone = true;
        live.delete(proc);
        if (child === proc) child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (gone) throw new Error(`mariadbd exited during start-up:\n${stderr}\n${errorLog()}`);
      try {
        const c = await rootConnect();
        await c.end();
        return;
      } catch {
        if (Date.now() > deadline) {
          proc.kill('SIGKILL');
          await exited;
          throw new Error(`mariadbd did not accept connections within ${startTimeoutMs} ms:\n${errorLog()}`);
        }
        await sleep(50);
      }
    }
  };

  let paused = false;
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    // A stopped process would sit on SIGTERM until continued.
    if (paused) {
      proc.kill('SIGCONT');
      paused = false;
    }
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = await rootConnect();
    try {
      const [rows] = await c.query(sql, params);
      return rows as T[];
    } finally {
      await c.end();
    }
  };

  // The port was free when picked; another process may take it before
  // mariadbd binds it, so the first start retries on a new port.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (e) {
      const inUse = /Address already in use|Can't start server: Bind/i.test(errorLog(10));
      if (!inUse || attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
      port = await freePort();
    }
  }
  try {
    // Both hosts: TCP clients arrive as 127.0.0.1, socket clients as localhost.
    const setup = [`CREATE DATABASE IF NOT EXISTS ${sqlIdent(database)}`];
    for (const host of ['%', 'localhost']) {
      setup.push(
        `CREATE USER IF NOT EXISTS ${sqlString(user)}@${sqlString(host)} IDENTIFIED BY ${sqlString(password)}`,
        `GRANT ALL PRIVILEGES ON ${sqlIdent(database)}.* TO ${sqlString(user)}@${sqlString(host)}`,
      );
    }
    await query(setup.join(';\n'));
  } catch (e) {
    await halt('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`creating the test database failed: ${(e as Error).message.replaceAll(password, '[REDACTED]')}`);
  }

  const host = opts.bindAddress ?? '127.0.0.1';
  return {
    host,
    port,
    socket,
    user,
    password,
    database,
    dir,
    ...(tls ? { tls } : {}),
    url: `mysql2://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`,
    env: {
      DATABASE_HOST: host,
      DATABASE_PORT: String(port),
      DATABASE_USERNAME: user,
      DATABASE_PASSWORD: password,
      DATABASE_NAME: database,
    },
    isRunning: () => child !== undefined,
    pid: () => child?.pid,
    start,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    serveCertificate: async (which) => {
      if (!tls) throw new Error('started without tls: true');
      const tlsDir = join(dir, 'tls');
      copyFileSync(join(tlsDir, `${which}-cert.pem`), join(tlsDir, 'server-cert.pem'));
      copyFileSync(join(tlsDir, `${which}-key.pem`), join(tlsDir, 'server-key.pem'));
      await query('FLUSH SSL');
    },
    killConnections: async () => {
      const rows = await query<{ id: number }>('SELECT id FROM information_schema.processlist WHERE user = ?', [user]);
      for (const r of rows) await query('KILL CONNECTION ?', [r.id]).catch(() => undefined);
      return rows.length;
    },
    pause: () => {
      if (!child) throw new Error('mariadbd is not running');
      child.kill('SIGSTOP');
      paused = true;
    },
    resume: () => {
      child?.kill('SIGCONT');
      paused = false;
    },
    query,
    errorLog,
    destroy: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function mysqlIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('mysql:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('no mysql user: install Debian mariadb-server');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A CA; two server certificates it signs, one for 127.0.0.1 and localhost
 * (served at first) and one for another host name; and an unrelated second
 * CA. Made with the openssl CLI; the mysql user can read what it serves.
 */
async function makeCertificates(dir: string, asRoot: boolean, bindAddress?: string): Promise<MariaDbTls> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileAsync('openssl', args, { cwd: dir, timeout: 60_000 });
  const ca = (name: string) =>
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=railyard test ${name}`, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}-cert.pem`)]);
  const server = async (name: string, san: string) => {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=railyard test ${name}`, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`)]);
    writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    await openssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca-cert.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}-cert.pem`)]);
  };
  await ca('ca');
  await ca('other-ca');
  await server('good', `IP:127.0.0.1,DNS:localhost${bindAddress && bindAddress !== '127.0.0.1' ? `,IP:${bindAddress}` : ''}`);
  await server('wrong-name', 'DNS:db.elsewhere.example');
  copyFileSync(f('good-cert.pem'), f('server-cert.pem'));
  copyFileSync(f('good-key.pem'), f('server-key.pem'));
  if (asRoot) {
    const { uid, gid } = mysqlIds();
    for (const name of ['', 'server-key.pem', 'server-cert.pem', 'ca-cert.pem']) chownSync(join(dir, name), uid, gid);
  }
  return { caFile: f('ca-cert.pem'), otherCaFile: f('other-ca-cert.pem') };
}
