// NetworkPolicies for the app's pods. Ingress: denied to every app pod, then
// allowed to the web port from the ingress controller's pods only, so workers,
// consumers, CronJobs, the migration and every health port take no traffic from
// other pods. Egress: open unless the model declares it (a monolith that calls
// customers' webhooks cannot deny all egress); declared, it is DNS plus the
// database, Kafka and the named destinations.
//
// Kubelet probes come from the node itself, which the usual CNIs (Calico,
// Cilium, kube-router, Antrea) let through regardless of policy: the health
// ports need no rule (docs/CHECKS.md).
import type { App, NetworkPolicy as NetworkPolicyModel } from '../../config/schema.js';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import { metadata } from './pod.js';
import { WEB_COMPONENT } from './web.js';

export const NETWORK_COMPONENT = 'network-policy';
/** Every namespace carries this label (since Kubernetes 1.21), so a namespace is selected by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Who may reach the web port: the model's `ingressFrom`, else the routing's controller. */
export function ingressSource(app: App): { namespace: string; podLabels: Record<string, string> } {
  const from = app.networkPolicy.ingressFrom;
  if (from) return from;
  if (app.routing?.kind === 'gateway') {
    // The gateway's data-plane pods, labelled with their Gateway's name (NGINX Gateway Fabric, Envoy Gateway, Istio).
    return { namespace: app.routing.gateway.namespace ?? app.namespace, podLabels: { 'gateway.networking.k8s.io/gateway-name': app.routing.gateway.name } };
  }
  // ingress-nginx as OVH's guide and the upstream chart install it.
  return { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } };
}

function egressRules(egress: NonNullable<NetworkPolicyModel['egress']>): INetworkPolicyEgressRule[] {
  const to = (cidrs: string[], ports: number[]): INetworkPolicyEgressRule => ({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: ports.map((port) => ({ protocol: 'TCP', port })) });
  return [
    // DNS, to whichever resolver the pod has (CoreDNS, a node-local cache).
    { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
    ...(egress.database ? [to(egress.database.cidrs, egress.database.ports)] : []),
    ...(egress.kafka ? [to(egress.kafka.cidrs, egress.kafka.ports)] : []),
    ...egress.allow.map((a) => to(a.cidrs, a.ports)),
  ];
}

export function renderNetworkPolicies(app: App, version: string): INetworkPolicy[] {
  const np = app.networkPolicy;
  if (!np.enabled) return [];
  const appPods = { matchLabels: { app: app.name } };
  const src = ingressSource(app);
  const out: INetworkPolicy[] = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(app, `${app.name}-default-deny-ingress`, NETWORK_COMPONENT, version),
      spec: { podSelector: appPods, policyTypes: ['Ingress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(app, `${app.web.name}-allow-ingress`, NETWORK_COMPONENT, version),
      spec: {
        podSelector: { matchLabels: { app: app.name, component: WEB_COMPONENT } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            // One peer with both selectors: pods with these labels *in* that namespace.
            from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: src.namespace } }, ...(Object.keys(src.podLabels).length ? { podSelector: { matchLabels: { ...src.podLabels } } } : {}) }],
            ports: [{ protocol: 'TCP', port: app.web.port }],
          },
        ],
      },
    },
  ];
  if (np.egress) {
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(app, `${app.name}-egress`, NETWORK_COMPONENT, version),
      spec: { podSelector: appPods, policyTypes: ['Egress'], egress: egressRules(np.egress) },
    });
  }
  return out;
}
