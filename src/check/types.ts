// The vocabulary of `railyard check`: objects in, findings out.
//
// A rule is a small function with an id, a severity, why it matters and how to fix it.
// Rules see the whole set (a Service must select a pod somewhere in it) and the facts
// the model adds (declared secrets, budgets, base images), never the file system.

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export type Family = 'schema' | 'apiserver' | 'consistency' | 'security' | 'reliability' | 'budgets' | 'logging' | 'platform';

/** A Kubernetes object as plain JSON (what YAML parses to, what the renderer returns). */
export type K8sObject = Record<string, any>;

export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  object: ObjectRef;
  /** Field path inside the object, dotted with [i]: `spec.template.spec.containers[0].image`. */
  path: string;
  message: string;
  why: string;
  fix: string;
  /** Where the object was read from, when it came from a file. */
  source?: { file: string; line?: number };
  /** Present when an `--ignore`, a `railyard.dev/ignore` annotation or the model's `checks.ignore` silenced the finding. */
  silenced?: { reason: string; by: 'annotation' | 'flag' | 'config' };
}

/** A secret the cluster is known to hold: a Secret object in the set, or one the model declares. */
export interface KnownSecret {
  name: string;
  namespace: string;
  /** Key names; `*` in a key is a wildcard (the model writes `AWS_*_BUCKET`). Undefined: keys unknown. */
  keys?: string[];
  /** Where the knowledge came from, for messages. */
  origin: 'object' | 'model';
}

/** One stage of a Dockerfile: what `--manifests` mode reads next to the YAML, or the model's base image. */
export interface DockerStage {
  name?: string;
  from: string;
  /** ENV set in this stage (including inherited ones). */
  env: Record<string, string>;
  /** CMD as argv (shell form becomes ["/bin/sh", "-c", text]). */
  cmd?: string[];
  /** ENTRYPOINT as argv; Kubernetes' `command` replaces it, `args` replaces CMD. */
  entrypoint?: string[];
  source: { file: string; line: number };
}

export interface CheckOptions {
  /** The namespace objects without one land in (kubectl's current namespace). */
  defaultNamespace: string;
  /** Estimated RSS of one Rails process, MiB. */
  processRssMiB: number;
  /** The database server's max_connections. */
  maxConnections: number;
  /** Node container runtime; decides which log format Fluent Bit must parse. */
  containerRuntime: 'containerd' | 'docker';
  /** Smallest probe timeout the health endpoints guarantee to answer within, seconds. */
  healthResponseSeconds: number;
  /** Today, for end-of-life dates (injectable so tests do not age). */
  now: Date;
}

/** What the model adds to the objects: facts a manifest cannot state. */
export interface ModelFacts {
  appName?: string;
  appNamespace?: string;
  secrets: KnownSecret[];
  /** Base images the Dockerfile is built from. */
  baseImages: string[];
  /** Max replicas by Deployment name (the model's replicas.max). */
  maxReplicas: Record<string, number>;
  /** Kafka consumer Deployments and their offset-commit interval, seconds. */
  consumers: Record<string, { offsetCommitIntervalSeconds: number }>;
  /** Worker Deployments and their DELAYED_JOB_TIMEOUT, seconds. */
  workers: Record<string, { jobTimeoutSeconds: number; processes: number }>;
  /** Web Deployments and their Puma max threads. */
  web: Record<string, { threads: number }>;
}

export interface CheckContext {
  objects: K8sObject[];
  options: CheckOptions;
  facts: ModelFacts;
  docker: DockerStage[];
  /** True when the set carries no Secret objects and the model declares none: references are the cluster's business. */
  secretsExternal: boolean;
}

/** What a rule reports; the runner adds the rule's id, severity, why and fix. */
export interface RawFinding {
  object: K8sObject | ObjectRef;
  path: string;
  message: string;
  /** Overrides the rule's severity (e.g. info when the set cannot decide). */
  severity?: Severity;
  /** For findings about files rather than objects (a Dockerfile line). */
  source?: { file: string; line?: number };
}

export interface Rule {
  id: string;
  family: Family;
  severity: Severity;
  /** One sentence: what breaks if this is ignored. */
  why: string;
  /** One sentence: what to change. */
  fix: string;
  /** Equivalent checks in the peer linters, by their own ids; absent means none. */
  peers: { kubeScore?: string; kubeLinter?: string; polaris?: string };
  check(ctx: CheckContext): RawFinding[];
}
