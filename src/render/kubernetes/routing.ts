// Routes to the web Service: Ingress (ingress-nginx annotations) or Gateway API.
import type { App, Routing } from '../../config/schema.js';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { metadata } from './pod.js';
import { WEB_COMPONENT } from './web.js';

type IngressRouting = Extract<Routing, { kind: 'ingress' }>;
type GatewayRouting = Extract<Routing, { kind: 'gateway' }>;

/**
 * One Ingress per host, because the body-size limit is per Ingress. The
 * document's `server-snippet` is gone: snippet annotations are disabled by
 * default since ingress-nginx 1.9 (CVE-2021-25742), and Rails sends no
 * X-Powered-By; hide the Server header with the controller's `server-tokens: "false"`.
 */
export function renderIngresses(app: App, routing: IngressRouting, tag: string): IIngress[] {
  return routing.hosts.map((h) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(app, h.name, WEB_COMPONENT, tag, {
      annotations: {
        'nginx.ingress.kubernetes.io/proxy-body-size': h.bodySize,
        'nginx.ingress.kubernetes.io/proxy-read-timeout': String(h.readTimeoutSeconds),
        'nginx.ingress.kubernetes.io/proxy-send-timeout': String(h.readTimeoutSeconds),
        'cert-manager.io/cluster-issuer': routing.clusterIssuer,
      },
    }),
    spec: {
      ingressClassName: routing.className,
      tls: [{ hosts: [h.host], secretName: h.tlsSecret }],
      rules: [
        {
          host: h.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: app.web.name, port: { number: app.web.service.port } } } }] },
        },
      ],
    },
  }));
}

function listenerName(host: string): string {
  return ('https-' + host.replace(/\./g, '-')).slice(0, 63).replace(/-+$/, '');
}

export const CLIENT_SETTINGS_POLICY_API = 'gateway.nginx.org/v1alpha1';

/**
 * Gateway API: a Gateway (when a class is given) with one HTTPS listener per
 * host, cert-manager's gateway-shim issuing each certificate, an HTTP listener
 * that only redirects, and one HTTPRoute per host. Gateway API has no body-size
 * field, so the limit goes into the implementation's policy.
 */
export function renderGatewayRoutes(app: App, routing: GatewayRouting, tag: string): object[] {
  const out: object[] = [];
  const gwNamespace = routing.gateway.namespace ?? app.namespace;
  if (routing.gateway.className) {
    const gateway: IGateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: metadata(app, routing.gateway.name, 'gateway', tag, { namespace: gwNamespace, annotations: { 'cert-manager.io/cluster-issuer': routing.clusterIssuer } }),
      spec: {
        gatewayClassName: routing.gateway.className,
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
          ...routing.hosts.map((h) => ({
            name: listenerName(h.host),
            hostname: h.host,
            protocol: 'HTTPS' as const,
            port: 443,
            tls: { mode: 'Terminate' as const, certificateRefs: [{ kind: 'Secret', name: h.tlsSecret }] },
            allowedRoutes: { namespaces: { from: 'Same' as const } },
          })),
        ],
      },
    };
    out.push(gateway);
  }
  const parent = (sectionName: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: routing.gateway.name, namespace: gwNamespace, sectionName });
  const redirect: IHTTPRoute = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: metadata(app, `${app.name}-https-redirect`, WEB_COMPONENT, tag),
    spec: {
      parentRefs: [parent('http')],
      hostnames: routing.hosts.map((h) => h.host),
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    },
  };
  out.push(redirect);
  for (const h of routing.hosts) {
    const route: IHTTPRoute = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: metadata(app, h.name, WEB_COMPONENT, tag),
      spec: {
        parentRefs: [parent(listenerName(h.host))],
        hostnames: [h.host],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ name: app.web.name, port: app.web.service.port }],
            timeouts: { request: `${h.readTimeoutSeconds}s` },
          },
        ],
      },
    };
    out.push(route);
    if (routing.policies === 'nginx-gateway-fabric') {
      out.push({
        apiVersion: CLIENT_SETTINGS_POLICY_API,
        kind: 'ClientSettingsPolicy',
        metadata: metadata(app, `${h.name}-client-settings`, WEB_COMPONENT, tag),
        spec: {
          targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: h.name },
          body: { maxSize: h.bodySize, timeout: `${h.readTimeoutSeconds}s` },
        },
      });
    }
  }
  return out;
}
