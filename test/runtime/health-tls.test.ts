// The worker DB check over TLS (MYSQL_SSL_CA), against a MariaDB that serves
// TLS only (require_secure_transport) from a throwaway CA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.js';
import { NODE, baseEnv, httpGet, program, sleep, startRuntime, type Running } from './support.js';

let db: MariaDb;
const started: Running[] = [];

beforeAll(async () => {
  db = await startMariaDb({ tls: true });
});
afterAll(async () => {
  for (const rt of started) rt.kill('SIGTERM');
  await Promise.all(started.map((rt) => rt.exited));
  await db?.destroy();
});

async function worker(extra: Record<string, string | undefined>): Promise<number> {
  const port = await freePort();
  const rt = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ DATABASE_URL: undefined, ...db.env, HEALTH_PORT: String(port), DELAYED_JOB_POOLS: '--pool=*:1', ...extra }));
  started.push(rt);
  await rt.waitFor((l) => l.ready === true);
  return port;
}

/** Polls /health until `status` (each answer within 1 s), for up to 6 s. */
async function until(port: number, status: number) {
  const t0 = Date.now();
  for (;;) {
    const h = await httpGet(port, '/health');
    expect(h.ms).toBeLessThan(1000);
    if (h.status === status || Date.now() - t0 > 6000) return h;
    await sleep(100);
  }
}

describe('worker /health over TLS', () => {
  it('200 with the CA that signed the server certificate', async () => {
    const h = await until(await worker({ MYSQL_SSL_CA: db.tls!.caFile }), 200);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ database: { ok: true } });
  });

  it('503 with another CA: the certificate is verified', async () => {
    const h = await until(await worker({ MYSQL_SSL_CA: db.tls!.otherCaFile }), 503);
    expect(h.status).toBe(503);
    expect(String(h.body.error)).toContain('database');
  });

  it('503 without MYSQL_SSL_CA: the server refuses plain connections', async () => {
    const h = await until(await worker({}), 503);
    expect(h.status).toBe(503);
  });

  it('503 when the server presents a certificate for another host name', async () => {
    const port = await worker({ MYSQL_SSL_CA: db.tls!.caFile });
    expect((await until(port, 200)).status).toBe(200);
    await db.serveCertificate('wrong-name');
    try {
      // The check keeps its verified connection; the next one it opens must be refused.
      expect(await db.killConnections()).toBeGreaterThan(0);
      const h = await until(port, 503);
      expect(h.status).toBe(503);
    } finally {
      await db.serveCertificate('good');
    }
  });
});
