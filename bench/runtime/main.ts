// bench/runtime.sh's driver (bundled with esbuild at run time, run with node).
// Every figure is measured in this one run next to its anchor:
//   - the design document's WEBrick health_server.rb loading the fixture Rails
//     app (test/fixtures/rails-app with the rendered Rails files, real MariaDB);
//   - tini delivering SIGTERM straight to the same child program;
//   - the child piped straight to the reader, for the log pipeline;
//   - an empty `node`, and node with mysql2 loaded, for RSS (the floor any Node
//     runtime with the mandated driver starts from);
//   - a static Node http server, for /health latency (the floor of this machine
//     and load generator).
// Prints a markdown section for docs/PERFORMANCE.md on stdout; progress on stderr.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startMariaDb, type MariaDb } from '../../test/support/mariadb.ts';
import { prepareRailsApp, type RailsApp } from '../../test/rails/fixture-app.ts';

const ROOT = process.cwd();
const RUNTIME = join(ROOT, 'dist/runtime.cjs');
const PROGRAMS = join(ROOT, 'test/fixtures/programs');
const HERE = join(ROOT, 'bench/runtime');
const NODE = process.execPath;
const say = (s: string) => process.stderr.write(`== ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]!; };
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const rssKiB = (pid: number, field = 'VmRSS') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

function get(port: number, path: string, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
async function stopProc(p: ChildProcess, sig: NodeJS.Signals = 'SIGTERM') {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill(sig);
  const t = setTimeout(() => { try { process.kill(-p.pid!, 'SIGKILL'); } catch { p.kill('SIGKILL'); } }, 10_000);
  await done;
  clearTimeout(t);
}

/** Spawns, then polls every `everyMs`: first TCP accept, first 200 on /health. */
async function startupTimes(cmd: string, args: string[], env: NodeJS.ProcessEnv, port: number, opts: { cwd?: string; everyMs?: number; timeoutMs?: number } = {}) {
  const t0 = performance.now();
  const p = spawn(cmd, args, { env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'ignore'], detached: true });
  let accept = NaN;
  let ok = NaN;
  const deadline = t0 + (opts.timeoutMs ?? 60_000);
  while (performance.now() < deadline) {
    if (Number.isNaN(accept)) {
      if (await accepts(port)) accept = performance.now() - t0;
      else { await sleep(opts.everyMs ?? 1); continue; }
    }
    if ((await get(port, '/health')) === 200) { ok = performance.now() - t0; break; }
    await sleep(opts.everyMs ?? 1);
  }
  const rss = rssKiB(p.pid!);
  const anon = rssKiB(p.pid!, 'RssAnon');
  await stopProc(p);
  return { accept, ok, rssKiB: rss, anonKiB: anon };
}

/**
 * wrk at about 200 requests/s (bench/runtime/rate.lua) for `seconds`: its latency
 * percentiles in ms. wrk, not a Node load generator: on these two cores autocannon's
 * own event loop put 5-7 ms into the p99 of a static server (docs/PERFORMANCE.md).
 */
function load(port: number, seconds: number) {
  const r = spawnSync('wrk', ['-t1', '-c10', `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', join(HERE, 'rate.lua'), `http://127.0.0.1:${port}/health`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;
  const pctl = (p: string) => { const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(r.stdout); if (!m) throw new Error(`wrk output has no ${p}%:\n${r.stdout}`); return ms(m[1]!, m[2]!); };
  const max = /^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/m.exec(r.stdout);
  const n = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(r.stdout)?.[1];
  return { p50: pctl('50'), p99: pctl('99'), max: max ? ms(max[1]!, max[2]!) : NaN, n, rate: n / seconds, non2xx, errors };
}
const fms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
/** A Node process that loads `code` and idles: its VmRSS and RssAnon once settled. */
async function idleRss(code: string): Promise<{ rss: number; anon: number }> {
  // The runtime's minimal env: NODE_EXTRA_CA_CERTS (set on this machine) would add ~2 MiB.
  const p = spawn(NODE, ['-e', `${code}; setInterval(() => {}, 1000)`], { cwd: ROOT, stdio: 'ignore', env: { PATH: process.env.PATH } });
  await sleep(1500);
  const r = { rss: rssKiB(p.pid!), anon: rssKiB(p.pid!, 'RssAnon') };
  await stopProc(p);
  return r;
}

async function main() {
  const out: string[] = [];
  const row = (what: string, ours: string, anchor: string, ratio: string, target: string) => out.push(`| ${what} | ${ours} | ${anchor} | ${ratio} | ${target} |`);
  const runs = Number(process.env.BENCH_RUNS || 5);

  say('MariaDB (test/support/mariadb.ts) and the fixture Rails app (test/rails/fixture-app.ts)');
  const db: MariaDb = await startMariaDb();
  // An interrupted bench must not leave its mariadbd behind ('exit' hooks do not run on signals).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void db.destroy().finally(() => process.exit(130)));
  let app: RailsApp | undefined;
  let anchorNote = 'loading the fixture Rails app (test/fixtures/rails-app, Rails 6.1 from Debian, with the rendered Rails files) and checking MariaDB with `SELECT 1`';
  try {
    app = await prepareRailsApp(db, { processTarget: 'worker-primary', podName: 'bench' });
    await app.rake(['db:create', 'db:migrate']).catch(() => app!.rake(['db:migrate']));
  } catch (e) {
    anchorNote = `loading plain \`require "webrick"\` only: the fixture app could not be prepared (${(e as Error).message.split('\n')[0]})`;
    app = undefined;
  }
  const rubyEnv = (port: number): NodeJS.ProcessEnv => ({ ...(app ? app.env({ RAILS_APP_DIR: app.dir }) : { PATH: process.env.PATH, ...db.env }), PROCESS_TARGET: 'worker-primary', HEALTH_PORT: String(port), POD_NAME: 'bench', POD_NAMESPACE: 'bench' });
  const rtEnv = (port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH, RAILS_ENV: 'production', ...db.env, PROCESS_TARGET: 'worker-primary', HEALTH_PORT: String(port), POD_NAME: 'bench', POD_NAMESPACE: 'bench',
    DELAYED_JOB_POOLS: '--pool=*:1', RAILYARD_WORKER_COMMAND: 'sleep 3600', ...extra,
  });

  // ------------------------------------------------ start-up and RSS
  say(`start-up: anchor (WEBrick + Rails) x${runs}`);
  const anchorStart: { accept: number; ok: number; rssKiB: number; anonKiB: number }[] = [];
  for (let i = 0; i < runs; i++) { const port = await freePort(); anchorStart.push(await startupTimes('ruby', [join(HERE, 'health_server.rb')], rubyEnv(port), port, { cwd: app?.dir, everyMs: 5 })); }
  say(`start-up: runtime x${runs * 4}`);
  const rtStart: { accept: number; ok: number; rssKiB: number; anonKiB: number }[] = [];
  for (let i = 0; i < runs * 4; i++) { const port = await freePort(); rtStart.push(await startupTimes(NODE, [RUNTIME, 'worker-primary'], rtEnv(port), port)); }
  // One hyperfine run for the Node floor and the bad-env exit (missing env: exit 1 with its
  // JSON error line; -i because that exit is the point). Both with the minimal env the runtime
  // runs with above: this machine sets NODE_EXTRA_CA_CERTS, which costs every Node start about
  // 30 ms of reading certificates.
  const exitJson = join(mkdtempSync(join(tmpdir(), 'railyard-bench-')), 'exit.json');
  const exits = spawnSync('hyperfine', ['-N', '-i', '--runs', '30', '--warmup', '3', '--export-json', exitJson, '--style', 'none', `${NODE} -e 0`, `${NODE} ${RUNTIME} worker`], { stdio: 'ignore', env: { PATH: process.env.PATH } });
  const exitMs = exits.status === 0 ? (JSON.parse(readFileSync(exitJson, 'utf8')).results as { median: number }[]).map((r) => r.median * 1000) : [];
  const nodeFloor = exitMs[0] ?? NaN;
  const badMs = exitMs[1] ?? NaN;

  const aOk = median(anchorStart.map((s) => s.ok)); const rOk = median(rtStart.map((s) => s.ok));
  const aAcc = median(anchorStart.map((s) => s.accept)); const rAcc = median(rtStart.map((s) => s.accept));
  // The runtime's start-up is cheap, so it gets 4× the anchor's runs.
  row(`exec → health port accepting (medians of ${rtStart.length} runs; anchor ${anchorStart.length})`, `${f1(rAcc)} ms`, `${f1(aAcc)} ms`, `${f2(rAcc / aAcc)}`, '≤ 150 ms');
  row(`exec → first 200 on /health (DB checked; ${rtStart.length} runs, anchor ${anchorStart.length})`, `${f1(rOk)} ms`, `${f1(aOk)} ms (range ${f1(Math.min(...anchorStart.map((s) => s.ok)))}–${f1(Math.max(...anchorStart.map((s) => s.ok)))})`, `${f2(rOk / aOk)}`, '—');
  row('`node -e 0` on this machine (floor of any Node process; hyperfine, 30 runs)', `${f1(nodeFloor)} ms`, '', '', '');
  row('missing env → exit 1 with one JSON error line (exec to exit, wall; hyperfine, 30 runs)', `${f1(badMs)} ms`, `${f1(nodeFloor)} ms (\`node -e 0\`)`, `+${f1(badMs - nodeFloor)} ms`, '≤ 100 ms');

  say(`RSS with 44 pool slots x${runs}`);
  const rss44: { rss: number; hwm: number; anon: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const p = spawn(NODE, [RUNTIME, 'worker-secondary'], { env: rtEnv(port, { DELAYED_JOB_POOLS: '--pool=*:20 --pool=mail,sms:10 --pool=peppol:14', RAILYARD_STAGGER_MS: '5' }), stdio: ['ignore', 'pipe', 'ignore'] });
    let started = 0;
    p.stdout!.on('data', (d: Buffer) => (started += (d.toString().match(/"message":"started pool/g) ?? []).length));
    while (started < 44) await sleep(20);
    for (let k = 0; k < 20; k++) await get(port, '/health'), await sleep(60); // DB checked (several cache periods)
    rss44.push({ rss: rssKiB(p.pid!), hwm: rssKiB(p.pid!, 'VmHWM'), anon: rssKiB(p.pid!, 'RssAnon') });
    await stopProc(p);
  }
  const anchorRss = median(anchorStart.map((s) => s.rssKiB));
  const rRss = median(rss44.map((s) => s.rss));
  row('RSS, runtime with 44 slots (children excluded) vs the health server alone', `${f1(rRss / 1024)} MiB (peak ${f1(median(rss44.map((s) => s.hwm)) / 1024)})`, `${f1(anchorRss / 1024)} MiB`, `${f2(rRss / anchorRss)}`, '≤ 45 MB');
  // RSS counts the interpreter's file-backed pages (node's or ruby's binary and libraries,
  // shared with every process of the same image); RssAnon is what the process itself allocated.
  const rAnon = median(rss44.map((s) => s.anon));
  const aAnon = median(anchorStart.map((s) => s.anonKiB));
  row('of which private (RssAnon): what the process allocated itself', `${f1(rAnon / 1024)} MiB`, `${f1(aAnon / 1024)} MiB`, `${f2(rAnon / aAnon)}`, '');
  // The floors: what any Node process, and any Node process with the mandated DB
  // driver loaded, takes before doing anything (same run, same node binary).
  const bare: { rss: number; anon: number }[] = [];
  const withDriver: { rss: number; anon: number }[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await idleRss('0'));
    withDriver.push(await idleRss(`require(${JSON.stringify(join(ROOT, 'node_modules/mysql2'))})`));
  }
  const bRss = median(bare.map((b) => b.rss)); const dRss = median(withDriver.map((b) => b.rss));
  row('floor: an idle empty `node`', `${f1(bRss / 1024)} MiB (anon ${f1(median(bare.map((b) => b.anon)) / 1024)})`, '', `${f2(rRss / bRss)} (runtime / floor)`, '');
  row('floor: an idle `node` that has loaded mysql2', `${f1(dRss / 1024)} MiB (anon ${f1(median(withDriver.map((b) => b.anon)) / 1024)})`, '', `+${f1((rRss - dRss) / 1024)} MiB (runtime − floor)`, '');

  // ------------------------------------------------ /health under load
  say('/health at ~200 req/s (wrk) for 10 s after a 2 s warm-up: runtime (44 slots, DB cached), static server, anchor');
  const rPort = await freePort();
  const rt = spawn(NODE, [RUNTIME, 'worker-secondary'], { env: rtEnv(rPort, { DELAYED_JOB_POOLS: '--pool=*:44', RAILYARD_STAGGER_MS: '5' }), stdio: ['ignore', 'ignore', 'ignore'] });
  while ((await get(rPort, '/health')) !== 200) await sleep(50);
  // Every server gets the same 2 s warm-up at the same rate (JIT, lazy loads such
  // as mysql2, first queries), then the measured 10 s: the steady state a probe sees.
  load(rPort, 2);
  const rLoad = load(rPort, 10);
  await stopProc(rt);
  const sPort = await freePort();
  const fixed = spawn(NODE, [join(HERE, 'static-server.cjs'), String(sPort)], { stdio: 'ignore' });
  while ((await get(sPort, '/health')) !== 200) await sleep(20);
  load(sPort, 2);
  const sLoad = load(sPort, 10);
  await stopProc(fixed);
  const aPort = await freePort();
  const anchor = spawn('ruby', [join(HERE, 'health_server.rb')], { env: rubyEnv(aPort), cwd: app?.dir, stdio: ['ignore', 'ignore', 'ignore'] });
  while ((await get(aPort, '/health')) !== 200) await sleep(50);
  load(aPort, 2);
  const aLoad = load(aPort, 10);
  await stopProc(anchor);
  const described = (l: ReturnType<typeof load>) => `${fms(l.p50)} / ${fms(l.p99)} / ${fms(l.max)} ms (${l.n} req at ${Math.round(l.rate)}/s, ${l.non2xx} non-2xx${l.errors ? `, socket errors: ${l.errors}` : ''})`;
  row('/health latency at ~200 req/s (wrk), p50 / p99 / max', described(rLoad), described(aLoad), `${f2(rLoad.p99 / aLoad.p99)} (p99)`, 'p99 ≤ 5 ms');
  row('floor: a static Node http server with the same body, same load', described(sLoad), '', `${f2(rLoad.p99 / sLoad.p99)} (runtime p99 / floor p99)`, '');

  // ------------------------------------------------ SIGTERM delivery
  const trials = Number(process.env.BENCH_SIGNAL_TRIALS || 200);
  say(`SIGTERM → child: ${trials} trials through the runtime, ${trials} through tini`);
  const delivery = async (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!text.includes('"ready":true')) {
      if (p.exitCode !== null || Date.now() > deadline) {
        await stopProc(p, 'SIGKILL');
        throw new Error(`${cmd} ${args.join(' ')}: no ready line\n${text}\n${err}`);
      }
      await sleep(2);
    }
    const t0 = process.hrtime.bigint();
    p.kill('SIGTERM');
    await new Promise((r) => p.once('close', r));
    const m = /"signal":"SIGTERM","at_ns":"(\d+)"/.exec(text);
    return Number(BigInt(m![1]!) - t0) / 1e6;
  };
  const viaRuntime: number[] = [];
  const viaTini: number[] = [];
  for (let i = 0; i < trials; i++) {
    viaRuntime.push(await delivery(NODE, [RUNTIME, 'web', '--', NODE, join(PROGRAMS, 'signals.cjs')], { PATH: process.env.PATH, RAILS_ENV: 'production', DATABASE_URL: 'mysql2://u:p@127.0.0.1/db' }));
    viaTini.push(await delivery('tini', ['-s', '--', NODE, join(PROGRAMS, 'signals.cjs')], { PATH: process.env.PATH }));
  }
  row('SIGTERM sent → handler running in the child, p50 / p99', `${f2(median(viaRuntime))} / ${f2(pct(viaRuntime, 0.99))} ms`, `${f2(median(viaTini))} / ${f2(pct(viaTini, 0.99))} ms (tini)`, `${f2(pct(viaRuntime, 0.99) / pct(viaTini, 0.99))} (p99)`, 'p99 ≤ 10 ms');

  // ------------------------------------------------ log pipeline
  const lines = Number(process.env.BENCH_LOG_LINES || 1_000_000);
  say(`log throughput: ${lines} lines of 200 bytes, 50 secrets, runtime pinned to one core (hyperfine)`);
  // Secrets shaped like real ones (base64 of 8–31 bytes), fixed per index so runs compare.
  const secrets = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`APP_SECRET_${i}_TOKEN`, createHash('sha256').update(`secret-${i}`).digest('base64').slice(0, 12 + (i % 32))]));
  // A Rails-like line: most characters occur, so the redaction scan runs on every line.
  const floodLine = 'I, [2026-11-26T21:15:22.868512 #31]  INFO -- : [3f2a] Completed 200 OK in 12ms (Views: 1.0ms | ActiveRecord: 3.2ms | Allocations: 4123) user=4711 session=ab12cd34 path=/api/v2/documents/9876';
  const tmp = mkdtempSync(join(tmpdir(), 'railyard-bench-'));
  const envFile = join(tmp, 'env.sh');
  writeFileSync(envFile, Object.entries({ ...secrets, RAILS_ENV: 'production', DATABASE_URL: 'mysql2://app:db-pass-word@127.0.0.1/app', LINES: String(lines), FLOOD_LINE: floodLine }).map(([k, v]) => `export ${k}='${v}'`).join('\n') + '\n');
  const flood = join(PROGRAMS, 'flood.cjs');
  const hf = spawnSync('hyperfine', ['--runs', String(runs), '--warmup', '1', '--export-json', join(tmp, 'logs.json'),
    '-n', 'runtime', `. ${envFile}; taskset -c 0 ${NODE} ${RUNTIME} web -- taskset -c 1 ${NODE} ${flood} | taskset -c 1 cat > /dev/null`,
    '-n', 'anchor', `. ${envFile}; taskset -c 1 ${NODE} ${flood} | taskset -c 0 cat > /dev/null`], { stdio: ['ignore', 2, 2] }); // hyperfine's report to stderr: stdout is the markdown
  if (hf.status !== 0) throw new Error('hyperfine failed');
  const res = JSON.parse(readFileSync(join(tmp, 'logs.json'), 'utf8')).results as { command: string; median: number }[];
  const rT = res.find((r) => r.command === 'runtime')!.median; const aT = res.find((r) => r.command === 'anchor')!.median;
  row(`log pipeline throughput (${lines / 1e6}M × 200 B Rails-like lines, 50 secrets, one core)`, `${Math.round(lines / rT).toLocaleString('en')} lines/s`, `${Math.round(lines / aT).toLocaleString('en')} lines/s (child → cat, no runtime)`, `${f2(aT / rT)} (time)`, '≥ 200,000 lines/s');

  say('per-line latency at 200 lines/s');
  const latency = async (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const deltas: number[] = [];
    let buf = '';
    p.stdout!.on('data', (d: Buffer) => {
      const now = process.hrtime.bigint();
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
        const m = /"sent_ns":"(\d+)"/.exec(line);
        if (m) deltas.push(Number(now - BigInt(m[1]!)) / 1e6);
      }
    });
    await new Promise((r) => p.once('close', r));
    return deltas;
  };
  const clock = join(HERE, 'line-clock.cjs');
  const rLat = await latency(NODE, [RUNTIME, 'web', '--', NODE, clock], { PATH: process.env.PATH, RAILS_ENV: 'production', DATABASE_URL: 'mysql2://u:p@127.0.0.1/db', ...secrets });
  const aLat = await latency(NODE, [clock], { PATH: process.env.PATH });
  row('child write → line read from the runtime, p50 / p99', `${f2(median(rLat))} / ${f2(pct(rLat, 0.99))} ms`, `${f2(median(aLat))} / ${f2(pct(aLat, 0.99))} ms (child piped directly)`, `+${f2(median(rLat) - median(aLat))} ms (p50 added)`, '≤ 2 ms added');

  await db.destroy();
  app?.cleanup();

  console.log(`Load average when it finished: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores, shared with other work: the ratios to the anchor, measured in the same minutes, are the figures to compare).`);
  console.log(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${process.env.BENCH_COMMIT ?? '(unknown: run bench/runtime.sh)'} by \`bench/runtime.sh\` on this machine (${process.version}); medians of ${runs} runs unless a row names its own count or a percentile.`);
  console.log(`Anchor: the design document's WEBrick \`health_server.rb\` (\`bench/runtime/health_server.rb\`, Debian's ruby ${spawnSync('ruby', ['-e', 'print RUBY_VERSION'], { encoding: 'utf8' }).stdout}), ${anchorNote}.`);
  console.log('');
  console.log('| figure | railyard runtime | anchor (same run) | ratio | target |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const l of out) console.log(l);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
