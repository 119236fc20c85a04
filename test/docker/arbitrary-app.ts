// fast-check generator of valid app models that vary what the Dockerfile and
// the workflow are rendered from: target names, ports, how many workers share a
// target, how many consumers there are, the base image and whether the app has JavaScript.
import fc from 'fast-check';
import { validateApp, type App } from '../../src/config/index.js';

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const port = fc.integer({ min: 1024, max: 65535 });

export const arbitraryApp: fc.Arbitrary<App> = fc
  .record({
    name: label,
    webTarget: label,
    webPort: port,
    base: fc.constantFrom('ubuntu:focal', 'debian:bookworm-slim', 'localhost/base:1', 'registry.example.com/team/ruby:3.3-node20'),
    node: fc.constantFrom('yarn' as const, 'none' as const),
    workers: fc.array(fc.record({ target: fc.constantFrom('worker', 'jobs'), healthPort: port, count: fc.integer({ min: 1, max: 4 }) }), { maxLength: 3 }),
    consumers: fc.uniqueArray(fc.record({ name: label, healthPort: port, klass: fc.stringMatching(/^[A-Z][a-z]{1,5}(::[A-Z][a-z]{1,5}){0,2}$/) }), { maxLength: 4, selector: (c) => c.name }),
    rollbar: fc.boolean(),
    pullRequestDiff: fc.boolean(),
    migrateTimeout: fc.integer({ min: 1, max: 3600 }),
  })
  .filter((m) => {
    // Image targets and Deployment names must not collide; the schema rejects duplicates.
    const names = [m.webTarget, ...m.workers.map((w) => w.target), ...m.consumers.map((c) => `k-${c.name}`)];
    const shared = ['base', 'ruby-deps', 'node-deps', 'app-base'];
    return !names.some((n) => shared.includes(n)) && !m.workers.some((w) => w.target === m.webTarget) && !m.consumers.some((c) => `k-${c.name}` === m.webTarget);
  })
  .map((m) =>
    validateApp({
      name: m.name,
      namespace: m.name,
      image: { registry: 'registry.example.com', repository: `team/${m.name}`, base: m.base, node: m.node },
      web: { target: m.webTarget, port: m.webPort },
      workers: Object.fromEntries(m.workers.map((w, i) => [`w${i}`, { name: `worker-${i}`, target: w.target, healthPort: w.healthPort, pools: `--pool=q${i}:${w.count}` }])),
      consumers: Object.fromEntries(
        m.consumers.map((c) => [
          c.name,
          { name: `k-${c.name}`, healthPort: c.healthPort, consumerClass: c.klass, credentials: { secret: 'kafka', groupIdKey: 'G', usernameKey: 'U', passwordKey: 'P' } },
        ]),
      ),
      secrets: [{ name: 'kafka', keys: ['G', 'U', 'P'], usedBy: ['consumers'] }],
      migrate: { timeoutSeconds: m.migrateTimeout },
      ...(m.rollbar ? { rollbar: { environment: 'production', tokenSecret: 'ROLLBAR_TOKEN' } } : {}),
      workflow: { pullRequestDiff: m.pullRequestDiff },
    }),
  );
