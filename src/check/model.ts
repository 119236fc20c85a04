// What the app model tells the checks that rendered manifests cannot: which secrets
// the cluster will hold, the budgets, the Dockerfile's base image, which Deployment
// is which component.
import type { App } from '../config/schema.js';
import { countProcesses } from '../config/pools.js';
import type { ModelFacts } from './types.js';

export function emptyFacts(): ModelFacts {
  return { secrets: [], baseImages: [], maxReplicas: {}, consumers: {}, workers: {}, web: {} };
}

export function factsFromApp(app: App): ModelFacts {
  const f = emptyFacts();
  f.appName = app.name;
  f.appNamespace = app.namespace;
  f.secrets = app.secrets.map((s) => ({ name: s.name, namespace: s.namespace ?? app.namespace, keys: [...s.keys], origin: 'model' as const }));
  f.baseImages = [app.image.base];
  f.web[app.web.name] = { threads: app.web.threads.max };
  f.maxReplicas[app.web.name] = app.web.replicas.max;
  for (const w of Object.values(app.workers)) {
    f.workers[w.name] = { jobTimeoutSeconds: w.jobTimeoutSeconds, processes: countProcesses(w.pools) };
    f.maxReplicas[w.name] = w.replicas.max;
  }
  for (const c of Object.values(app.consumers)) {
    f.consumers[c.name] = { offsetCommitIntervalSeconds: c.offsetCommitIntervalSeconds };
    f.maxReplicas[c.name] = c.replicas.max;
  }
  return f;
}
