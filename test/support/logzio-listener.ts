// A stand-in for a Logz.io listener: HTTPS with a throwaway CA (openssl, as in
// mariadb.ts), the bulk `json_lines` API (POST /?token=…&type=…, one JSON
// object a line), the token checked like Logz.io does (401 otherwise), and
// every line recorded. stop()/start() take it off the network and back on the
// same address, for the outage tests.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

const execFileAsync = promisify(execFile);

export interface ListenerOptions {
  /** The host name Fluent Bit connects to, and the certificate's only name. */
  hostName: string;
  bindAddress: string;
  token: string;
  /** Where the CA and server key go. */
  dir: string;
  port?: number;
}

export interface LogzioListener {
  readonly port: number;
  /** PEM of the CA that signed the server certificate: the model's `logzio.ca`. */
  readonly caPem: string;
  /** Every line accepted, parsed, in arrival order. */
  readonly lines: Record<string, any>[];
  /** When each of `lines` arrived (Date.now()), same order. */
  readonly arrivals: number[];
  /** Every request body accepted, as received (for secret scans). */
  readonly bodies: string[];
  /** Requests refused: wrong or missing token, bad JSON, wrong path. */
  readonly refused: { status: number; reason: string }[];
  /** The `type` query parameters seen. */
  readonly types: Set<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A CA and a server certificate for `hostName`, made with the openssl CLI. */
async function makeCertificates(dir: string, hostName: string): Promise<{ ca: string; cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileAsync('openssl', args, { cwd: dir, timeout: 60_000 });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=railyard test logzio ca', '-keyout', f('ca-key.pem'), '-out', f('ca-cert.pem')]);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${hostName}`, '-keyout', f('server-key.pem'), '-out', f('server.csr')]);
  writeFileSync(f('server.ext'), `subjectAltName=DNS:${hostName}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  await openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca-cert.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server-cert.pem')]);
  return { ca: readFileSync(f('ca-cert.pem'), 'utf8'), cert: readFileSync(f('server-cert.pem'), 'utf8'), key: readFileSync(f('server-key.pem'), 'utf8') };
}

export async function startLogzioListener(opts: ListenerOptions): Promise<LogzioListener> {
  const pem = await makeCertificates(opts.dir, opts.hostName);
  const lines: Record<string, any>[] = [];
  const arrivals: number[] = [];
  const bodies: string[] = [];
  const refused: { status: number; reason: string }[] = [];
  const types = new Set<string>();
  const sockets = new Set<Socket>();
  let port = opts.port ?? 0;
  let server: Server | undefined;

  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const refuse = (status: number, reason: string) => {
        refused.push({ status, reason });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`${reason}\n`);
      };
      const url = new URL(req.url ?? '/', 'https://listener');
      if (req.method !== 'POST' || url.pathname !== '/') return refuse(404, `${req.method} ${url.pathname}`);
      // Logz.io answers 401 to a missing or wrong token; Fluent Bit must retry, not drop.
      if (url.searchParams.get('token') !== opts.token) return refuse(401, 'token');
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const text = raw.toString('utf8');
      const parsed: Record<string, any>[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          parsed.push(JSON.parse(line));
        } catch {
          // Logz.io refuses a malformed bulk: 400, and nothing of it is kept.
          return refuse(400, `not JSON: ${line.slice(0, 80)}`);
        }
      }
      types.add(url.searchParams.get('type') ?? '');
      bodies.push(text);
      lines.push(...parsed);
      const now = Date.now();
      for (let i = 0; i < parsed.length; i++) arrivals.push(now);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  };

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer({ cert: pem.cert, key: pem.key }, handler);
      s.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      s.once('error', reject);
      s.listen(port, opts.bindAddress, () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
      // Keep-alive connections would otherwise keep the listener reachable.
      for (const sock of sockets) sock.destroy();
    });

  await start();
  return {
    get port() {
      return port;
    },
    caPem: pem.ca,
    lines,
    arrivals,
    bodies,
    refused,
    types,
    start,
    stop,
    close: stop,
  };
}
