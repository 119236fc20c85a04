// `railyard check [CONFIG]` and `railyard check --manifests DIR`: what the API server
// would reject, the security policy and the budgets. Exit 0 without errors, 1 with
// errors, 2 when the input cannot be read (named).
import type { Command } from 'commander';
import { relative } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { checkApp } from '../../check/app.js';
import { checkObjects, parseIgnore, type IgnoreSpec } from '../../check/run.js';
import { loadManifestDir, UnreadableInput } from '../../check/load.js';
import { formatJson, formatSarif, formatText } from '../../check/report.js';
import type { CheckOptions, Finding } from '../../check/types.js';
import { colours, exitCodes, exitOnConfigError, exitUsage } from '../output.js';
import type { App } from '../../config/schema.js';

/** `check --cluster`: the deploy's secrets preflight on its own. Loaded lazily: only this mode needs the Kubernetes client. */
async function checkClusterSecrets(app: App, flags: CheckFlags): Promise<number> {
  const { clusterErrorLine, connect, KubeError } = await import('../../deploy/kube.js');
  const { describeMissing, requiredSecrets, secretsPreflight } = await import('../../deploy/secrets.js');
  let missing;
  let kube;
  try {
    kube = connect({ kubeconfig: flags.kubeconfig, context: flags.context });
    missing = await secretsPreflight(kube, app);
  } catch (err) {
    if (!(err instanceof KubeError)) throw err;
    // Unreachable, or not allowed to read: the answer is unknown, not "missing".
    process.stderr.write(`${colours(process.stderr).red('error')}: ${clusterErrorLine(err, kube)}\n`);
    return exitCodes.usage;
  }
  const required = requiredSecrets(app);
  if (flags.format === 'json') {
    process.stdout.write(JSON.stringify({ checked: required.map((r) => ({ namespace: r.namespace, name: r.name, keys: r.keys })), missing }, null, 2) + '\n');
  } else if (missing.length === 0) {
    process.stdout.write(`${colours(process.stdout).green('ok')}: all ${required.length} Secrets the model references exist with every declared key\n`);
  } else {
    const c = colours(process.stdout);
    process.stdout.write(`${c.red(`Missing (${missing.length})`)}\n${missing.map((m) => `  ${describeMissing(m)}\n`).join('')}`);
  }
  return missing.length === 0 ? exitCodes.ok : exitCodes.failure;
}

interface CheckFlags {
  manifests?: string;
  format: string;
  ignore: string[];
  namespace?: string;
  processRssMib?: string;
  maxConnections?: string;
  containerRuntime?: string;
  cluster?: boolean;
  kubeconfig?: string;
  context?: string;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) exitUsage(`${flag} must be a positive whole number, not "${value}"`);
  return Number(value);
}

export function register(program: Command): void {
  program
    .command('check')
    .description('Check an app (the model and everything it renders) or a folder of Kubernetes YAML')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('-m, --manifests <dir>', 'check this folder of Kubernetes YAML (recursive, multi-document; Dockerfiles in it are read too) instead of a config')
    .option('-f, --format <format>', 'text, json or sarif', 'text')
    .option('-i, --ignore <rule[@Kind/name]>', 'silence a rule, everywhere or on one object (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-n, --namespace <ns>', 'namespace of objects that name none (--manifests; default "default")')
    .option('--process-rss-mib <n>', 'estimated RSS of one Rails process, MiB (default 300, or the model\'s budgets.processRssMiB)')
    .option('--max-connections <n>', 'the database\'s max_connections (default 151, MySQL\'s default, or the model\'s database.maxConnections)')
    .option('--container-runtime <runtime>', 'containerd or docker: the log format Fluent Bit must parse (default containerd)')
    .option('--cluster', "instead of the checks above, ask the cluster whether every Secret the model references exists with every declared key (the deploy's secrets preflight; key names only, never values)")
    .option('--kubeconfig <file>', 'kubeconfig for --cluster (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context for --cluster (default: its current context)')
    .addHelpText(
      'after',
      `
Exit status: 0 no errors, 1 errors found (with --cluster: a Secret or key is missing),
2 unreadable input, bad flags or an unreachable cluster.
Silence one finding in the object itself with the annotation
  railyard.dev/ignore: "RULE: reason"
Silenced findings are still listed, with their reason.

Examples:
  railyard check examples/storecove
  railyard check --manifests k8s/ --format sarif > railyard.sarif
  railyard check examples/storecove --cluster --context ovh-production`,
    )
    .action(async (config: string, flags: CheckFlags) => {
      if (!['text', 'json', 'sarif'].includes(flags.format)) exitUsage(`--format must be text, json or sarif, not "${flags.format}"`);
      if (flags.containerRuntime !== undefined && !['containerd', 'docker'].includes(flags.containerRuntime)) exitUsage(`--container-runtime must be containerd or docker, not "${flags.containerRuntime}"`);
      let ignore: IgnoreSpec[];
      try {
        ignore = flags.ignore.map(parseIgnore);
      } catch (e) {
        exitUsage((e as Error).message);
      }
      const options: Partial<CheckOptions> = {};
      const rss = positiveInt('--process-rss-mib', flags.processRssMib);
      const maxConn = positiveInt('--max-connections', flags.maxConnections);
      if (rss !== undefined) options.processRssMiB = rss;
      if (maxConn !== undefined) options.maxConnections = maxConn;
      if (flags.containerRuntime) options.containerRuntime = flags.containerRuntime as CheckOptions['containerRuntime'];
      if (flags.namespace) options.defaultNamespace = flags.namespace;

      if (flags.cluster) {
        if (flags.manifests) exitUsage('--cluster checks a model\'s Secrets against the cluster; it does not take --manifests');
        if (flags.format === 'sarif') exitUsage('--cluster prints text or json, not sarif');
        const { app } = await loadConfig(config).catch(exitOnConfigError);
        process.exitCode = await checkClusterSecrets(app, flags);
        return;
      }
      let findings: Finding[];
      let fallbackUri: string;
      let rendered = false;
      if (flags.manifests) {
        let loaded;
        try {
          loaded = await loadManifestDir(flags.manifests);
        } catch (e) {
          if (e instanceof UnreadableInput) exitUsage(`cannot read ${e.file}: ${e.reason}`);
          throw e;
        }
        // An empty folder is almost always a wrong path; passing it silently would hide that.
        if (loaded.objects.length === 0 && loaded.docker.length === 0) exitUsage(`cannot read ${flags.manifests}: no Kubernetes YAML or JSON in it`);
        findings = checkObjects(loaded.objects, { sourceOf: loaded.sourceOf, docker: loaded.docker, options, ignore });
        fallbackUri = flags.manifests;
      } else {
        const { app, file } = await loadConfig(config).catch(exitOnConfigError);
        findings = checkApp(app, { options, ignore }).findings;
        fallbackUri = relative(process.cwd(), file).split('\\').join('/');
        rendered = true;
      }

      if (flags.format === 'json') process.stdout.write(formatJson(findings));
      else if (flags.format === 'sarif') process.stdout.write(formatSarif(findings, fallbackUri, { rendered }));
      else process.stdout.write(formatText(findings, colours(process.stdout)));
      process.exitCode = findings.some((f) => !f.silenced && f.severity === 'error') ? exitCodes.failure : exitCodes.ok;
    });
}
