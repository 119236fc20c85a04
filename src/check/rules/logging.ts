// Logging: a Fluent Bit config that actually reads this app's pod logs, parses the
// node runtime's log format, and can read its shipping token.
import { load as loadYaml } from 'js-yaml';
import { asArray, containersOf, namespaceOf, objectsOfKind, podTemplateOf, podTemplates } from '../objects.js';
import { isLogCollector } from './security.js';
import { lookupSecret, secretHasKey } from './consistency.js';
import type { CheckContext, K8sObject, RawFinding, Rule } from '../types.js';

export interface FluentSection {
  type: string;
  props: Map<string, string[]>;
  /** Data key of the ConfigMap the section is in. */
  key: string;
}

/** Parses Fluent Bit's classic config format ([SECTION] then `Key Value` lines). */
export function parseFluentBitConfig(text: string, key = ''): FluentSection[] {
  const out: FluentSection[] = [];
  let current: FluentSection | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[([A-Za-z_]+)\]$/.exec(line);
    if (section) {
      current = { type: section[1]!.toUpperCase(), props: new Map(), key };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const kv = /^(\S+)\s+(.*)$/.exec(line);
    if (!kv) continue;
    const k = kv[1]!.toLowerCase();
    current.props.set(k, [...(current.props.get(k) ?? []), kv[2]!.trim()]);
  }
  return out;
}

/** Reads Fluent Bit's YAML format (`pipeline: {inputs, filters, outputs}`) into the same sections. */
export function parseFluentBitYaml(text: string, key = ''): FluentSection[] {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch {
    return [];
  }
  const pipeline = (doc as { pipeline?: Record<string, unknown> } | null)?.pipeline;
  if (!pipeline || typeof pipeline !== 'object') return [];
  const out: FluentSection[] = [];
  for (const [list, type] of [['inputs', 'INPUT'], ['filters', 'FILTER'], ['outputs', 'OUTPUT']] as const) {
    for (const item of asArray(pipeline[list])) {
      if (!item || typeof item !== 'object') continue;
      const props = new Map<string, string[]>();
      for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
        const values = Array.isArray(v) ? v.map(String) : v !== null && typeof v === 'object' ? [] : [String(v)];
        props.set(k.toLowerCase(), values);
      }
      out.push({ type, props, key });
    }
  }
  return out;
}

interface FluentConfig {
  configMap: K8sObject;
  sections: FluentSection[];
  /** DaemonSets that mount this ConfigMap. */
  readers: K8sObject[];
}

const configCache = new WeakMap<CheckContext, FluentConfig[]>();

function fluentConfigs(ctx: CheckContext): FluentConfig[] {
  const cached = configCache.get(ctx);
  if (cached) return cached;
  const out: FluentConfig[] = [];
  configCache.set(ctx, out);
  for (const cm of objectsOfKind(ctx, 'ConfigMap')) {
    const sections = Object.entries((cm.data ?? {}) as Record<string, unknown>).flatMap(([k, v]) => {
      if (typeof v !== 'string') return [];
      if (/^\s*\[INPUT\]/m.test(v)) return parseFluentBitConfig(v, k);
      if (/^pipeline:/m.test(v)) return parseFluentBitYaml(v, k);
      return [];
    });
    if (sections.length === 0) continue;
    const readers = objectsOfKind(ctx, 'DaemonSet').filter((o) => namespaceOf(o, ctx) === namespaceOf(cm, ctx) && asArray(podTemplateOf(o)?.spec.volumes).some((v) => v?.configMap?.name === cm.metadata?.name));
    out.push({ configMap: cm, sections, readers });
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) re += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

/** A log file name the kubelet writes for a pod of this workload: /var/log/containers/<pod>_<namespace>_<container>-<id>.log. */
export function sampleLogFile(owner: K8sObject, namespace: string, container: string): string {
  const name = String(owner.metadata?.name);
  const pod =
    owner.kind === 'Deployment' ? `${name}-7d9f8b6c5d-x2k4q` : owner.kind === 'StatefulSet' ? `${name}-0` : owner.kind === 'CronJob' ? `${name}-29012345-x2k4q` : owner.kind === 'Pod' ? name : `${name}-x2k4q`;
  return `/var/log/containers/${pod}_${namespace}_${container}-${'0123456789abcdef'.repeat(4)}.log`;
}

function tailInputs(cfg: FluentConfig): FluentSection[] {
  return cfg.sections.filter((s) => s.type === 'INPUT' && (s.props.get('name')?.[0] ?? '').toLowerCase() === 'tail');
}

export const tailPath: Rule = {
  id: 'fluentbit-tail-path-mismatch',
  family: 'logging',
  severity: 'error',
  why: 'The kubelet names log files <pod>_<namespace>_<container>-<id>.log; a tail Path that matches none of the app\'s pods ships none of their logs, silently.',
  fix: 'Match through the namespace part: Path /var/log/containers/*_<namespace>_*.log.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    const apps = podTemplates(ctx.objects).filter((t) => !isLogCollector(t.owner));
    // Each workload's sample log files, computed once for every config.
    const files = new Map(apps.map((t) => [t, containersOf(t).map((c) => sampleLogFile(t.owner, namespaceOf(t.owner, ctx), String(c.container.name)))]));
    // Configs repeat (one per copy of an app): match each distinct Path/Exclude_Path once.
    const missedBy = new Map<string, string[]>();
    for (const cfg of fluentConfigs(ctx)) {
      for (const input of tailInputs(cfg)) {
        const paths = (input.props.get('path') ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
        if (!paths.some((p) => p.startsWith('/var/log/containers'))) continue;
        const excludes = (input.props.get('exclude_path') ?? []).flatMap((p) => p.split(',')).map((p) => p.trim());
        const memo = `${paths.join(',')}\0${excludes.join(',')}`;
        let missed = missedBy.get(memo);
        if (!missed) {
          const include = paths.map(globToRegExp);
          const exclude = excludes.map(globToRegExp);
          missed = apps.filter((t) => !files.get(t)!.some((f) => include.some((r) => r.test(f)) && !exclude.some((r) => r.test(f)))).map((t) => `${t.owner.kind}/${t.owner.metadata?.name}`);
          missedBy.set(memo, missed);
        }
        if (missed.length) out.push({ object: cfg.configMap, path: `data.${input.key}`, message: `tail Path ${paths.join(',')} matches no log file of ${missed.join(', ')} (files are named like ${sampleLogFile(apps.find((t) => `${t.owner.kind}/${t.owner.metadata?.name}` === missed[0])!.owner, namespaceOf(apps[0]!.owner, ctx), 'app').split('/').pop()})` });
      }
    }
    return out;
  },
};

export const dockerParser: Rule = {
  id: 'fluentbit-docker-parser',
  family: 'logging',
  severity: 'error',
  why: 'containerd writes CRI log lines (<time> <stream> <P|F> <message>), not Docker JSON; a docker parser leaves every line unparsed and splits long lines.',
  fix: 'Use multiline.parser docker, cri on the tail input instead of Parser docker.',
  peers: {},
  check: (ctx) => {
    if (ctx.options.containerRuntime !== 'containerd') return [];
    const out: RawFinding[] = [];
    for (const cfg of fluentConfigs(ctx)) {
      for (const input of tailInputs(cfg)) {
        const parser = input.props.get('parser')?.[0];
        const multiline = (input.props.get('multiline.parser') ?? []).join(',').toLowerCase();
        const dockerMode = (input.props.get('docker_mode')?.[0] ?? '').toLowerCase() === 'on';
        if ((parser && parser.toLowerCase() === 'docker') || dockerMode) out.push({ object: cfg.configMap, path: `data.${input.key}`, message: `tail input uses ${dockerMode ? 'Docker_Mode On' : 'Parser docker'} on a containerd node` });
        else if (!parser && !multiline.split(',').map((s) => s.trim()).includes('cri')) out.push({ object: cfg.configMap, path: `data.${input.key}`, message: 'tail input has no cri parser for containerd log lines' });
      }
    }
    return out;
  },
};

export const tokenSecret: Rule = {
  id: 'fluentbit-token-unavailable',
  family: 'logging',
  severity: 'error',
  why: 'Fluent Bit expands ${VAR} in its config from its own env; a token env var that is unset, or comes from a Secret or key that does not exist in the DaemonSet\'s namespace, keeps the DaemonSet from shipping (or starting).',
  fix: 'Create the token Secret in the DaemonSet\'s namespace with the key the secretKeyRef names, and set the env var the config reads.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    for (const cfg of fluentConfigs(ctx)) {
      const vars = new Set<string>();
      for (const s of cfg.sections) for (const values of s.props.values()) for (const v of values) for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) vars.add(m[1]!);
      for (const ds of cfg.readers) {
        const t = podTemplateOf(ds)!;
        const ns = namespaceOf(ds, ctx);
        for (const v of vars) {
          let found = false;
          for (const c of containersOf(t, false)) {
            asArray(c.container.env).forEach((e, i) => {
              if (e?.name !== v) return;
              found = true;
              const ref = e.valueFrom?.secretKeyRef;
              if (!ref || ctx.secretsExternal || ref.optional) return;
              const r = lookupSecret(ctx, ref.name, ns);
              const path = `${c.path}.env[${i}].valueFrom.secretKeyRef`;
              if (!r.found) {
                out.push({ object: ds, path, message: `the config's \${${v}} comes from Secret "${ref.name}", which is ${r.elsewhere.length ? `in ${r.elsewhere.map((s) => s.namespace).join(', ')}, not in ${ns} where the DaemonSet runs` : `not in namespace ${ns}`}` });
                // Moving the Secret will not help if the key is wrong too: say so now.
                const holder = r.elsewhere.find((s) => s.keys);
                if (holder && secretHasKey(holder, String(ref.key)) === false) out.push({ object: ds, path: `${path}.key`, message: `the config's \${${v}} reads key "${ref.key}", but Secret "${ref.name}" (in ${holder.namespace}) holds ${holder.keys!.join(', ')}` });
              } else if (secretHasKey(r.found, String(ref.key)) === false) out.push({ object: ds, path: `${path}.key`, message: `the config's \${${v}} reads key "${ref.key}" of Secret "${ref.name}", which holds ${r.found.keys!.join(', ')}` });
            });
          }
          if (!found && !asArray(t.spec.containers).some((c) => asArray(c?.envFrom).length > 0)) out.push({ object: ds, path: `${t.path}.containers[0].env`, message: `the config reads \${${v}}, which the DaemonSet does not set` });
        }
      }
    }
    return out;
  },
};

/** Properties Fluent Bit parses with flb_utils_size_to_bytes, in any section (lower-case, as parsed). */
const SIZE_PROPERTIES = ['mem_buf_limit', 'buffer_chunk_size', 'buffer_max_size', 'buffer_size', 'storage.total_limit_size', 'storage.backlog.mem_limit'];
/** What that parser takes: a number, optionally with K, M or G and then B (decimal units, any case); or `false`. */
const FLUENT_BIT_SIZE = /^(?:[0-9]+(?:\.[0-9]+)?(?:[kKmMgG][bB]?)?|false)$/i;

export const sizeUnit: Rule = {
  id: 'fluentbit-size-unit',
  family: 'logging',
  severity: 'error',
  why: "Fluent Bit reads sizes as a number with an optional K, M or G (decimal, optionally followed by B); Kubernetes' binary units (512Mi, 1Gi) and T are refused with \"could not configure property\", and the DaemonSet never starts, so nothing is shipped.",
  fix: 'Write the size as Fluent Bit reads it: 512M, 1G, or whole bytes (512Mi is 536870912).',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    for (const cfg of fluentConfigs(ctx)) {
      for (const section of cfg.sections) {
        for (const prop of SIZE_PROPERTIES) {
          for (const value of section.props.get(prop) ?? []) {
            // ${VAR} is expanded from the pod's env at start-up: its value is not in the manifests.
            if (/\$\{/.test(value) || FLUENT_BIT_SIZE.test(value)) continue;
            const name = section.props.get('name')?.[0];
            out.push({ object: cfg.configMap, path: `data.${section.key}`, message: `${prop} ${value} in [${section.type}]${name ? ` ${name}` : ''}: Fluent Bit cannot read this size and refuses the config` });
          }
        }
      }
    }
    return out;
  },
};

export const loggingRules: Rule[] = [tailPath, dockerParser, tokenSecret, sizeUnit];
