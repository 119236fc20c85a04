// The floor for /health latency on this machine: a plain Node http server that
// answers every request with a fixed JSON body the size of the runtime's
// /health body with 44 slots, and does nothing else. Usage: static-server.cjs PORT
const children = Array.from({ length: 44 }, (_, i) => ({ pool: '*', slot: i, pid: 100000 + i, state: 'running', restarts: 0 }));
const body = JSON.stringify({ status: 'healthy', process_target: 'worker-secondary', pod_name: 'bench', namespace: 'bench', timestamp: new Date().toISOString(), children, database: { ok: true, checked_at: new Date().toISOString() } });
require('node:http')
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
