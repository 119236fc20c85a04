// Rollbar deploy notices (https://docs.rollbar.com/reference/post-deploy):
// `started` when the deploy begins, then `succeeded` or `failed` on the same
// deploy id. The token travels in the X-Rollbar-Access-Token header, read from
// the environment: never argv, never a log line, never an error message.
export const DEFAULT_ROLLBAR_URL = 'https://api.rollbar.com/api/1/deploy';

export interface RollbarTarget {
  /** POST here to start; PATCH `${url}/${deployId}` to finish. */
  url: string;
  token: string;
  environment: string;
}

export interface RollbarNotice {
  revision: string;
  localUsername: string;
  comment: string;
}

export type RollbarStatus = 'started' | 'succeeded' | 'failed';

/** Starts a deploy record; returns its id, or undefined (a notice is best-effort: Rollbar being down never fails a deploy). */
export async function rollbarStart(t: RollbarTarget, n: RollbarNotice, warn: (m: string) => void): Promise<string | undefined> {
  const body = { environment: t.environment, revision: n.revision, local_username: n.localUsername, comment: n.comment, status: 'started' };
  const res = await send(t, 'POST', t.url, body, warn);
  const id = (res as { data?: { deploy_id?: number | string } } | undefined)?.data?.deploy_id;
  return id === undefined ? undefined : String(id);
}

export async function rollbarFinish(t: RollbarTarget, deployId: string | undefined, status: Exclude<RollbarStatus, 'started'>, comment: string, warn: (m: string) => void): Promise<void> {
  if (deployId === undefined) return;
  await send(t, 'PATCH', `${t.url.replace(/\/+$/, '')}/${encodeURIComponent(deployId)}`, { status, comment }, warn);
}

async function send(t: RollbarTarget, method: string, url: string, body: unknown, warn: (m: string) => void): Promise<unknown> {
  try {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', 'x-rollbar-access-token': t.token },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) {
      warn(`Rollbar deploy notice: HTTP ${res.status} from ${redactUrl(url)}`);
      return undefined;
    }
    return await res.json().catch(() => undefined);
  } catch (err) {
    warn(`Rollbar deploy notice failed: ${(err as Error).name === 'TimeoutError' ? 'timed out' : ((err as Error).message ?? 'error')} (${redactUrl(url)})`);
    return undefined;
  }
}

/** Query strings can carry tokens; show scheme, host and path only. */
export function redactUrl(u: string): string {
  try {
    const p = new URL(u);
    return `${p.protocol}//${p.host}${p.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
