// NetworkPolicies rendered from the model, by exact output.
import { describe, expect, it } from 'vitest';
import { loadConfig, validateApp } from '../../src/config/load.js';
import { renderNetworkPolicies } from '../../src/render/kubernetes/network.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { checkObjects } from '../../src/check/index.js';

const labels = (name: string) => ({
  app: 'storecove',
  component: 'network-policy',
  'app.kubernetes.io/name': 'storecove',
  'app.kubernetes.io/instance': 'storecove',
  'app.kubernetes.io/component': 'network-policy',
  'app.kubernetes.io/part-of': 'storecove',
  'app.kubernetes.io/version': 'v1',
  'app.kubernetes.io/managed-by': 'railyard',
  ...(name ? {} : {}),
});

describe('NetworkPolicies', () => {
  it('storecove (ingress-nginx): deny all ingress to app pods, the web port from the ingress-nginx controller only, egress open', async () => {
    const { app } = await loadConfig('examples/storecove');
    expect(renderNetworkPolicies(app, 'v1')).toEqual([
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'storecove-default-deny-ingress', namespace: 'storecove', labels: labels('') }, spec: { podSelector: { matchLabels: { app: 'storecove' } }, policyTypes: ['Ingress'] } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'rails-server-allow-ingress', namespace: 'storecove', labels: labels('') },
        spec: {
          podSelector: { matchLabels: { app: 'storecove', component: 'server' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } } }], ports: [{ protocol: 'TCP', port: 3000 }] }],
        },
      },
    ]);
  });

  it('storecove-gateway: the web port from the Gateway\'s data-plane pods in its namespace', async () => {
    const { app } = await loadConfig('examples/storecove-gateway');
    const allow = renderNetworkPolicies(app, 'v1')[1]!;
    expect(app.routing?.kind).toBe('gateway');
    const gw = app.routing!.kind === 'gateway' ? app.routing!.gateway : undefined;
    expect(allow.spec!.ingress![0]!.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': gw!.namespace ?? app.namespace } }, podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': gw!.name } } }]);
  });

  it('declared egress: DNS always, then the database, Kafka and named destinations; ingressFrom overrides the controller; enabled: false renders none', () => {
    const base = { name: 'shop', namespace: 'shop', image: { registry: 'r.example.com', repository: 'shop/app' }, web: { port: 8080 } };
    const app = validateApp(
      {
        ...base,
        networkPolicy: {
          ingressFrom: { namespace: 'traefik', podLabels: { 'app.kubernetes.io/name': 'traefik' } },
          egress: { database: { cidrs: ['10.1.0.0/24'] }, kafka: { cidrs: ['10.2.0.5/32', '10.2.0.6/32'], ports: [9093] }, allow: [{ name: 'valkey', cidrs: ['10.3.0.0/16'], ports: [6379] }] },
        },
      },
      'test.yaml',
    );
    const [deny, allow, egress] = renderNetworkPolicies(app, 'v1');
    expect(deny!.spec).toEqual({ podSelector: { matchLabels: { app: 'shop' } }, policyTypes: ['Ingress'] });
    expect(allow!.spec!.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(egress!.metadata!.name).toBe('shop-egress');
    expect(egress!.spec).toEqual({
      podSelector: { matchLabels: { app: 'shop' } },
      policyTypes: ['Egress'],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [{ ipBlock: { cidr: '10.1.0.0/24' } }], ports: [{ protocol: 'TCP', port: 3306 }] },
        { to: [{ ipBlock: { cidr: '10.2.0.5/32' } }, { ipBlock: { cidr: '10.2.0.6/32' } }], ports: [{ protocol: 'TCP', port: 9093 }] },
        { to: [{ ipBlock: { cidr: '10.3.0.0/16' } }], ports: [{ protocol: 'TCP', port: 6379 }] },
      ],
    });
    // check: egress no longer open.
    const objects = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects);
    expect(checkObjects(objects, { app }).filter((f) => f.rule === 'egress-open')).toEqual([]);
    expect(renderNetworkPolicies(validateApp({ ...base, networkPolicy: { enabled: false } }, 'test.yaml'), 'v1')).toEqual([]);
    expect(() => validateApp({ ...base, networkPolicy: { egress: { allow: [{ name: 'x', cidrs: ['10.0.0.0'], ports: [1] }] } } }, 'test.yaml')).toThrow(/networkPolicy\.egress\.allow\[0\]\.cidrs\[0\]: must be a CIDR/);
  });

  it('selects every app pod the example renders, and check says egress is open (info) for the example', async () => {
    const { app } = await loadConfig('examples/storecove');
    const objects = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects) as any[];
    const findings = checkObjects(objects, { app }).filter((f) => f.rule === 'egress-open');
    // Fluent Bit's policy limits its ingress only (its egress is the listener and the API server).
    expect(findings.map((f) => [f.severity, f.object.name])).toEqual([['info', 'logging'], ['info', 'storecove']]);
    expect(findings[0]!.message).toBe('egress is open for 1 workload (no NetworkPolicy limits their egress): DaemonSet/fluent-bit');
    expect(findings[1]!.message).toMatch(/^egress is open for 23 workloads/);
  });
});
