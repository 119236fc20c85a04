// Day-2 commands on the real node (issue 11), against the fixture app's real
// pods and stand-in Deployments beside it: task exit codes pass through;
// console on a pseudo-terminal and piped, its pod gone afterwards (also when
// the client is SIGKILLed); logs -f across a rollout (0 lost, 0 duplicated);
// 60 pods through one logs -f (never exits, says it samples); status names a
// crash-looping worker slot read from the runtime's /health.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRef } from '../../../src/render/image.js';
import { kubectl, kubectlJson, railyard, ROOT, type RunResult } from '../cluster/support.js';
import { startFixtureApp, type FixtureApp } from './fixture-app.js';
import { percentile } from './load.js';
import { REAL_NODE_SCHEDULING, RESTRICTED as restricted } from './support.js';

const NS = 'e2e-day2';
const TAG = 'day2a1';
const CLI = join(ROOT, 'bin/railyard.js');
let fx: FixtureApp;
let kubeconfig: string;
const outputs: string[] = [];
/** Figures for docs/PERFORMANCE.md (Day-2 section), written when the suite ends. */
const RESULTS = join(ROOT, '.cache/node-day2-results.json');
const results: Record<string, unknown> = {};
const median = (xs: number[]) => percentile(xs, 50);

/** `--kubeconfig` goes before a `--`: after it, it would be part of the command. */
const withKubeconfig = (args: string[]) => {
  const i = args.indexOf('--');
  return i < 0 ? [...args, '--kubeconfig', kubeconfig] : [...args.slice(0, i), '--kubeconfig', kubeconfig, ...args.slice(i)];
};

async function cli(args: string[]): Promise<RunResult> {
  const r = await railyard(withKubeconfig(args), {}, 600_000);
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** A long-running railyard, its output collected as it comes. */
function background(args: string[]): { p: ChildProcess; out: () => string; err: () => string; firstLineMs: Promise<number> } {
  const t0 = Date.now();
  const p = spawn(process.execPath, [CLI, ...withKubeconfig(args)], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const firstLineMs = new Promise<number>((res) => p.stdout!.once('data', () => res(Date.now() - t0)));
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (err += d));
  return { p, out: () => out, err: () => err, firstLineMs };
}

const until = async (what: string, fn: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** A stand-in Deployment of the app (its instance label) on the real node running `script` in the fixture's image. */
function standIn(name: string, replicas: number, command: string[]) {
  const labels = { app: 'storecove', component: name, 'app.kubernetes.io/instance': 'storecove' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'storecove', component: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          ...REAL_NODE_SCHEDULING,
          terminationGracePeriodSeconds: 10,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restricted.pod,
          containers: [{ name: 'main', image: imageRef(fx.app, 'worker', TAG), imagePullPolicy: 'Never', command, securityContext: restricted.container, resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { memory: '96Mi' } } }],
        },
      },
    },
  };
}

beforeAll(async () => {
  fx = await startFixtureApp({ namespace: NS, database: 'day2_node', tags: [TAG] });
  kubeconfig = fx.kubeconfig;
  const r = await cli(['deploy', fx.cfgDir, '--image-tag', TAG, '--timeout', '300']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}, 1_800_000);

afterAll(async () => {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...results, load: loadavg() }, null, 2) + '\n');
  await fx?.destroy();
  const all = outputs.join('\n');
  for (const v of fx?.secretValues ?? []) expect(all).not.toContain(v);
});

describe('railyard task', () => {
  it.each([
    ['exit 0', 'exit 0', 0],
    ['exit 3', 'exit 3', 3],
    ['SIGKILL', 'echo before-kill; kill -9 $$', 137],
  ])('%s passes through', async (_, script, code) => {
    const r = await cli(['task', '-c', fx.cfgDir, '--', 'sh', '-c', script]);
    expect(r.code, r.stdout + r.stderr).toBe(code);
    if (code === 137) expect(r.stdout).toContain('before-kill');
  }, 300_000);

  it('records who ran what and how it ended', async () => {
    const s = await kubectlJson(kubeconfig, ['get', 'secrets', '-n', NS, '-l', 'railyard.dev/run-kind=task']);
    const runs = s.items.map((x: { data: { run: string } }) => JSON.parse(Buffer.from(x.data.run, 'base64').toString()));
    expect(runs.map((r: { exitCode: number }) => r.exitCode).sort()).toEqual([0, 137, 3]);
    for (const r of runs) expect(r).toMatchObject({ app: 'storecove', kind: 'task', from: 'Deployment/rails-server', release: 1, command: ['sh', '-c', expect.any(String)] });

    // `railyard history --runs` reads the same records back, oldest first.
    const listed = await cli(['history', fx.cfgDir, '--runs', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as { kind: string; exitCode: number; startedAt: string }[];
    expect(rows.map((r) => r.exitCode)).toEqual([0, 3, 137]);
    expect(rows.map((r) => r.startedAt)).toEqual(rows.map((r) => r.startedAt).sort());
    const text = await cli(['history', fx.cfgDir, '--runs']);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+KIND\s+JOB\s+FROM\s+RELEASE\s+EXIT\s+SECONDS\s+BY\s+COMMAND$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[5])).toEqual(['0', '3', '137']);
    expect(lines[1]).toContain('sh -c exit 0');
  });
});

const consolePods = async () => (await kubectlJson(kubeconfig, ['get', 'pods,jobs', '-n', NS, '-l', 'railyard.dev/console'])).items.length;

describe('railyard console', () => {
  it('piped: stdin reaches the command, its output and exit code come back, the pod is gone after', async () => {
    const r = await new Promise<{ code: number | null; out: string }>((res) => {
      const b = background(['console', '-c', fx.cfgDir, '--', 'sh', '-c', 'read line; echo "got:$line"; echo "env:$RAILS_ENV"; exit 5']);
      b.p.stdin!.end('hello-console\n');
      b.p.on('close', (code) => res({ code, out: b.out() }));
    });
    expect(r.out).toContain('got:hello-console');
    expect(r.out).toContain('env:production');
    expect(r.code).toBe(5);
    await until('the console pod to go', async () => (await consolePods()) === 0, 60_000);
  }, 300_000);

  it('on a pseudo-terminal: a TTY inside, typed input and exit code; gone after', async () => {
    const p = pty.spawn(process.execPath, [CLI, 'console', '-c', fx.cfgDir, '--kubeconfig', kubeconfig, '--', 'sh'], { name: 'xterm', cols: 120, rows: 30, env: { ...process.env, NO_COLOR: '1' } as Record<string, string> });
    let out = '';
    p.onData((d) => (out += d));
    const exited = new Promise<number>((res) => p.onExit(({ exitCode }) => res(exitCode)));
    await until('the console pod to run', async () => (await kubectlJson(kubeconfig, ['get', 'pods', '-n', NS, '-l', 'railyard.dev/console', '-o', 'json'])).items.some((x: { status: { phase: string } }) => x.status.phase === 'Running'), 180_000);
    await new Promise((r) => setTimeout(r, 2000));
    p.write('if [ -t 0 ]; then echo "tty-$((6*7))"; fi\r');
    await until('the answer', async () => out.includes('tty-42'), 30_000);
    p.write('exit 7\r');
    expect(await exited).toBe(7);
    await until('the console pod to go', async () => (await consolePods()) === 0, 60_000);
  }, 300_000);

  it('--attach: the command runs in a running web pod instead, no console pod is made, its exit code comes back', async () => {
    const web = (await kubectlJson(kubeconfig, ['get', 'pods', '-n', NS, '-l', 'component=server'])).items.filter((x: { status: { phase: string } }) => x.status.phase === 'Running').map((x: { metadata: { name: string } }) => x.metadata.name);
    expect(web.length).toBeGreaterThan(0);
    const r = await cli(['console', '-c', fx.cfgDir, '--attach', '--', 'sh', '-c', 'echo "host:$HOSTNAME"; exit 4']);
    expect(r.code, r.stderr).toBe(4);
    expect(web).toContain(/host:(\S+)/.exec(r.stdout)?.[1]);
    expect(await consolePods()).toBe(0);
  }, 120_000);

  it('a SIGKILLed client: the pod goes anyway', async () => {
    const b = background(['console', '-c', fx.cfgDir, '--', 'sh', '-c', 'cat']);
    await until('the console pod to run', async () => (await kubectlJson(kubeconfig, ['get', 'pods', '-n', NS, '-l', 'railyard.dev/console', '-o', 'json'])).items.some((x: { status: { phase: string } }) => x.status.phase === 'Running'), 180_000);
    await new Promise((r) => setTimeout(r, 3000));
    b.p.kill('SIGKILL');
    await until('the console pod to go after SIGKILL', async () => (await consolePods()) === 0, 120_000);
  }, 400_000);
});

describe('railyard logs -f', () => {
  it('across a rollout: every line of every old and new pod arrives once (0 lost, 0 duplicated)', async () => {
    const script = `let i=0;const t=setInterval(()=>console.log(JSON.stringify({level:'info',message:'seq',pod:process.env.HOSTNAME,seq:i++})),20);process.on('SIGTERM',()=>{clearInterval(t);console.log(JSON.stringify({level:'info',message:'end',pod:process.env.HOSTNAME,seq:i,end:true}));process.exit(0)})`;
    const d = standIn('seq', 2, ['node', '-e', script]);
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(d))).code).toBe(0);
    expect((await kubectl(kubeconfig, ['rollout', 'status', '-n', NS, 'deployment/seq', '--timeout=180s'])).code).toBe(0);
    const b = background(['logs', 'seq', '-f', '--json', '-c', fx.cfgDir]);
    const first = await b.firstLineMs;
    console.log(`logs -f first line after ${first} ms`);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await kubectl(kubeconfig, ['set', 'env', '-n', NS, 'deployment/seq', 'ROLL=2'])).code).toBe(0);
    expect((await kubectl(kubeconfig, ['rollout', 'status', '-n', NS, 'deployment/seq', '--timeout=240s'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 4000));
    // The new pods end too, so every pod's last line is known.
    expect((await kubectl(kubeconfig, ['scale', '-n', NS, 'deployment/seq', '--replicas=0'])).code).toBe(0);
    await until('the seq pods to go', async () => (await kubectlJson(kubeconfig, ['get', 'pods', '-n', NS, '-l', 'component=seq'])).items.length === 0, 120_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(b.p.exitCode).toBeNull();
    b.p.kill('SIGINT');
    await new Promise((r) => b.p.once('close', r));
    const lines = b.out().trim().split('\n').map((l) => JSON.parse(l) as { pod: string; seq: number; end?: boolean });
    const byPod = new Map<string, { seqs: number[]; end?: number }>();
    for (const l of lines) {
      const e = byPod.get(l.pod) ?? { seqs: [] };
      if (l.end) e.end = l.seq;
      else e.seqs.push(l.seq);
      byPod.set(l.pod, e);
    }
    expect(byPod.size).toBe(4); // two old pods, two new
    let lost = 0;
    let dup = 0;
    let joinedFromZero = 0;
    for (const [pod, e] of byPod) {
      expect(e.end, `pod ${pod} ended`).toBeDefined();
      const from = e.seqs[0]!;
      if (from === 0) joinedFromZero++;
      const want = e.end! - from;
      dup += e.seqs.length - new Set(e.seqs).size;
      lost += want - new Set(e.seqs).size;
      // In order within a pod.
      expect(e.seqs).toEqual([...e.seqs].sort((a, b) => a - b));
    }
    console.log(`logs -f across a rollout: ${lines.length} lines from ${byPod.size} pods, ${lost} lost, ${dup} duplicated`);
    expect(lost).toBe(0);
    expect(dup).toBe(0);
    expect(joinedFromZero).toBeGreaterThanOrEqual(2); // the new pods were read from their first line
    await kubectl(kubeconfig, ['delete', 'deployment', 'seq', '-n', NS, '--wait=false']);
  }, 900_000);

  it('60 pods through one logs -f: it never exits and says it samples', async () => {
    const d = standIn('many', 60, ['sh', '-c', 'i=0; while true; do echo "many $HOSTNAME $i"; i=$((i+1)); sleep 1; done']);
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(d))).code).toBe(0);
    expect((await kubectl(kubeconfig, ['rollout', 'status', '-n', NS, 'deployment/many', '--timeout=600s'])).code).toBe(0);
    const b = background(['logs', 'many', '-f', '--max-pods', '50', '-c', fx.cfgDir]);
    await until('the sampling notice', async () => /reading 50 of 60 pods, sampling/.test(b.err()), 60_000);
    await new Promise((r) => setTimeout(r, 25_000));
    expect(b.p.exitCode).toBeNull();
    const pods = new Set(b.out().split('\n').filter(Boolean).map((l) => l.split(' ')[1]));
    console.log(`60 pods: ${pods.size} distinct pods read in ~25 s with --max-pods 50`);
    expect(pods.size).toBeGreaterThan(50); // sampling rotates: pods beyond the first 50 were read too
    b.p.kill('SIGINT');
    await new Promise((r) => b.p.once('close', r));
    await kubectl(kubeconfig, ['delete', 'deployment', 'many', '-n', NS, '--wait=false']);
  }, 900_000);
});

describe('railyard status on the real node', () => {
  it('--watch on a terminal redraws every 2 s until interrupted; in a pipe it prints one screen and exits', async () => {
    const p = pty.spawn(process.execPath, [CLI, 'status', fx.cfgDir, '--watch', '--kubeconfig', kubeconfig], { name: 'xterm', cols: 160, rows: 50, env: { ...process.env, NO_COLOR: '1' } as Record<string, string> });
    let out = '';
    p.onData((d) => (out += d));
    const exited = new Promise<{ exitCode: number; signal?: number }>((res) => p.onExit(res));
    const CLEAR = '\u001b[H\u001b[2J';
    const t0 = Date.now();
    await until('three screens', async () => out.split(CLEAR).length - 1 >= 3, 60_000);
    // Two redraws after the first screen: at least 2 s apart each.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4000);
    expect(out.split(CLEAR).at(-2)).toMatch(new RegExp(`storecove in namespace ${NS}: (healthy|degraded)`));
    p.kill('SIGINT');
    const end = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(end).not.toBe('hung');

    const piped = await cli(['status', fx.cfgDir, '--watch']);
    expect(piped.stdout).not.toContain(CLEAR);
    expect(piped.stdout).toMatch(new RegExp(`^storecove in namespace ${NS}: `));
  }, 120_000);

  it('healthy exits 0 with the worker slots read from /health; a crash-looping slot exits 1 naming it', async () => {
    const ok = await cli(['status', fx.cfgDir]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^worker-primary .* 3 up, 0 restarting, 0 crash-looping$/m);
    // Every slot of worker-primary now runs a command that fails at once.
    expect((await kubectl(kubeconfig, ['set', 'env', '-n', NS, 'deployment/worker-primary', 'RAILYARD_WORKER_COMMAND=false'])).code).toBe(0);
    let r = ok;
    await until('a crash-looping slot', async () => {
      r = await cli(['status', fx.cfgDir]);
      return /crash loop worker-primary-/.test(r.stdout);
    }, 300_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^degraded: Deployment\/worker-primary: pod worker-primary-\S+ pool \S+ slot \d crash-looping \(\d+ restarts\)$/m);
  }, 600_000);
});

describe('timings on the real node (docs/PERFORMANCE.md)', () => {
  const RUNS = 5;

  beforeAll(async () => {
    // The tests above delete their stand-ins without waiting: 60 pods terminating on the node's
    // two cores would be timed too.
    await until('the earlier stand-in pods to go', async () => (await kubectlJson(kubeconfig, ['get', 'pods', '-n', NS, '-l', 'component in (many,seq)'])).items.length === 0, 300_000);
  }, 320_000);

  it('logs -f: time from start to the first line, against a pod that prints every 100 ms', async () => {
    const d = standIn('ticker', 1, ['sh', '-c', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.1; done']);
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(d))).code).toBe(0);
    expect((await kubectl(kubeconfig, ['rollout', 'status', '-n', NS, 'deployment/ticker', '--timeout=180s'])).code).toBe(0);
    const firsts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const b = background(['logs', 'ticker', '-f', '-c', fx.cfgDir]);
      const first = await Promise.race([b.firstLineMs, new Promise<number>((r) => setTimeout(() => r(-1), 60_000))]);
      b.p.kill('SIGINT');
      // Interrupted right after its first line, it exits at once (it once waited for ever on a pod watch still connecting).
      const closed = await Promise.race([new Promise<boolean>((r) => b.p.once('close', () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!closed) b.p.kill('SIGKILL');
      expect(closed, 'logs -f exited within 10 s of SIGINT').toBe(true);
      expect(first, b.err()).toBeGreaterThan(0);
      expect(b.out()).toMatch(/tick \d+/);
      firsts.push(first);
    }
    results.logsFirstLineMs = { runs: firsts, median: median(firsts) };
    console.log(`logs -f first line: ${firsts.join(', ')} ms (median ${median(firsts)})`);
    await kubectl(kubeconfig, ['delete', 'deployment', 'ticker', '-n', NS, '--wait=false']);
  }, 600_000);

  it('task -- true against kubectl run --rm -i --restart=Never, same image and node, alternating', async () => {
    const dep = await kubectlJson(kubeconfig, ['get', 'deployment', 'rails-server', '-n', NS]);
    const image = dep.spec.template.spec.containers[0].image as string;
    // The anchor pod as `kubectl run` makes it, plus what the namespace's restricted Pod
    // Security and the node's taint require: nothing railyard's template would add.
    const overrides = { apiVersion: 'v1', spec: { ...REAL_NODE_SCHEDULING, securityContext: restricted.pod, containers: [{ name: 'anchor', image, imagePullPolicy: 'Never', command: ['true'], stdin: true, securityContext: restricted.container }] } };
    const timed = async (f: () => Promise<RunResult>) => {
      const t0 = performance.now();
      const r = await f();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return Math.round(performance.now() - t0);
    };
    const task: number[] = [];
    const run: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      task.push(await timed(() => cli(['task', '-c', fx.cfgDir, '--', 'true'])));
      run.push(await timed(() => kubectl(kubeconfig, ['run', `anchor-${i}`, '-n', NS, '--rm', '-i', '--restart=Never', `--image=${image}`, '--overrides', JSON.stringify(overrides), '--', 'true'])));
    }
    results.taskTrueMs = { runs: task, median: median(task) };
    results.kubectlRunMs = { runs: run, median: median(run) };
    console.log(`task -- true: ${task.join(', ')} ms (median ${median(task)}); kubectl run --rm -i: ${run.join(', ')} ms (median ${median(run)})`);
  }, 900_000);
});
