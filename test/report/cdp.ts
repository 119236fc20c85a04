// A small Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 in,
// fd 4 out, NUL-terminated JSON): enough to open a page in headless Chromium,
// watch its console and network, and take screenshots. Node 20 has no WebSocket.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

export class Browser {
  private next = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private buffer = '';
  readonly events: CdpEvent[] = [];
  private listeners: ((e: CdpEvent) => void)[] = [];

  private constructor(
    private proc: ChildProcess,
    private profile: string,
  ) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let at: number;
      while ((at = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
          else p?.resolve(msg.result);
        } else {
          this.events.push(msg);
          for (const l of this.listeners) l(msg);
        }
      }
    });
  }

  /** Debian's chromium, headless, with every way out to the network closed. */
  static launch(binary = 'chromium'): Browser {
    const profile = mkdtempSync(join(tmpdir(), 'railyard-chromium-'));
    const proc = spawn(
      binary,
      [
        '--headless',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--no-sandbox', // the tests run as root in a container
        '--disable-gpu',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        // Nothing resolves and nothing is proxied anywhere real: a request out fails.
        '--host-resolver-rules=MAP * ~NOTFOUND',
        '--proxy-server=127.0.0.1:9',
        '--hide-scrollbars',
        '--font-render-hinting=none',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    return new Browser(proc, profile);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.proc.stdio[3] as Writable).write(msg + '\0');
    });
  }

  waitFor(method: string, sessionId?: string, timeoutMs = 15_000): Promise<CdpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const l = (e: CdpEvent) => {
        if (e.method === method && (!sessionId || e.sessionId === sessionId)) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(e);
        }
      };
      this.listeners.push(l);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    await this.send('Browser.close').catch(() => undefined);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
