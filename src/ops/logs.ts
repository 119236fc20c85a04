// `railyard logs`: every container of the selected pods, fanned in. With
// `follow`, pods are watched: a pod a rollout creates joins (read from its
// first line), a deleted pod leaves. A stream that drops is resumed from its
// last timestamp with no gap and no duplicate (ResumePoint). At most
// `maxStreams` pods are read at once; past that railyard samples, rotating
// through the pods, and says so, instead of stopping.
import * as k8s from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { sleep, toKubeError, type Kube } from '../deploy/kube.js';
import { Reorder, ResumePoint, splitTimestamp, tsMillis, Watermark, type LogRecord } from './log-lines.js';
import { streamLog } from './log-stream.js';

export interface LogsOptions {
  namespace: string;
  selector: string;
  follow: boolean;
  sinceSeconds?: number;
  /** Lines per container for pods already running at the start, when no `sinceSeconds`. */
  tail?: number;
  maxStreams: number;
  /** How long lines are held to be put in time order across pods. */
  windowMs: number;
  /** With more pods than maxStreams: how often one sampled pod makes way for a waiting one. */
  rotateMs: number;
  onRecords(records: LogRecord[]): void;
  onNotice(message: string): void;
  signal: AbortSignal;
}

interface Tracked {
  pod: V1Pod;
  /** Per container. */
  points: Map<string, ResumePoint>;
  /** Set while its streams run; aborting stops them. */
  reading?: AbortController;
  startedAt?: number;
  /** Read from its first line (it appeared after we started), or from `since`/`tail`. */
  fromStart: boolean;
  /** Rotated out once: on its next turn it starts at that moment, not where it stopped (sampling skips, it does not catch up). */
  skipTo?: string;
  gone: boolean;
}

const component = (p: V1Pod) => p.metadata?.labels?.component ?? p.metadata?.labels?.['app.kubernetes.io/component'] ?? '';

/** Pods whose logs can be read: scheduled and past Pending, or already finished. */
function readable(p: V1Pod): boolean {
  return !!p.spec?.nodeName && p.status?.phase !== 'Pending' && p.status?.phase !== undefined;
}

export async function followLogs(kube: Kube, o: LogsOptions): Promise<void> {
  const pods = new Map<string, Tracked>();
  const waiting: string[] = [];
  const active = new Set<string>();
  const reorder = new Reorder<LogRecord>(o.windowMs);
  const watermark = new Watermark();
  const tasks = new Set<Promise<void>>();
  let lastNotice = '';

  const notice = () => {
    const total = [...pods.values()].filter((t) => !t.gone && readable(t.pod)).length;
    const msg = total > active.size ? `reading ${active.size} of ${total} pods, sampling (more than --max-pods ${o.maxStreams}; one pod makes way every ${Math.round(o.rotateMs / 1000)}s)` : '';
    if (msg && msg !== lastNotice) o.onNotice(msg);
    lastNotice = msg;
  };

  const flush = (all = false) => {
    const out = reorder.drain(Date.now(), all, watermark.value());
    if (out.length) o.onRecords(out);
  };
  const flusher = setInterval(() => flush(), Math.max(10, Math.floor(o.windowMs / 4)));
  // Lines the watermark lets through go out once per turn of the event loop, not a window later.
  let flushQueued = false;
  const flushSoon = () => {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      flush();
    });
  };

  const readContainer = async (t: Tracked, container: string, ac: AbortController) => {
    const name = t.pod.metadata!.name!;
    let point = t.points.get(container);
    if (!point) t.points.set(container, (point = new ResumePoint()));
    const comp = component(t.pod);
    const stream = `${name}/${container}`;
    watermark.open(stream);
    try {
      let first = true;
      while (!ac.signal.aborted && !o.signal.aborted) {
        point.resume();
        const since = point.sinceTime ?? (first && t.skipTo ? t.skipTo : undefined);
        const q = { namespace: o.namespace, pod: name, container, follow: o.follow, timestamps: true, ...(since ? { sinceTime: since } : t.fromStart ? {} : o.sinceSeconds !== undefined ? { sinceSeconds: o.sinceSeconds } : o.tail !== undefined ? { tailLines: o.tail } : {}) };
        first = false;
        try {
          await streamLog(kube, q, (line) => {
            const { ts, text } = splitTimestamp(line);
            if (!point!.accept(ts)) return;
            reorder.push({ ts, ms: tsMillis(ts), text, component: comp, pod: name, container }, Date.now());
            if (ts) {
              watermark.seen(stream, ts);
              flushSoon();
            }
          }, anySignal(ac.signal, o.signal));
        } catch (err) {
          const e = toKubeError(err, `read the log of pod ${name}`);
          // A container that has not started yet (400) is asked again; a gone pod (404) leaves.
          if (e.code === 404) return;
          if (e.code !== 400) o.onNotice(e.message);
        }
        if (!o.follow) return;
        if (ac.signal.aborted || o.signal.aborted || t.gone) return;
        const phase = t.pod.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') return;
        // The stream ended: the container stopped (it may restart) or the connection dropped. Either way, ask again shortly.
        await sleep(500);
      }
    } finally {
      watermark.close(stream);
    }
  };

  const start = (name: string) => {
    const t = pods.get(name);
    if (!t || t.gone || t.reading) return;
    const ac = new AbortController();
    t.reading = ac;
    t.startedAt = Date.now();
    active.add(name);
    const containers = (t.pod.spec?.containers ?? []).map((c) => c.name);
    const task = Promise.all(containers.map((c) => readContainer(t, c, ac))).then(() => {
      if (t.reading === ac) {
        t.reading = undefined;
        active.delete(name);
        if (o.follow && !t.gone && !ac.signal.aborted) return; // finished pod: its logs are read; it stays until deleted
        fill();
      }
    });
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };

  const stop = (name: string) => {
    const t = pods.get(name);
    if (!t?.reading) return;
    t.reading.abort();
    t.reading = undefined;
    active.delete(name);
  };

  const fill = () => {
    while (active.size < o.maxStreams && waiting.length > 0) start(waiting.shift()!);
    notice();
  };

  const add = (p: V1Pod, fromStart: boolean) => {
    const name = p.metadata!.name!;
    const known = pods.get(name);
    if (known) {
      known.pod = p;
      if (!known.reading && !known.gone && readable(p) && !waiting.includes(name) && known.points.size === 0) waiting.push(name);
    } else {
      pods.set(name, { pod: p, points: new Map(), fromStart: fromStart || !readable(p), gone: false });
      if (readable(p)) waiting.push(name);
    }
    fill();
  };

  const remove = (name: string) => {
    const t = pods.get(name);
    if (!t) return;
    // Let its last lines arrive: the stream ends by itself when the container stops.
    t.gone = true;
    const i = waiting.indexOf(name);
    if (i >= 0) waiting.splice(i, 1);
    setTimeout(() => {
      stop(name);
      pods.delete(name);
      fill();
    }, 2000).unref();
  };

  let list;
  try {
    list = await kube.core.listNamespacedPod({ namespace: o.namespace, labelSelector: o.selector });
  } catch (err) {
    clearInterval(flusher);
    throw toKubeError(err, 'list Pods');
  }
  for (const p of list.items.filter((x) => !x.metadata?.deletionTimestamp)) add(p, false);
  if (pods.size === 0 && !o.follow) o.onNotice(`no pods match ${o.selector} in namespace ${o.namespace}`);

  if (!o.follow) {
    while (tasks.size > 0) await Promise.all([...tasks]);
    clearInterval(flusher);
    flush(true);
    return;
  }

  // Sampling: the pod read longest makes way for the one waiting longest.
  const rotator = setInterval(() => {
    if (waiting.length === 0) return;
    const oldest = [...active].map((n) => pods.get(n)!).filter(Boolean).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))[0];
    if (!oldest) return;
    const name = oldest.pod.metadata!.name!;
    stop(name);
    oldest.points.clear();
    oldest.skipTo = new Date().toISOString().replace(/\.\d+/, '');
    waiting.push(name);
    fill();
  }, o.rotateMs);

  // Watch from the list's resourceVersion, and again from the last seen one when the watch ends (they do, every few minutes).
  let rv = list.metadata?.resourceVersion;
  const watch = new k8s.Watch(kube.kc);
  while (!o.signal.aborted) {
    const ended = new Promise<void>((resolve) => {
      watch
        .watch(
          `/api/v1/namespaces/${o.namespace}/pods`,
          { labelSelector: o.selector, allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) },
          (type, obj: V1Pod) => {
            if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
            if (type === 'BOOKMARK') return;
            if (type === 'DELETED' || obj.metadata?.deletionTimestamp) remove(obj.metadata!.name!);
            else add(obj, true);
          },
          (err: unknown) => {
            // 410 Gone: the resourceVersion is too old; list again from now.
            if ((err as { code?: number; statusCode?: number })?.code === 410 || /410|too old/i.test(String((err as Error)?.message))) rv = undefined;
            resolve();
          },
        )
        .then((ac) => linkAbort(o.signal, ac))
        .catch(() => resolve());
      // Interrupted while the watch was still connecting: stop waiting for it.
      linkAbort(o.signal, { abort: () => resolve() });
    });
    await ended;
    if (o.signal.aborted) break;
    await sleep(500);
    if (!rv) {
      try {
        const again = await kube.core.listNamespacedPod({ namespace: o.namespace, labelSelector: o.selector });
        rv = again.metadata?.resourceVersion;
        const names = new Set(again.items.map((p) => p.metadata!.name!));
        for (const n of [...pods.keys()]) if (!names.has(n)) remove(n);
        for (const p of again.items) add(p, true);
      } catch {
        /* the API server is away: try again */
      }
    }
  }
  clearInterval(rotator);
  clearInterval(flusher);
  for (const n of [...active]) stop(n);
  flush(true);
}

/**
 * Aborts `target` when `signal` aborts, and at once if it already has: a listener added after
 * the abort never runs. (A Ctrl-C while the pod watch was still connecting left `logs -f`
 * waiting on that watch for ever; the first line now comes before the watch is up.)
 */
export function linkAbort(signal: AbortSignal, target: { abort(): void }): void {
  if (signal.aborted) target.abort();
  else signal.addEventListener('abort', () => target.abort(), { once: true });
}

function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  return AbortSignal.any([a, b]);
}
