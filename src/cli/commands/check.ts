// `railyard check [CONFIG]` and `railyard check --manifests DIR`: what the API server
// would reject, the security policy and the budgets. Exit 0 without errors, 1 with
// errors, 2 when the input cannot be read (named).
import type { Command } from 'commander';
import { relative } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { renderManifests } from '../../render/kubernetes/index.js';
import { renderDocker } from '../../render/docker/index.js';
import { parseDockerfile } from '../../check/dockerfile.js';
import { checkObjects, parseIgnore, type IgnoreSpec } from '../../check/run.js';
import { loadManifestDir, UnreadableInput } from '../../check/load.js';
import { formatJson, formatSarif, formatText } from '../../check/report.js';
import type { CheckOptions, Finding, K8sObject } from '../../check/types.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';

interface CheckFlags {
  manifests?: string;
  format: string;
  ignore: string[];
  namespace?: string;
  processRssMib?: string;
  maxConnections?: string;
  containerRuntime?: string;
}

function usage(message: string): never {
  process.stderr.write(`railyard: ${message}\n`);
  process.exit(exitCodes.usage);
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) usage(`${flag} must be a positive whole number, not "${value}"`);
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
    .addHelpText(
      'after',
      `
Exit status: 0 no errors, 1 errors found, 2 unreadable input or bad flags.
Silence one finding in the object itself with the annotation
  railyard.dev/ignore: "RULE: reason"
Silenced findings are still listed, with their reason.

Examples:
  railyard check examples/storecove
  railyard check --manifests k8s/ --format sarif > railyard.sarif`,
    )
    .action(async (config: string, flags: CheckFlags) => {
      if (!['text', 'json', 'sarif'].includes(flags.format)) usage(`--format must be text, json or sarif, not "${flags.format}"`);
      if (flags.containerRuntime !== undefined && !['containerd', 'docker'].includes(flags.containerRuntime)) usage(`--container-runtime must be containerd or docker, not "${flags.containerRuntime}"`);
      let ignore: IgnoreSpec[];
      try {
        ignore = flags.ignore.map(parseIgnore);
      } catch (e) {
        usage((e as Error).message);
      }
      const options: Partial<CheckOptions> = {};
      const rss = positiveInt('--process-rss-mib', flags.processRssMib);
      const maxConn = positiveInt('--max-connections', flags.maxConnections);
      if (rss !== undefined) options.processRssMiB = rss;
      if (maxConn !== undefined) options.maxConnections = maxConn;
      if (flags.containerRuntime) options.containerRuntime = flags.containerRuntime as CheckOptions['containerRuntime'];
      if (flags.namespace) options.defaultNamespace = flags.namespace;

      let findings: Finding[];
      let fallbackUri: string;
      let rendered = false;
      if (flags.manifests) {
        let loaded;
        try {
          loaded = await loadManifestDir(flags.manifests);
        } catch (e) {
          if (e instanceof UnreadableInput) usage(`cannot read ${e.file}: ${e.reason}`);
          throw e;
        }
        // An empty folder is almost always a wrong path; passing it silently would hide that.
        if (loaded.objects.length === 0 && loaded.docker.length === 0) usage(`cannot read ${flags.manifests}: no Kubernetes YAML or JSON in it`);
        findings = checkObjects(loaded.objects, { sourceOf: loaded.sourceOf, docker: loaded.docker, options, ignore });
        fallbackUri = flags.manifests;
      } else {
        const { app, file } = await loadConfig(config).catch(exitOnConfigError);
        const sources = new Map<K8sObject, { file: string }>();
        const objects: K8sObject[] = [];
        for (const f of renderManifests(app, { imageTag: 'check' })) {
          for (const o of f.objects) {
            objects.push(o);
            sources.set(o, { file: f.path });
          }
        }
        // The rendered Dockerfile: its FROM lines and the CMD each target runs.
        const docker = renderDocker(app)
          .filter((f) => f.path.split('/').pop() === 'Dockerfile')
          .flatMap((f) => parseDockerfile(f.content, f.path));
        findings = checkObjects(objects, { app, docker, sourceOf: (o) => sources.get(o), options, ignore });
        fallbackUri = relative(process.cwd(), file).split('\\').join('/');
        rendered = true;
      }

      if (flags.format === 'json') process.stdout.write(formatJson(findings));
      else if (flags.format === 'sarif') process.stdout.write(formatSarif(findings, fallbackUri, { rendered }));
      else process.stdout.write(formatText(findings, colours(process.stdout)));
      process.exitCode = findings.some((f) => !f.silenced && f.severity === 'error') ? exitCodes.failure : exitCodes.ok;
    });
}
