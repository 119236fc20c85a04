// The MariaDB harness itself: a real server that the app user can reach over
// TCP with its password, that goes down on stop()/kill() and comes back on
// start() with its data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startMariaDb, type MariaDb } from '../support/mariadb.ts';

const execFileAsync = promisify(execFile);

let db: MariaDb;
beforeAll(async () => {
  // A password with characters that need escaping in SQL and in URLs.
  db = await startMariaDb({ password: `p'a\\s s@:/?#%"w0rd-${process.pid}` });
});
afterAll(async () => {
  await db?.destroy();
});

const connectAsApp = () =>
  mysql.createConnection({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    connectTimeout: 2000,
  });

describe('test/support/mariadb', () => {
  it('serves the app database over TCP to the app user', async () => {
    const c = await connectAsApp();
    try {
      await c.query('CREATE TABLE IF NOT EXISTS t (v INT)');
      await c.query('INSERT INTO t VALUES (42)');
      const [rows] = await c.query('SELECT v FROM t');
      expect(rows).toEqual([{ v: 42 }]);
    } finally {
      await c.end();
    }
  });

  it('builds a URL that round-trips the password', () => {
    const u = new URL(db.url);
    expect(u.protocol).toBe('mysql2:');
    expect(decodeURIComponent(u.password)).toBe(db.password);
    expect(decodeURIComponent(u.username)).toBe(db.user);
    expect(Number(u.port)).toBe(db.port);
    expect(u.pathname).toBe(`/${db.database}`);
    expect(db.env).toMatchObject({ DATABASE_HOST: '127.0.0.1', DATABASE_PORT: String(db.port), DATABASE_PASSWORD: db.password });
  });

  it('refuses a wrong password', async () => {
    await expect(
      mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: 'wrong', connectTimeout: 2000 }),
    ).rejects.toThrow(/Access denied/);
  });

  it('never puts the password in mariadbd argv', async () => {
    const { readFileSync } = await import('node:fs');
    const argv = readFileSync(`/proc/${db.pid()}/cmdline`, 'utf8');
    expect(argv).toContain(`--port=${db.port}`);
    expect(argv).not.toContain(db.password);
  });

  it('stop() takes it down, start() brings it back with its data', async () => {
    await db.stop();
    expect(db.isRunning()).toBe(false);
    await expect(connectAsApp()).rejects.toThrow(/ECONNREFUSED/);
    await db.start();
    const c = await connectAsApp();
    try {
      const [rows] = await c.query('SELECT v FROM t');
      expect(rows).toEqual([{ v: 42 }]);
    } finally {
      await c.end();
    }
  });

  it('kill() takes it down hard, start() recovers', async () => {
    const pid = db.pid()!;
    await db.kill();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(connectAsApp()).rejects.toThrow(/ECONNREFUSED/);
    await db.start();
    expect(await db.query('SELECT COUNT(*) AS n FROM railyard_test.t')).toEqual([{ n: 1 }]);
  });

  it('pause() black-holes it: TCP connects, the handshake never comes; resume() answers again', async () => {
    db.pause();
    try {
      const started = Date.now();
      await expect(
        mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, connectTimeout: 1000 }),
      ).rejects.toThrow(/ETIMEDOUT|timeout/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      db.resume();
    }
    const c = await connectAsApp();
    await c.end();
  });
});

describe('test/support/mariadb with tls: true', () => {
  let tlsDb: MariaDb;
  beforeAll(async () => {
    tlsDb = await startMariaDb({ tls: true });
  });
  afterAll(async () => {
    await tlsDb?.destroy();
  });
  const connect = (ssl?: { ca: string }) =>
    mysql.createConnection({ host: tlsDb.host, port: tlsDb.port, user: tlsDb.user, password: tlsDb.password, connectTimeout: 2000, ...(ssl ? { ssl } : {}) });

  it('serves TLS verified against its CA (for 127.0.0.1)', async () => {
    const { readFileSync } = await import('node:fs');
    const c = await connect({ ca: readFileSync(tlsDb.tls!.caFile, 'utf8') });
    try {
      const [rows] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      expect((rows as { Value: string }[])[0]!.Value).not.toBe('');
    } finally {
      await c.end();
    }
  });

  it('refuses plain connections and fails verification against another CA', async () => {
    const { readFileSync } = await import('node:fs');
    // MariaDB answers a plain connection under require_secure_transport with
    // access denied; the same password over TLS works (above).
    await expect(connect()).rejects.toThrow(/insecure transport|Access denied/i);
    await expect(connect({ ca: readFileSync(tlsDb.tls!.otherCaFile, 'utf8') })).rejects.toThrow(/certificate/i);
  });

  it("serveCertificate('wrong-name') serves a certificate for another host, 'good' restores it", async () => {
    // openssl's view of what the server presents (Node's mysql2 does not
    // check host names, so it cannot tell the two apart).
    const served = async () => {
      const { stdout } = await execFileAsync('bash', ['-c', `openssl s_client -starttls mysql -connect 127.0.0.1:${tlsDb.port} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName`]);
      return stdout;
    };
    expect(await served()).toContain('IP Address:127.0.0.1');
    await tlsDb.serveCertificate('wrong-name');
    try {
      const san = await served();
      expect(san).toContain('DNS:db.elsewhere.example');
      expect(san).not.toContain('127.0.0.1');
    } finally {
      await tlsDb.serveCertificate('good');
    }
    expect(await served()).toContain('IP Address:127.0.0.1');
  });
});

describe('test/support/mariadb when the test process dies', () => {
  it('a SIGKILLed owner takes its mariadbd and its temp dir with it', async () => {
    // A separate Node process that starts a server, reports its pid, and is
    // killed: the harness bundled with esbuild, since Node 20 runs no TypeScript.
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { build } = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'railyard-owner-'));
    const bundle = join(dir, 'owner.mjs');
    await build({
      stdin: {
        contents: `import { startMariaDb } from ${JSON.stringify(fileURLToPath(new URL('../support/mariadb.ts', import.meta.url)))};
const db = await startMariaDb();
console.log(JSON.stringify({ pid: db.pid(), dir: db.dir }));
setInterval(() => {}, 1000);`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'error',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    const owner = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
    const { pid, dir: serverDir } = await new Promise<{ pid: number; dir: string }>((resolve, reject) => {
      owner.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as { pid: number; dir: string }));
      owner.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
    });
    expect(() => process.kill(pid, 0)).not.toThrow();
    owner.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    expect(alive).toBe(false);
    await waitUntilGone(serverDir);
  });
});

async function waitUntilGone(path: string): Promise<void> {
  const { existsSync } = await import('node:fs');
  const deadline = Date.now() + 10_000;
  while (existsSync(path) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(existsSync(path), `${path} was left behind`).toBe(false);
}
