// Writes COUNT lines, one every INTERVAL_MS, each carrying the monotonic time
// it was written at ({"sent_ns": …}), for the per-line latency bench.
const count = Number(process.env.COUNT || 400);
const interval = Number(process.env.INTERVAL_MS || 5);
let n = 0;
const t = setInterval(() => {
  process.stdout.write(JSON.stringify({ sent_ns: process.hrtime.bigint().toString(), n }) + '\n');
  if (++n >= count) {
    clearInterval(t);
    process.stdout.write('', () => process.exit(0));
  }
}, interval);
