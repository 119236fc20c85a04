// One container's log as lines, over a plain HTTPS request: the client
// library's Log pipes the body into a stream and gives no signal when the
// connection drops, and `logs -f` has to know that to resume.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Kube } from '../deploy/kube.js';
import { KubeError, toKubeError } from '../deploy/kube.js';

export interface LogQuery {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  timestamps?: boolean;
  sinceTime?: string;
  sinceSeconds?: number;
  tailLines?: number;
}

/**
 * Calls `onLine` for each line and resolves when the stream ends (the
 * container stopped, or the connection dropped: the caller tells them apart
 * by asking the API server). Rejects with a KubeError when the server refuses.
 */
export async function streamLog(kube: Kube, q: LogQuery, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const url = new URL(`${kube.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(q.namespace)}/pods/${encodeURIComponent(q.pod)}/log`);
  url.searchParams.set('container', q.container);
  if (q.follow) url.searchParams.set('follow', 'true');
  if (q.timestamps) url.searchParams.set('timestamps', 'true');
  if (q.sinceTime) url.searchParams.set('sinceTime', q.sinceTime);
  else if (q.sinceSeconds !== undefined) url.searchParams.set('sinceSeconds', String(q.sinceSeconds));
  if (q.tailLines !== undefined) url.searchParams.set('tailLines', String(q.tailLines));
  const opts: https.RequestOptions = { method: 'GET', headers: {} };
  await kube.kc.applyToHTTPSOptions(opts);
  const mod = url.protocol === 'http:' ? http : https;
  await new Promise<void>((resolve, reject) => {
    const req = mod.request(url, { ...opts, signal }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body.length < 4096 ? (body += d) : undefined));
        res.on('end', () => {
          let message = `HTTP ${res.statusCode}`;
          try {
            message = (JSON.parse(body) as { message?: string }).message ?? message;
          } catch {
            /* not a Status */
          }
          reject(new KubeError(`read the log of pod ${q.pod}: ${message}`, res.statusCode ?? 0));
        });
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let start = 0;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n', start)) {
          onLine(buf.slice(start, i));
          start = i + 1;
        }
        buf = buf.slice(start);
      });
      // A dropped connection ends the response too ('aborted' then 'close'); a partial last line is kept only when the stream ended cleanly.
      res.on('end', () => {
        if (buf && res.complete) onLine(buf);
        resolve();
      });
      res.on('error', () => resolve());
      res.on('close', () => resolve());
    });
    req.on('error', (err) => (signal?.aborted ? resolve() : reject(toKubeError(err, `read the log of pod ${q.pod}`))));
    req.end();
  });
}
