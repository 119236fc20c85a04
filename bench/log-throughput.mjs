// Throughput of `railyard logs`' fan-in and pretty-printer: N runtime JSON
// lines with kubelet timestamps, from P pods, through the same code the CLI
// runs (split, resume check, window reorder, format), written to /dev/null.
// Usage: node bench/log-throughput.mjs [LINES] [PODS]  (prints lines/s of wall and of CPU time)
import { build } from 'esbuild';
import { openSync, writeSync } from 'node:fs';

const lines = Number(process.argv[2] ?? 500_000);
const pods = Number(process.argv[3] ?? 20);
const out = await build({ entryPoints: ['src/ops/log-lines.ts'], bundle: true, format: 'esm', platform: 'node', write: false });
const m = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);

// A log-heavy stand-in: what the runtime writes for a worker slot, as the API server returns it.
const t0 = Date.parse('2026-11-30T16:00:00Z');
const input = [];
for (let i = 0; i < lines; i++) {
  const p = i % pods;
  const ts = new Date(t0 + Math.floor(i / pods)).toISOString().replace('Z', `${String(i % 1000).padStart(6, '0')}Z`);
  input.push({ pod: `worker-primary-7d9f-${p}`, line: `${ts} {"timestamp":"${ts}","level":"${i % 10 === 0 ? 'warn' : 'info'}","process_target":"worker-primary","pod_name":"worker-primary-7d9f-${p}","namespace":"shop","stream":"stdout","pool":"mail","slot":${p % 4},"pid":${100 + p},"message":"Job ActionMailer::MailDeliveryJob (id=${i}) RUNNING","request_id":"r-${i}"}` });
}
const fd = openSync('/dev/null', 'w');
for (const json of [false, true]) {
  const points = new Map();
  const reorder = new m.Reorder(200);
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let buf = '';
  const emit = (rs) => {
    for (const r of rs) buf += m.formatRecord(r, { colour: true, json }) + '\n';
    if (buf.length > 1 << 16) {
      writeSync(fd, buf);
      buf = '';
    }
  };
  let now = 0;
  for (let i = 0; i < input.length; i++) {
    const { pod, line } = input[i];
    let point = points.get(pod);
    if (!point) points.set(pod, (point = new m.ResumePoint()));
    const { ts, text } = m.splitTimestamp(line);
    if (!point.accept(ts)) continue;
    reorder.push({ ts, ms: m.tsMillis(ts), text, component: 'worker-primary', pod, container: 'worker' }, now);
    // The CLI drains every 50 ms; here every 1,000 lines, advancing a clock that keeps the 200 ms window honest.
    if (i % 1000 === 999) emit(reorder.drain((now += 50)));
  }
  emit(reorder.drain(now, true));
  writeSync(fd, buf);
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  const c = process.cpuUsage(cpu0);
  const cs = (c.user + c.system) / 1e6;
  // On a shared machine the wall figure depends on the neighbours; CPU seconds are what this process spent.
  console.log(`${json ? 'json' : 'pretty'}: ${lines} lines from ${pods} pods: wall ${s.toFixed(3)} s = ${Math.round(lines / s)} lines/s; cpu ${cs.toFixed(3)} s = ${Math.round(lines / cs)} lines/cpu-s; load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
}
