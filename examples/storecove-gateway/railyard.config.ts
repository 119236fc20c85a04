// The Storecove app routed through Gateway API (HTTPRoute) instead of ingress-nginx,
// which was retired in March 2026. Everything else is the main example.
import { defineApp } from 'railyard';
import storecove from '../storecove/railyard.config.ts';

export default defineApp({
  ...storecove,
  $schema: '../../schema/railyard.schema.json',
  checks: { ignore: storecove.checks!.ignore!.filter((i) => i.rule !== 'ingress-nginx-retired') },
  // Pull requests get a `diff` job: what merging them would change in the cluster, in the step summary.
  workflow: { pullRequestDiff: true },
  routing: {
    kind: 'gateway',
    clusterIssuer: 'letsencrypt-prod',
    // railyard renders this Gateway (cert-manager's gateway-shim issues its certificates).
    gateway: { name: 'storecove', className: 'ovh-gateway' },
    hosts: [
      { name: 'storecove-app', host: 'app.fr.storecove.com', bodySize: '2m', tlsSecret: 'storecove-app-tls', readTimeoutSeconds: 300 },
      { name: 'storecove-api', host: 'api.fr.storecove.com', bodySize: '100m', tlsSecret: 'storecove-api-tls', readTimeoutSeconds: 300 },
    ],
  },
});
