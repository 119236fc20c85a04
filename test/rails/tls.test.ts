// database.yml's TLS lines on a real Rails app against a MariaDB that refuses
// plain connections (require_secure_transport): with MYSQL_SSL_CA naming the
// CA that signed the server certificate, the app's own connections and the
// readiness probe use TLS; with a CA that did not sign it, verification
// fails and readiness answers 503. One Puma boot: each readiness probe opens
// a new connection, so swapping the CA file's contents is enough.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { httpGet, parseJsonLines, prepareRailsApp, startProc, waitFor, type Proc, type RailsApp } from './fixture-app.ts';

let db: MariaDb;
let rails: RailsApp;
let caDir: string;
let proc: Proc | undefined;

beforeAll(async () => {
  db = await startMariaDb({ tls: true });
  rails = await prepareRailsApp(db, { processTarget: 'server', podName: 'rails-server-tls' });
  // Inside the app's temp copy: removed with it.
  caDir = join(rails.dir, 'ssl');
  mkdirSync(caDir);
}, 180_000);

afterAll(async () => {
  await proc?.killHard();
  await db?.destroy();
  rails?.cleanup();
});

describe('database.yml over TLS (MYSQL_SSL_CA)', () => {
  it('connects with TLS verified against the mounted CA, and refuses another CA or another host name', async () => {
    // Where the Deployment mounts the CA: a file MYSQL_SSL_CA names.
    const caFile = join(caDir, 'ca-cert.pem');
    copyFileSync(db.tls!.caFile, caFile);
    const port = await freePort();
    proc = startProc('bundle', ['exec', 'puma', '-C', 'config/puma.rb'], { cwd: rails.dir, env: rails.env({ PORT: String(port), MYSQL_SSL_CA: caFile }) });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      'Puma to answer',
      async () => {
        if (proc!.exited()) throw new Error(`exited during boot: ${proc!.stderr().slice(-2000)}`);
        return (await httpGet(`${base}/health/liveness`, 2000)).status === 200 || undefined;
      },
      90_000,
      200,
    );

    const ready = await httpGet(`${base}/health/readiness`);
    expect(ready.status, ready.body).toBe(200);
    // The app's pooled connection: the server would refuse it without TLS.
    const tls = await httpGet(`${base}/fixture/db_tls`);
    expect(tls.status, tls.body).toBe(200);
    expect(tls.json.cipher).toMatch(/^(TLS_|ECDHE|DHE|AES)/);

    copyFileSync(db.tls!.otherCaFile, caFile);
    const refused = await httpGet(`${base}/health/readiness`);
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ status: 'not_ready' });
    expect(refused.json.error).toMatch(/certificate|SSL|TLS/i);

    copyFileSync(db.tls!.caFile, caFile);
    expect((await httpGet(`${base}/health/readiness`)).status).toBe(200);

    // The right CA, but a certificate for another host: sslverify checks the name too.
    await db.serveCertificate('wrong-name');
    try {
      const wrongName = await httpGet(`${base}/health/readiness`);
      expect(wrongName.status, wrongName.body).toBe(503);
      expect(wrongName.json.error).toMatch(/certificate|SSL|TLS|name/i);
    } finally {
      await db.serveCertificate('good');
    }
    expect((await httpGet(`${base}/health/readiness`)).status).toBe(200);

    proc.child.kill('SIGTERM');
    expect(await proc.exit).toEqual({ code: 0, signal: null });
    parseJsonLines(proc.lines);
    expect(proc.lines.join('\n') + proc.stderr()).not.toContain(db.password);
  }, 180_000);
});
