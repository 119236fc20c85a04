// A racecar consumer run the way its rendered Deployment runs it: the
// container's args after `railyard run`, and its env resolved as the kubelet
// would (literals, secretKeyRef against the secrets the model declares,
// fieldRef for the pod's name and namespace, envFrom secrets whole). Only
// what a pod has of its own is substituted: HEALTH_PORT (pods share no
// ports here), the liveness file (each pod has its own /tmp) and
// MYSQL_SSL_CA (the secret mounted at /etc/ssl/mysql is the test CA file).
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { App, Consumer } from '../../src/config/schema.ts';
import { renderConsumer } from '../../src/render/kubernetes/consumers.ts';

export type Secrets = Record<string, Record<string, string>>;

export function consumerDeployment(app: App, consumer: Consumer): IDeployment {
  const d = renderConsumer(app, consumer, 'test0000000').find((o) => o.kind === 'Deployment');
  if (!d) throw new Error(`no Deployment rendered for ${consumer.name}`);
  return d as IDeployment;
}

export function appContainerOf(d: IDeployment): IContainer {
  return d.spec!.template.spec!.containers[0]!;
}

/**
 * The env the kubelet gives the container. A secretKeyRef to a key the
 * secret does not hold fails, as the pod would (CreateContainerConfigError).
 */
export function podEnv(d: IDeployment, secrets: Secrets, pod: { name: string; namespace: string }): Record<string, string> {
  const c = appContainerOf(d);
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const name = from.secretRef?.name;
    if (!name) throw new Error(`envFrom without a secretRef in ${d.metadata!.name}`);
    const s = secrets[name];
    if (!s) throw new Error(`envFrom secret ${name} does not exist`);
    Object.assign(env, s);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const v = secrets[name!]?.[key];
      if (v === undefined) throw new Error(`${e.name}: secret ${name} has no key ${key}`);
      env[e.name] = v;
    } else if (e.valueFrom?.fieldRef) {
      const path = e.valueFrom.fieldRef.fieldPath;
      env[e.name] = path === 'metadata.name' ? pod.name : path === 'metadata.namespace' ? pod.namespace : '';
      if (env[e.name] === '') throw new Error(`${e.name}: fieldRef ${path} is not resolved by the test`);
    } else throw new Error(`${e.name}: valueFrom this test does not resolve`);
  }
  return env;
}

/** The values of every key the model declares for its secrets (wildcard keys left out). */
export function secretValues(app: App, fill: (secret: string, key: string) => string): Secrets {
  const out: Secrets = {};
  for (const s of app.secrets) {
    out[s.name] = {};
    for (const k of s.keys) if (!k.includes('*')) out[s.name]![k] = fill(s.name, k);
  }
  return out;
}
