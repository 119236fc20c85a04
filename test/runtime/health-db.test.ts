// The worker health check against a real MariaDB (Debian's mariadbd, started
// by the test on its own port and socket): up, down, back up, cached, TLS asked for.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.js';
import { NODE, assertLogLines, baseEnv, httpGet, program, sleep, startRuntime, type Running } from './support.js';

let db: MariaDb;
let rt: Running;
let port: number;

async function connections(): Promise<number> {
  const rows = await db.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Connections'");
  return Number(rows[0]!.Value);
}

beforeAll(async () => {
  db = await startMariaDb({ password: `p@ss"w\\rd/${'é'}?&` });
  port = await freePort();
  rt = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ DATABASE_URL: undefined, ...db.env, HEALTH_PORT: String(port), DELAYED_JOB_POOLS: '--pool=*:1' }));
  await rt.waitFor((l) => l.ready === true);
});

afterAll(async () => {
  rt?.kill('SIGTERM');
  await rt?.exited;
  await db?.destroy();
});

describe('worker /health with MariaDB', () => {
  it('200 with the database up, over DATABASE_* and over DATABASE_URL', async () => {
    const h = await httpGet(port, '/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'healthy', database: { ok: true } });

    const p2 = await freePort();
    const viaUrl = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ DATABASE_URL: db.url, HEALTH_PORT: String(p2), DELAYED_JOB_POOLS: '--pool=*:1' }));
    await viaUrl.waitFor((l) => l.ready === true);
    expect((await httpGet(p2, '/health')).status).toBe(200);
    viaUrl.kill('SIGTERM');
    await viaUrl.exited;
  });

  it('caches the result for 1 s: a probe storm costs one connection', async () => {
    await sleep(1100); // let the cached result expire
    const before = await connections();
    const answers = await Promise.all(Array.from({ length: 100 }, () => httpGet(port, '/health')));
    const after = await connections();
    for (const a of answers) expect(a.status).toBe(200);
    // One for the storm, one for our own SHOW STATUS.
    expect(after - before).toBeLessThanOrEqual(2);
    // The last result and at most the one check the storm started.
    expect(new Set(answers.map((a) => (a.body.database as { checked_at: string }).checked_at)).size).toBeLessThanOrEqual(2);
  });

  it('keeps one connection across checks, and reconnects without a false 503 when the server drops it', async () => {
    await sleep(1100);
    await httpGet(port, '/health');
    await sleep(1100);
    const before = await connections();
    for (let i = 0; i < 3; i++) {
      await sleep(1050);
      expect((await httpGet(port, '/health')).status).toBe(200);
    }
    // Only the SHOW STATUS of connections() itself connected: the checks reused their connection.
    expect((await connections()) - before).toBeLessThanOrEqual(1);
    expect(await db.killConnections()).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) {
      await sleep(400);
      expect((await httpGet(port, '/health')).status).toBe(200);
    }
    expect((await connections()) - before).toBeGreaterThanOrEqual(2);
  });

  it('503 (each answer within 1 s) once MariaDB stops, 200 again once it is back', async () => {
    await db.stop();
    const stoppedAt = Date.now();
    // A probe may still get the result cached in the second before the stop;
    // the first probe after that second runs a check and sees the failure.
    let down = await httpGet(port, '/health');
    while (down.status === 200 && Date.now() - stoppedAt < 5000) {
      expect(down.ms).toBeLessThan(1000);
      await sleep(100);
      down = await httpGet(port, '/health');
    }
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(1000);
    // Never later than the cache second plus one check and the polling step.
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    expect(String(down.body.error)).toContain('database');
    expect(JSON.stringify(down.body)).not.toContain(db.password);
    // /ready does not depend on the database.
    expect((await httpGet(port, '/ready')).status).toBe(200);
    await db.start();
    const startedAt = Date.now();
    let up = await httpGet(port, '/health');
    while (up.status !== 200 && Date.now() - startedAt < 5000) {
      await sleep(100);
      up = await httpGet(port, '/health');
    }
    expect(up.status).toBe(200);
  });

  it('asks for TLS when MYSQL_SSL_CA is set (this server has none, so the check fails)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'railyard-ca-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const p3 = await freePort();
    const tls = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ DATABASE_URL: undefined, ...db.env, MYSQL_SSL_CA: ca, HEALTH_PORT: String(p3), DELAYED_JOB_POOLS: '--pool=*:1' }));
    await tls.waitFor((l) => l.ready === true);
    const h = await httpGet(p3, '/health');
    expect(h.status).toBe(503);
    expect(String(h.body.error)).toMatch(/ssl|secure|tls/i);
    tls.kill('SIGTERM');
    await tls.exited;
    assertLogLines(tls.raw);
  });

  it('never logs the password', () => {
    const all = rt.raw.join('\n');
    expect(all).not.toContain(db.password);
    assertLogLines(rt.raw);
  });
});
