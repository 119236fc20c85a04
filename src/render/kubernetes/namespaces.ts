// Namespaces, labelled for Pod Security Admission. App pods meet `restricted`;
// Fluent Bit reads hostPath logs as root, which only `privileged` admits.
import type { App } from '../../config/schema.js';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { objectLabels } from './pod.js';

export function renderNamespaces(app: App, version: string): INamespace[] {
  const ns = (name: string, level: 'restricted' | 'privileged', component: string): INamespace => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        ...objectLabels(app, component, version),
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/warn': level,
      },
    },
  });
  const out = [ns(app.namespace, 'restricted', 'namespace')];
  const fb = app.logging.fluentBit;
  if (fb && fb.namespace !== app.namespace) out.push(ns(fb.namespace, 'privileged', 'logging'));
  return out;
}
