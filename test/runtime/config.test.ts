// Env validation (one JSON error line, exit 1, nothing started) and the
// pure parts of the configuration: kinds, pool plans, command variables.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePoolSpec } from '../../src/config/pools.js';
import { kindOf, loadRunConfig, planSlots, commandVars, expandCommand } from '../../src/runtime/config.js';
import { configErrorRecord } from '../../src/runtime/run.js';
import { NODE, baseEnv, program, startRuntime } from './support.js';

const RUNS = { numRuns: 100 };

const queueName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
/** A pool as delayed_job writes it: queues (empty = `*`, every queue) and a count that may be left out. */
const pool = fc.record({
  queues: fc.oneof(fc.constant([] as string[]), fc.uniqueArray(queueName, { minLength: 1, maxLength: 4 })),
  count: fc.integer({ min: 1, max: 8 }),
  writeCount: fc.boolean(),
});
type GenPool = { queues: string[]; count: number; writeCount: boolean };
/** The DELAYED_JOB_POOLS text for generated pools (independent of src/config's renderer). */
const specText = (pools: GenPool[], sep = ' ') =>
  pools.map((p) => `--pool=${p.queues.length === 0 ? '*' : p.queues.join(',')}${p.writeCount || p.count !== 1 ? `:${p.count}` : ''}`).join(sep);

describe('kindOf', () => {
  it('maps target names to kinds', () => {
    expect(kindOf('server')).toBe('web');
    expect(kindOf('web')).toBe('web');
    expect(kindOf('worker')).toBe('worker');
    expect(kindOf('worker-secondary')).toBe('worker');
    expect(kindOf('kafka-new-document')).toBe('consumer');
    // One-shot processes the manifests run through the runtime: CronJobs and the migration Job.
    expect(kindOf('cronjob-daily-report')).toBe('task');
    expect(kindOf('migrate')).toBe('task');
    expect(kindOf('rails')).toBeUndefined();
    expect(kindOf('kafka')).toBeUndefined();
  });
});

describe('pool plans', () => {
  it('one slot per pool process, QUEUES from the pool, none for "*" (property over pool specs)', () => {
    fc.assert(
      fc.property(fc.array(pool, { minLength: 1, maxLength: 6 }), fc.constantFrom(' ', '  ', '\t', ' \n '), (pools, sep) => {
        const spec = specText(pools, sep);
        const slots = planSlots(parsePoolSpec(spec));
        expect(slots.length).toBe(pools.reduce((n, p) => n + p.count, 0));
        let i = 0;
        for (const p of pools) {
          for (let k = 0; k < p.count; k++, i++) {
            const s = slots[i]!;
            expect(s.slot).toBe(k);
            expect(s.queues).toBe(p.queues.length === 0 ? undefined : p.queues.join(','));
            expect(s.pool).toBe(p.queues.length === 0 ? '*' : p.queues.join(','));
          }
        }
      }),
      RUNS,
    );
  });

  it('N defaults to 1 and malformed specs are rejected with a reason', () => {
    expect(planSlots(parsePoolSpec('--pool=a --pool=b,c:2'))).toEqual([
      { pool: 'a', slot: 0, queues: 'a' },
      { pool: 'b,c', slot: 0, queues: 'b,c' },
      { pool: 'b,c', slot: 1, queues: 'b,c' },
    ]);
    for (const bad of ['', '--pool=a:0', '--pool=a:x', '--pool=:2', 'bin/delayed_job', '--pool=a,*:1', '--pool=a:1:2']) {
      const r = loadRunConfig(['worker'], baseEnv({ DELAYED_JOB_POOLS: bad }));
      expect(r.config).toBeUndefined();
      const p = [...r.invalid, ...r.missing.map((m) => ({ var: m, reason: 'missing' }))].find((x) => x.var === 'DELAYED_JOB_POOLS');
      expect(p, bad).toBeDefined();
    }
  });
});

// ---------------------------------------------------------------- env sets

const SECRET_NAMES = ['DATABASE_PASSWORD', 'RAILS_MASTER_KEY', 'AWS_SECRET_ACCESS_KEY', 'VALKEY_PASSWORD', 'RACECAR_SASL_PASSWORD', 'LOGZIO_TOKEN'];
// "§" marks generated values: an error line never contains it unless a value leaked
// (an unmarked value such as "name" would match the field pod_name by chance).
const envValue = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((s) => !s.includes('\0')).map((s) => `§${s}`);

/** A generated env: some of the vars a kind needs, some secrets, some noise. */
const envSet = fc.record({
  kind: fc.constantFrom('server', 'worker-primary', 'kafka-sending-status', 'migrate', 'cronjob-clean'),
  RAILS_ENV: fc.option(fc.constantFrom('production', 'staging'), { nil: undefined }),
  useUrl: fc.boolean(),
  DATABASE_HOST: fc.option(fc.constantFrom('db', '10.0.0.5'), { nil: undefined }),
  DATABASE_USERNAME: fc.option(fc.constantFrom('app', 'storecove'), { nil: undefined }),
  DATABASE_NAME: fc.option(fc.constantFrom('app_production'), { nil: undefined }),
  DELAYED_JOB_POOLS: fc.option(fc.oneof(fc.array(pool, { minLength: 1, maxLength: 3 }).map((p) => specText(p)), fc.constantFrom('--pool=a:0', 'garbage', '--pool=:1')), { nil: undefined }),
  HEALTH_PORT: fc.option(fc.oneof(fc.integer({ min: 1, max: 65535 }).map(String), fc.constantFrom('0', 'http', '70000')), { nil: undefined }),
  secrets: fc.dictionary(fc.constantFrom(...SECRET_NAMES), envValue, { maxKeys: 4 }),
});

describe('env validation (property over generated env sets)', () => {
  it('names exactly the missing vars, never a value, and starts nothing', () => {
    fc.assert(
      fc.property(envSet, (g) => {
        const env: Record<string, string | undefined> = { RAILS_ENV: g.RAILS_ENV, ...g.secrets };
        if (g.useUrl) env.DATABASE_URL = `mysql2://app:${encodeURIComponent(g.secrets.DATABASE_PASSWORD ?? 'pw')}@db:3306/app`;
        else Object.assign(env, { DATABASE_HOST: g.DATABASE_HOST, DATABASE_USERNAME: g.DATABASE_USERNAME, DATABASE_NAME: g.DATABASE_NAME });
        env.DELAYED_JOB_POOLS = g.DELAYED_JOB_POOLS;
        env.HEALTH_PORT = g.HEALTH_PORT;
        const argv = g.kind === 'worker-primary' ? [g.kind] : [g.kind, '--', 'bundle', 'exec', 'app'];
        const r = loadRunConfig(argv, env);

        const expected = new Set<string>();
        if (!g.RAILS_ENV) expected.add('RAILS_ENV');
        if (!g.useUrl) {
          const need = (['DATABASE_HOST', 'DATABASE_USERNAME', 'DATABASE_NAME'] as const).filter((n) => !env[n]);
          if (need.length === 3) expected.add('DATABASE_URL');
          need.forEach((n) => expected.add(n));
        }
        if (g.kind === 'worker-primary' && !g.DELAYED_JOB_POOLS) expected.add('DELAYED_JOB_POOLS');
        const secretsSet = new Set(Object.keys(g.secrets));
        if (g.kind === 'kafka-sending-status') {
          if (secretsSet.has('RACECAR_SASL_PASSWORD')) expected.add('RACECAR_SASL_USERNAME');
        }
        expect(new Set(r.missing)).toEqual(expected);

        const poolsBad = g.kind === 'worker-primary' && g.DELAYED_JOB_POOLS !== undefined && ['--pool=a:0', 'garbage', '--pool=:1'].includes(g.DELAYED_JOB_POOLS);
        const portBad = g.HEALTH_PORT !== undefined && ['0', 'http', '70000'].includes(g.HEALTH_PORT);
        expect(r.invalid.some((p) => p.var === 'DELAYED_JOB_POOLS')).toBe(poolsBad);
        expect(r.invalid.some((p) => p.var === 'HEALTH_PORT')).toBe(portBad);
        expect(r.config === undefined).toBe(expected.size > 0 || poolsBad || portBad);

        if (r.config) {
          // Property 9 is the Rails controller's: the runtime never serves health
          // for the web tier (no port to shadow /health/liveness) and never
          // gates the web process on the database.
          if (g.kind === 'server' || g.kind === 'migrate' || g.kind === 'cronjob-clean') expect([r.config.healthPort, r.config.db]).toEqual([undefined, undefined]);
          else expect(r.config.healthPort).toBe(g.HEALTH_PORT === undefined ? undefined : Number(g.HEALTH_PORT));
          if (g.kind === 'worker-primary') expect(r.config.db).toBeDefined();
        }
        const line = configErrorRecord({ process_target: g.kind, pod_name: 'p', namespace: 'n' }, r);
        const rec = JSON.parse(line);
        for (const m of expected) expect(rec.message).toContain(m);
        // No value: not of a secret, not of anything else the env holds.
        expect(line).not.toContain('§');
      }),
      RUNS,
    );
  });

  it('rejects secrets named in argv and racecar credential flags', () => {
    const env = baseEnv({ KAFKA_X_PASSWORD: 'hunter2-hunter2', RACECAR_SASL_USERNAME: 'u' });
    const r = loadRunConfig(['kafka-x', '--', 'racecar', '--sasl-password', '${KAFKA_X_PASSWORD}', 'C'], env);
    expect(r.config).toBeUndefined();
    expect(r.invalid.map((p) => p.var)).toContain('KAFKA_X_PASSWORD');
    expect(r.invalid.map((p) => p.var)).toContain('command');
    expect(r.missing).toContain('RACECAR_SASL_PASSWORD');
    const literal = loadRunConfig(['kafka-x', '--', 'racecar', '--password=hunter2-hunter2', 'C'], env);
    expect(literal.invalid.map((p) => p.var)).toContain('KAFKA_X_PASSWORD');
    expect(JSON.stringify(literal)).not.toContain('hunter2');
  });

  it('refuses to watch a racecar liveness file that racecar is told not to touch', () => {
    const argv = ['kafka-x', '--', 'racecar', 'C'];
    const off = loadRunConfig(argv, baseEnv({ RACECAR_LIVENESS_PROBE_FILE_PATH: '/tmp/live', RACECAR_LIVENESS_PROBE_ENABLED: 'false' }));
    expect(off.invalid.map((p) => p.var)).toEqual(['RACECAR_LIVENESS_PROBE_ENABLED']);
    // Unset: the rendered racecar initializer turns the probe on.
    for (const enabled of [undefined, 'true']) {
      const r = loadRunConfig(argv, baseEnv({ RACECAR_LIVENESS_PROBE_FILE_PATH: '/tmp/live', RACECAR_LIVENESS_PROBE_ENABLED: enabled }));
      expect(r.config?.livenessFile).toBe('/tmp/live');
    }
  });

  it('expands ${VAR} named by a command and requires it; bare $name is left alone', () => {
    expect(commandVars(['racecar', '--group', '${GROUP}', 'puts $stdout'])).toEqual(['GROUP']);
    expect(expandCommand(['a${GROUP}b', '$stdout'], { GROUP: 'g1' })).toEqual(['ag1b', '$stdout']);
    const r = loadRunConfig(['kafka-x', '--', 'racecar', '${CONSUMER_CLASS}'], baseEnv());
    expect(r.missing).toEqual(['CONSUMER_CLASS']);
  });
});

describe('bad env as a real process', () => {
  it('prints one JSON line naming every missing var and exits 1 within 100 ms, before any child starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'railyard-env-'));
    const marker = join(dir, 'started');
    const env = { PATH: process.env.PATH!, DATABASE_PASSWORD: 'sekret-value-1', REPORT_FILE: marker };
    // The budget is the runtime's: bundle load, validation, the error line and
    // exit. Node's own start-up is not, so an empty `node -e ""` is timed beside
    // it and subtracted (best of 5 each: a busy CI machine must not fail it by
    // scheduling alone).
    const times: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b0 = performance.now();
      await new Promise((r) => spawn(NODE, ['-e', ''], { stdio: 'ignore' }).on('close', r));
      bare.push(performance.now() - b0);
      const t0 = performance.now();
      const rt = await startRuntime(['worker-primary', '--', NODE, program('signals.cjs')], env);
      const { code } = await rt.exited;
      times.push(performance.now() - t0);
      expect(code).toBe(1);
      expect(rt.raw).toHaveLength(1);
      const rec = JSON.parse(rt.raw[0]!);
      expect(rec.level).toBe('error');
      expect(rec.missing).toEqual(['RAILS_ENV', 'DATABASE_URL', 'DATABASE_HOST', 'DATABASE_USERNAME', 'DATABASE_NAME', 'DELAYED_JOB_POOLS']);
      expect(rt.raw[0]).not.toContain('sekret');
    }
    expect(existsSync(marker)).toBe(false);
    expect(Math.min(...times) - Math.min(...bare)).toBeLessThan(100);
  });

  it('runs a one-shot task (migration, CronJob) and exits with its code', async () => {
    const rt = await startRuntime(['migrate', '--', NODE, '-e', 'console.log("migrated"); process.exit(3)'], baseEnv());
    expect((await rt.exited).code).toBe(3);
    expect(rt.lines.find((l) => l.stream === 'stdout')).toMatchObject({ process_target: 'migrate', message: 'migrated' });
  });

  it('a web target without a command is a usage error (exit 2)', async () => {
    const rt = await startRuntime(['web'], baseEnv());
    expect((await rt.exited).code).toBe(2);
    expect(JSON.parse(rt.raw[0]!).usage[0].var).toBe('command');
  });
});
