// The app model: one zod schema for everything railyard renders, checks, runs and deploys.
//
// Defaults come from the design document's tables (resource table, health table,
// grace-period table, env table). Where the document contradicts itself the
// default is the value that works, and docs/DESIGN-DEVIATIONS.md says why.
import { z } from 'zod';
import { parseQuantity } from './quantity.js';
import { parsePoolSpec, PoolSpecError, QUEUE_NAME, MAX_POOL_COUNT, ALL_QUEUES, type Pool } from './pools.js';

// ---------------------------------------------------------------- primitives

/** RFC 1123 label: what Kubernetes accepts for most object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kubernetes resource.Quantity, as the API server's regexp spells it. */
export const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** One or more PEM certificates and nothing else (no private key), surrounding whitespace allowed. */
export const PEM_CERTIFICATES = /^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/;

const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(DNS_LABEL, 'must be lower-case letters, digits and "-", starting and ending with a letter or digit');
const quantity = z.string().regex(QUANTITY, 'must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi');
const envName = z.string().regex(ENV_NAME, 'must be a valid environment variable name');
/** A secret key, or a key family such as `AWS_*_BUCKET` that the document names without listing. */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9*]+$/, 'must be a secret key name (letters, digits, "-", "_", "." or a "*" wildcard)');
const port = z.number().int().min(1).max(65535);
const seconds = z.number().int().min(0);
const command = z.array(z.string().min(1, 'must not be empty')).min(1, 'must not be empty');

export const Resources = z
  .object({
    requests: z.object({ cpu: quantity, memory: quantity }).strict(),
    limits: z.object({ cpu: quantity, memory: quantity }).strict(),
  })
  .strict();
export type Resources = z.infer<typeof Resources>;

/**
 * Node disk a container may use: its writable layer, its logs and the pod's
 * emptyDirs (/tmp, /app/tmp, /app/log). Without a limit one pod filling /tmp
 * fills the node's disk and the kubelet evicts other pods; with one, only the
 * offender is evicted. Every field is optional here: a component's block
 * overrides the app's `ephemeralStorage` field by field.
 */
export const EphemeralStorageOverride = z
  .object({
    request: quantity.optional(),
    limit: quantity.optional(),
    /** sizeLimit of each writable emptyDir, by volume name. */
    emptyDirs: z.object({ tmp: quantity.optional(), 'app-tmp': quantity.optional(), 'app-log': quantity.optional() }).strict().optional(),
  })
  .strict();
export type EphemeralStorageOverride = z.infer<typeof EphemeralStorageOverride>;

/** The app's defaults: /app/tmp holds bootsnap's cache (about 100-300 MiB for a large app), the rest is small. */
export const EPHEMERAL_DEFAULTS = { request: '1Gi', limit: '2Gi', emptyDirs: { tmp: '256Mi', 'app-tmp': '512Mi', 'app-log': '256Mi' } } as const;
export const EphemeralStorage = z
  .object({
    request: quantity.default(EPHEMERAL_DEFAULTS.request),
    limit: quantity.default(EPHEMERAL_DEFAULTS.limit),
    emptyDirs: z
      .object({ tmp: quantity.default(EPHEMERAL_DEFAULTS.emptyDirs.tmp), 'app-tmp': quantity.default(EPHEMERAL_DEFAULTS.emptyDirs['app-tmp']), 'app-log': quantity.default(EPHEMERAL_DEFAULTS.emptyDirs['app-log']) })
      .strict()
      .default({ ...EPHEMERAL_DEFAULTS.emptyDirs }),
  })
  .strict();
export type EphemeralStorage = z.infer<typeof EphemeralStorage>;

export const Replicas = z
  .object({ min: z.number().int().min(0), max: z.number().int().min(1) })
  .strict()
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['min'] });

export const HttpProbe = z
  .object({
    path: z.string().startsWith('/', 'must start with "/"'),
    initialDelaySeconds: seconds.default(30),
    periodSeconds: z.number().int().min(1).default(10),
    timeoutSeconds: z.number().int().min(1).default(5),
    failureThreshold: z.number().int().min(1).default(3),
  })
  .strict();
export type HttpProbe = z.infer<typeof HttpProbe>;

// ---------------------------------------------------------------- pools

const PoolObject = z
  .object({
    queues: z
      .array(z.string().refine((q) => q === ALL_QUEUES || QUEUE_NAME.test(q), 'may only use letters, digits, "_", "." and "-"'))
      .min(1, 'must not be empty (write ["*"] for every queue)')
      .refine((qs) => new Set(qs).size === qs.length, 'must not list a queue twice')
      .refine((qs) => !qs.includes(ALL_QUEUES) || qs.length === 1, '"*" must stand alone'),
    count: z.number().int().min(1).max(MAX_POOL_COUNT).default(1),
  })
  .strict();

/**
 * Pools are structured data; the delayed_job string form is accepted too, so that
 * an existing DELAYED_JOB_POOLS value can be pasted in. `queues: ["*"]` works every queue.
 */
export const Pools = z.union([
  z
    .string()
    .transform((s, ctx): Pool[] => {
      try {
        return parsePoolSpec(s);
      } catch (e) {
        if (!(e instanceof PoolSpecError)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message });
        return z.NEVER;
      }
    }),
  z.array(PoolObject).min(1, 'must not be empty'),
]);

// ---------------------------------------------------------------- components

const componentBase = {
  /** Deployment name. */
  name: dnsLabel,
  /** Extra literal env. Secret values never go here: use `secrets`. */
  env: z.record(envName, z.string()).default({}),
  resources: Resources,
  terminationGracePeriodSeconds: seconds,
  /** Overrides the app's `ephemeralStorage`, field by field. */
  ephemeralStorage: EphemeralStorageOverride.optional(),
};

export const Web = z
  .object({
    ...componentBase,
    name: dnsLabel.default('rails-server'),
    /** Dockerfile target. */
    target: dnsLabel.default('rails'),
    processTarget: z.string().min(1).default('server'),
    containerName: dnsLabel.default('rails'),
    port: port.default(3000),
    command: command.default(['bundle', 'exec', 'puma', '-C', 'config/puma.rb']),
    threads: z.object({ min: z.number().int().min(0), max: z.number().int().min(1) }).strict().default({ min: 5, max: 5 }),
    replicas: Replicas.default({ min: 2, max: 10 }),
    /** HPA target average CPU utilisation, in percent of the request. */
    targetCPUUtilization: z.number().int().min(1).max(100).default(70),
    service: z.object({ port: port.default(80) }).strict().default({ port: 80 }),
    resources: Resources.default({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } }),
    terminationGracePeriodSeconds: seconds.default(30),
    /**
     * Seconds a terminating pod keeps serving before Puma gets SIGTERM (a preStop
     * sleep): the endpoint removal takes that long to reach kube-proxy and the
     * ingress controller, and until then new connections still arrive. Part of
     * the grace period.
     */
    drainSeconds: z.number().int().min(0).default(5),
    probes: z
      .object({
        liveness: HttpProbe,
        readiness: HttpProbe,
      })
      .strict()
      .default({
        liveness: { path: '/health/liveness', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        readiness: { path: '/health/readiness', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      }),
  })
  .strict();
export type Web = z.infer<typeof Web>;

export const Worker = z
  .object({
    ...componentBase,
    target: dnsLabel.default('worker'),
    /** PROCESS_TARGET; defaults to the Deployment name (worker-primary, worker-secondary). */
    processTarget: z.string().min(1).optional(),
    containerName: dnsLabel.default('worker'),
    pools: Pools,
    replicas: Replicas.default({ min: 2, max: 5 }),
    healthPort: port.default(3001),
    /** DELAYED_JOB_TIMEOUT: seconds a job may run on after SIGTERM. */
    jobTimeoutSeconds: z.number().int().min(1).default(280),
    resources: Resources.default({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
    terminationGracePeriodSeconds: seconds.default(300),
    probe: HttpProbe.default({ path: '/health', initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 }),
    /** The command each pool slot runs; QUEUES is set per slot. */
    command: command.default(['bundle', 'exec', 'rake', 'jobs:work']),
  })
  .strict();
export type Worker = z.infer<typeof Worker>;

/**
 * A racecar consumer. Credentials reach racecar through RACECAR_* env (king_konf's
 * env_prefix), never argv, where `ps` would show them.
 */
export const Consumer = z
  .object({
    ...componentBase,
    target: dnsLabel.optional(),
    processTarget: z.string().min(1).optional(),
    containerName: dnsLabel.default('consumer'),
    healthPort: port,
    /** The racecar consumer class. */
    consumerClass: z.string().regex(/^[A-Z][A-Za-z0-9_]*(::[A-Z][A-Za-z0-9_]*)*$/, 'must be a Ruby constant such as Kafka::Consumers::FooConsumer'),
    /** Which secret keys feed RACECAR_GROUP_ID, RACECAR_SASL_USERNAME and RACECAR_SASL_PASSWORD. */
    credentials: z
      .object({
        secret: dnsLabel,
        groupIdKey: secretKey,
        usernameKey: secretKey,
        passwordKey: secretKey,
      })
      .strict(),
    replicas: Replicas.default({ min: 1, max: 3 }),
    /** Racecar's offset_commit_interval; the grace period must cover it. */
    offsetCommitIntervalSeconds: z.number().int().min(1).default(10),
    resources: Resources.default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } }),
    terminationGracePeriodSeconds: seconds.default(60),
    probe: HttpProbe.default({ path: '/health', initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 }),
    command: command.default(['bundle', 'exec', 'racecar']),
  })
  .strict();
export type Consumer = z.infer<typeof Consumer>;

const CRON_FIELD = /^[0-9A-Za-z*,\/\-?LW#]+$/;
export const CronTask = z
  .object({
    name: dnsLabel.max(52, 'must be at most 52 characters (the API server appends an 11-character job suffix)'),
    description: z.string().default(''),
    schedule: z.string().refine((s) => s.startsWith('@') || (s.trim().split(/\s+/).length === 5 && s.trim().split(/\s+/).every((f) => CRON_FIELD.test(f))), 'must be a 5-field cron expression or an @shortcut'),
    /** The task as the document writes it (`rake a && rake b`, `rails runner "…"`). Run with `bash -c`. */
    command: z.string().min(1, 'must not be empty'),
    activeDeadlineSeconds: z.number().int().min(1).optional(),
    resources: Resources.optional(),
    /** Overrides `cron.defaults.ephemeralStorage` and then the app's, field by field. */
    ephemeralStorage: EphemeralStorageOverride.optional(),
  })
  .strict();
export type CronTask = z.infer<typeof CronTask>;

export const CronDefaults = z
  .object({
    resources: Resources.default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } }),
    concurrencyPolicy: z.enum(['Forbid', 'Replace', 'Allow']).default('Forbid'),
    startingDeadlineSeconds: z.number().int().min(1).default(300),
    activeDeadlineSeconds: z.number().int().min(1).default(3600),
    backoffLimit: z.number().int().min(0).default(2),
    successfulJobsHistoryLimit: z.number().int().min(0).default(3),
    failedJobsHistoryLimit: z.number().int().min(0).default(3),
    ttlSecondsAfterFinished: z.number().int().min(0).default(86400),
    timeZone: z.string().default('Etc/UTC'),
    ephemeralStorage: EphemeralStorageOverride.optional(),
  })
  .strict();

// ---------------------------------------------------------------- secrets

/** Who reads a secret. `ci` is the deploy workflow (a GitHub Actions secret of the same name). */
export const SecretUser = z.enum(['web', 'cron', 'workers', 'consumers', 'logging', 'ci']);
export type SecretUser = z.infer<typeof SecretUser>;

export const Secret = z
  .object({
    name: dnsLabel,
    keys: z.array(secretKey).min(1, 'must list at least one key'),
    usedBy: z.array(SecretUser).min(1, 'must name at least one user'),
    /** How the pods get it: all keys as env (envFrom), or files in a volume. */
    mount: z.enum(['env', 'volume']).default('env'),
    /** Defaults to the app namespace; the logging secret lives where Fluent Bit runs. */
    namespace: dnsLabel.optional(),
    description: z.string().default(''),
  })
  .strict();
export type Secret = z.infer<typeof Secret>;

// ---------------------------------------------------------------- routing

const RouteHost = z
  .object({
    host: z.string().regex(DNS_SUBDOMAIN, 'must be a DNS name'),
    /** Largest request body; maps to the controller's limit. */
    bodySize: quantity.transform((s) => s),
    tlsSecret: dnsLabel,
    /** Object name of the Ingress or HTTPRoute. */
    name: dnsLabel,
    readTimeoutSeconds: z.number().int().min(1).default(300),
  })
  .strict();

export const IngressRouting = z
  .object({
    kind: z.literal('ingress'),
    className: z.string().default('nginx'),
    clusterIssuer: z.string().default('letsencrypt-prod'),
    hosts: z.array(RouteHost).min(1),
  })
  .strict();

export const GatewayRouting = z
  .object({
    kind: z.literal('gateway'),
    clusterIssuer: z.string().default('letsencrypt-prod'),
    /** An existing Gateway, or one railyard renders when `className` is given. */
    gateway: z
      .object({
        name: dnsLabel,
        namespace: dnsLabel.optional(),
        /** Render the Gateway itself with this GatewayClass. */
        className: z.string().optional(),
      })
      .strict(),
    /**
     * Gateway API has no request-body limit; the implementation's policy carries it.
     * NGINX Gateway Fabric (ClientSettingsPolicy) is the ingress-nginx migration path.
     */
    policies: z.enum(['nginx-gateway-fabric', 'none']).default('nginx-gateway-fabric'),
    hosts: z.array(RouteHost).min(1),
  })
  .strict();

export const Routing = z.discriminatedUnion('kind', [IngressRouting, GatewayRouting]);
export type Routing = z.infer<typeof Routing>;

// ---------------------------------------------------------------- network policy

/** An IPv4 or IPv6 CIDR, as NetworkPolicy ipBlock takes it. */
const cidr = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/, 'must be a CIDR such as 10.0.0.0/16 or 203.0.113.7/32');
const EgressTarget = z.object({ cidrs: z.array(cidr).min(1, 'must list at least one CIDR'), ports: z.array(port).min(1, 'must list at least one port') }).strict();

/**
 * NetworkPolicies for the app's pods: ingress is denied by default and allowed
 * only to the web port from the ingress controller; egress is open unless
 * `egress` is declared (a monolith that calls arbitrary webhooks cannot deny it).
 */
export const NetworkPolicy = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * The ingress controller's pods, the only ones that reach the web port.
     * Default: ingress-nginx's (namespace ingress-nginx, as OVH installs it) or,
     * with Gateway API, the data-plane pods of the routing gateway.
     */
    ingressFrom: z
      .object({
        namespace: dnsLabel,
        podLabels: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
    /** Declared: egress is limited to DNS plus these. Absent: egress is open, and `railyard check` says so. */
    egress: z
      .object({
        database: EgressTarget.extend({ ports: z.array(port).min(1).default([3306]) }).optional(),
        kafka: EgressTarget.extend({ ports: z.array(port).min(1).default([9092]) }).optional(),
        /** Named destinations: Valkey, SMTP, an API, an object store. */
        allow: z.array(EgressTarget.extend({ name: dnsLabel })).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();
export type NetworkPolicy = z.infer<typeof NetworkPolicy>;

// ---------------------------------------------------------------- scheduling

const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key such as node-pool or example.com/pool');
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a label value (63 characters at most: letters, digits, "-", "_", ".")');
export const Toleration = z
  .object({
    key: labelKey.optional(),
    operator: z.enum(['Exists', 'Equal']).default('Equal'),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .strict()
  .refine((t) => t.operator !== 'Exists' || t.value === undefined, { message: 'a toleration with operator Exists takes no value', path: ['value'] })
  .refine((t) => t.key !== undefined || t.operator === 'Exists', { message: 'a toleration without a key must use operator Exists', path: ['operator'] });
export type Toleration = z.infer<typeof Toleration>;
/** Which nodes pods may run on: a node pool on a managed cluster (OVH's `nodepool` label), tainted nodes. */
export const Scheduling = z
  .object({
    nodeSelector: z.record(labelKey, labelValue).default({}),
    tolerations: z.array(Toleration).default([]),
  })
  .strict();
export type Scheduling = z.infer<typeof Scheduling>;

// ---------------------------------------------------------------- logging

export const FluentBit = z
  .object({
    namespace: dnsLabel.default('logging'),
    /** Pinned: `latest` moves under you. */
    image: z.string().regex(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must carry a tag').refine((s) => !s.endsWith(':latest'), 'must be pinned to a version, not latest').default('cr.fluentbit.io/fluent/fluent-bit:5.1.1'),
    runtime: z.enum(['containerd', 'docker']).default('containerd'),
    logzio: z
      .object({
        /**
         * The listener's host name: Logz.io has regional ones (listener-eu.logz.io,
         * listener-uk.logz.io, …) and the token only works at its account's region.
         * A host name only: Fluent Bit's http output takes the port and TLS apart.
         */
        listener: z
          .string()
          .max(253, 'must be at most 253 characters')
          .regex(DNS_SUBDOMAIN, 'must be a host name such as listener-eu.logz.io (no scheme, port or path; the port is logzio.port)')
          .default('listener.logz.io'),
        port: port.default(8071),
        /**
         * PEM certificate(s) the listener's TLS certificate must chain to, instead of
         * the image's system store: a listener behind a proxy with a private CA.
         * Public, so it goes into the ConfigMap; verification stays on.
         */
        ca: z
          .string()
          .regex(PEM_CERTIFICATES, 'must be PEM certificate text (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), not a path or a key')
          .optional(),
        type: z.string().default('kubernetes'),
        /** Where the DaemonSet reads the shipping token: a secret in the logging namespace. */
        tokenSecret: z.object({ name: dnsLabel, key: secretKey }).strict(),
      })
      .strict(),
    /** Filesystem buffer cap; an output outage beyond this drops the oldest chunks. */
    storageLimit: quantity
      .refine((q) => /^[0-9.]+(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(q), 'must be a size such as 512M, 512Mi or 1Gi (bytes, no milli or exponent)')
      .default('512M'),
    resources: Resources.default({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
    /** Its own logs and writable layer only: the buffer (storageLimit) is on a hostPath, which the kubelet does not count. */
    ephemeralStorage: z.object({ request: quantity.default('64Mi'), limit: quantity.default('256Mi') }).strict().default({ request: '64Mi', limit: '256Mi' }),
    /** A log shipper belongs on every node, tainted ones included; narrow it here. */
    scheduling: Scheduling.default({ nodeSelector: {}, tolerations: [{ operator: 'Exists' }] }),
    /**
     * Who may scrape its metrics port (2020): a Prometheus, say. With
     * `networkPolicy.enabled` the Fluent Bit pods take no other traffic
     * (the kubelet's probes are not subject to policy).
     */
    metricsFrom: z
      .object({
        namespace: dnsLabel,
        podLabels: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

// ---------------------------------------------------------------- app

const AppShape = z
  .object({
    $schema: z.string().optional(),
    /** The `app` label and the prefix of everything shared. */
    name: dnsLabel,
    namespace: dnsLabel,
    /** RAILS_ENV. */
    environment: z.string().min(1).default('production'),
    image: z
      .object({
        registry: z.string().min(1, 'must not be empty'),
        repository: z.string().regex(/^[a-z0-9]+([._\/-][a-z0-9]+)*$/, 'must be a lower-case image repository path'),
        pullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
        /** The Dockerfile's base image (the document uses ubuntu:focal). */
        base: z.string().default('ubuntu:focal'),
        /**
         * JavaScript dependencies: `yarn` installs package.json + yarn.lock in a
         * node-deps stage; `none` is an app without JavaScript (no stage, no yarn.lock).
         * Node.js itself is in the base image either way: railyard's runtime needs it.
         */
        node: z.enum(['yarn', 'none']).default('yarn'),
        /**
         * Folders of the Gemfile's path gems (`gem "x", path: "vendor/gems/x"`),
         * relative to the app root. The ruby-deps stage copies them beside the
         * Gemfile, since `bundle install` needs their gemspecs and sees nothing else.
         */
        pathGems: z
          .array(
            z
              .string()
              .min(1)
              .regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_.@+\/-]+$/, 'must be a folder relative to the app root, without . or .. parts')
              .transform((p) => p.replace(/\/+$/, '')),
          )
          .default([])
          .refine((ps) => new Set(ps).size === ps.length, 'must not name a folder twice'),
      })
      .strict(),
    /** Literal env for every app container (never secret values). */
    env: z.record(envName, z.string()).default({}),
    database: z
      .object({
        /** Secret with the CA certificate, mounted at caMountPath. */
        caSecret: dnsLabel.default('mysql-ca-cert'),
        caKey: z.string().default('ca-cert.pem'),
        caMountPath: z.string().startsWith('/').default('/etc/ssl/mysql'),
        /** The server's max_connections, for the connection budget. */
        maxConnections: z.number().int().min(1).default(151),
      })
      .strict()
      .default({ caSecret: 'mysql-ca-cert', caKey: 'ca-cert.pem', caMountPath: '/etc/ssl/mysql', maxConnections: 151 }),
    web: Web,
    workers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'worker keys are lower-case names'), Worker).default({}),
    consumers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'consumer keys are lower-case names'), Consumer).default({}),
    cron: z
      .object({
        defaults: CronDefaults.default(CronDefaults.parse({})),
        tasks: z.array(CronTask).default([]),
      })
      .strict()
      .default({ defaults: CronDefaults.parse({}), tasks: [] }),
    secrets: z.array(Secret).default([]),
    /** Ephemeral storage of every app container and its emptyDirs; web, workers, consumers and cron override it. */
    ephemeralStorage: EphemeralStorage.default(EphemeralStorage.parse({})),
    /** Node selector and tolerations of every app pod (web, workers, consumers, CronJobs, the migration Job). */
    scheduling: Scheduling.default({ nodeSelector: {}, tolerations: [] }),
    routing: Routing.optional(),
    networkPolicy: NetworkPolicy.default({ enabled: true }),
    logging: z.object({ fluentBit: FluentBit.optional() }).strict().default({}),
    migrate: z
      .object({
        command: command.default(['bundle', 'exec', 'rails', 'db:migrate']),
        timeoutSeconds: z.number().int().min(1).default(900),
      })
      .strict()
      .default({ command: ['bundle', 'exec', 'rails', 'db:migrate'], timeoutSeconds: 900 }),
    /** The rendered GitHub Actions workflow. */
    workflow: z
      .object({
        /**
         * A `diff` job on pull requests: `railyard diff --format markdown` against the
         * live cluster, written to the job's step summary. It reads the cluster with the
         * deploy workflow's kubeconfig secret, so pull requests from forks (which get no
         * secrets) skip it.
         */
        pullRequestDiff: z.boolean().default(false),
      })
      .strict()
      .default({ pullRequestDiff: false }),
    rollbar: z
      .object({
        environment: z.string().default('production'),
        /** The GitHub Actions secret holding a post_server_item token. */
        tokenSecret: z.string().default('ROLLBAR_ACCESS_TOKEN'),
      })
      .strict()
      .optional(),
    /** Findings of `railyard check` the app accepts, each with its reason (listed as silenced, never hidden). */
    checks: z
      .object({
        ignore: z
          .array(
            z
              .object({
                rule: z.string().min(1),
                /** `Kind/name` (e.g. `Ingress/storecove-app-ingress`, `Dockerfile/base`); all objects when absent. */
                object: z.string().regex(/^[A-Za-z]+\/[-a-z0-9.]+$/, 'must be Kind/name').optional(),
                reason: z.string().min(10, 'say why (at least 10 characters)'),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ ignore: [] }),
    /**
     * The nodes the app runs on, for `railyard report`'s capacity view: how many and
     * what each offers to pods (allocatable, not the machine's size: the kubelet and
     * the system reserve some). Without it the report shows demand without a pool to fit.
     */
    nodePool: z
      .object({
        /** The flavour or pool name, for the report (`b3-16`). */
        name: z.string().min(1).optional(),
        nodes: z.number().int().min(1),
        cpu: quantity,
        memory: quantity,
      })
      .strict()
      .optional(),
    budgets: z
      .object({
        /** Estimated RSS of one Rails process (a production monolith after boot). */
        processRssMiB: z.number().int().min(1).default(300),
      })
      .strict()
      .default({ processRssMiB: 300 }),
  })
  .strict();

export const App = AppShape.superRefine(crossCheck);

export type AppInput = z.input<typeof App>;
export type App = z.output<typeof App>;

/** Rules that span sections; each issue names the path to fix. */
function crossCheck(a: z.output<typeof AppShape>, ctx: z.RefinementCtx): void {
  const names = new Map<string, string>();
  const claim = (name: string, path: (string | number)[]) => {
    const prior = names.get(name);
    if (prior) ctx.addIssue({ code: 'custom', message: `Deployment name "${name}" is also used by ${prior}`, path });
    else names.set(name, path.join('.'));
  };
  claim(a.web.name, ['web', 'name']);
  if (a.web.drainSeconds > 0 && a.web.drainSeconds + 5 > a.web.terminationGracePeriodSeconds) {
    ctx.addIssue({ code: 'custom', message: `must leave Puma at least 5 s of the ${a.web.terminationGracePeriodSeconds} s grace period (terminationGracePeriodSeconds) to finish its requests`, path: ['web', 'drainSeconds'] });
  }
  for (const [k, w] of Object.entries(a.workers)) claim(w.name, ['workers', k, 'name']);
  for (const [k, c] of Object.entries(a.consumers)) claim(c.name, ['consumers', k, 'name']);

  const cronNames = new Set<string>();
  a.cron.tasks.forEach((t, i) => {
    if (cronNames.has(t.name)) ctx.addIssue({ code: 'custom', message: `CronJob "${t.name}" is defined twice`, path: ['cron', 'tasks', i, 'name'] });
    cronNames.add(t.name);
  });

  const secretNames = new Set<string>();
  a.secrets.forEach((s, i) => {
    if (secretNames.has(s.name)) ctx.addIssue({ code: 'custom', message: `secret "${s.name}" is declared twice`, path: ['secrets', i, 'name'] });
    secretNames.add(s.name);
  });
  const secret = (name: string) => a.secrets.find((s) => s.name === name);
  const hasKey = (keys: string[], key: string) => keys.some((k) => secretKeyMatches(k, key));

  for (const [k, c] of Object.entries(a.consumers)) {
    const s = secret(c.credentials.secret);
    const path = ['consumers', k, 'credentials'];
    if (!s) {
      ctx.addIssue({ code: 'custom', message: `secret "${c.credentials.secret}" is not declared in secrets`, path: [...path, 'secret'] });
      continue;
    }
    for (const field of ['groupIdKey', 'usernameKey', 'passwordKey'] as const) {
      if (!hasKey(s.keys, c.credentials[field])) ctx.addIssue({ code: 'custom', message: `secret "${s.name}" has no key "${c.credentials[field]}"`, path: [...path, field] });
    }
  }

  for (const [path, over] of ephemeralOverrides(a)) {
    const e = resolveEphemeral(a.ephemeralStorage, ...over);
    const request = parseQuantity(e.request)!;
    const limit = parseQuantity(e.limit)!;
    const dirs = Object.values(e.emptyDirs).reduce((n, q) => n + parseQuantity(q)!, 0);
    if (request > limit) ctx.addIssue({ code: 'custom', message: `request ${e.request} exceeds limit ${e.limit}`, path: [...path, 'request'] });
    // The emptyDirs count towards the pod's limit: full emptyDirs must leave room for logs.
    if (dirs >= limit) ctx.addIssue({ code: 'custom', message: `limit ${e.limit} must exceed the emptyDir sizeLimits it holds (${Object.entries(e.emptyDirs).map(([k, v]) => `${k} ${v}`).join(' + ')}), or the pod is evicted before any emptyDir is full`, path: [...path, 'limit'] });
  }

  const fb = a.logging.fluentBit;
  if (fb) {
    const path = ['logging', 'fluentBit', 'logzio', 'tokenSecret'];
    const s = secret(fb.logzio.tokenSecret.name);
    if (!s) ctx.addIssue({ code: 'custom', message: `secret "${fb.logzio.tokenSecret.name}" is not declared in secrets`, path: [...path, 'name'] });
    else {
      if (!hasKey(s.keys, fb.logzio.tokenSecret.key)) ctx.addIssue({ code: 'custom', message: `secret "${s.name}" has no key "${fb.logzio.tokenSecret.key}"`, path: [...path, 'key'] });
      if ((s.namespace ?? '') !== fb.namespace) ctx.addIssue({ code: 'custom', message: `secret "${s.name}" must live in namespace "${fb.namespace}", where the Fluent Bit DaemonSet reads it (a pod cannot read a secret from another namespace)`, path: [...path, 'name'] });
      if (!s.usedBy.includes('logging')) ctx.addIssue({ code: 'custom', message: `secret "${s.name}" is read by Fluent Bit, so usedBy must include "logging"`, path: [...path, 'name'] });
    }
  }
}

/** Each place ephemeral storage is set, with the overrides that apply there (innermost last). */
function ephemeralOverrides(a: z.output<typeof AppShape>): [(string | number)[], (EphemeralStorageOverride | undefined)[]][] {
  const out: [(string | number)[], (EphemeralStorageOverride | undefined)[]][] = [[['ephemeralStorage'], []]];
  const at = (path: (string | number)[], o: EphemeralStorageOverride | undefined, ...outer: (EphemeralStorageOverride | undefined)[]) => {
    if (o) out.push([path, [...outer, o]]);
  };
  at(['web', 'ephemeralStorage'], a.web.ephemeralStorage);
  for (const [k, w] of Object.entries(a.workers)) at(['workers', k, 'ephemeralStorage'], w.ephemeralStorage);
  for (const [k, c] of Object.entries(a.consumers)) at(['consumers', k, 'ephemeralStorage'], c.ephemeralStorage);
  at(['cron', 'defaults', 'ephemeralStorage'], a.cron.defaults.ephemeralStorage);
  a.cron.tasks.forEach((t, i) => at(['cron', 'tasks', i, 'ephemeralStorage'], t.ephemeralStorage, a.cron.defaults.ephemeralStorage));
  return out;
}

/** The app's ephemeral storage with overrides applied in order, field by field. */
export function resolveEphemeral(base: EphemeralStorage, ...overrides: (EphemeralStorageOverride | undefined)[]): EphemeralStorage {
  let e: EphemeralStorage = { ...base, emptyDirs: { ...base.emptyDirs } };
  for (const o of overrides) {
    if (!o) continue;
    e = { request: o.request ?? e.request, limit: o.limit ?? e.limit, emptyDirs: { ...e.emptyDirs, ...Object.fromEntries(Object.entries(o.emptyDirs ?? {}).filter(([, v]) => v !== undefined)) } };
  }
  return e;
}

/** Does `key` match a declared secret key, where `*` is a wildcard (the model's `AWS_*_BUCKET`)? */
export function secretKeyMatches(pattern: string, key: string): boolean {
  if (!pattern.includes('*')) return pattern === key;
  const re = new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(key);
}
