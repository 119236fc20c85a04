// The deploy workflow: .github/workflows/deploy.yml.
//
// build:  one matrix job per image target, each pushing `<target>-<sha>`. Never
//         `latest`: re-applying an unchanged `latest` starts no rollout and leaves
//         nothing to roll back to. The GHA cache is scoped per target, or the
//         matrix jobs would overwrite one another's cache.
// deploy: renders the manifests for this commit with `railyard synth`, runs the
//         migration Job (made from the web pod template, so it has the env,
//         secrets and CA the document's `kubectl run` lacked), applies k8s/ and
//         waits for every Deployment to roll out. Rollbar hears started, then
//         succeeded or failed.
//
// Secrets reach commands through env only and never appear in argv: the Rollbar
// token is passed to curl on stdin (`-H @-`), the kubeconfig is written by the
// shell's printf builtin to a file of mode 600.
import { stringify } from 'yaml';
import type { App } from '../../config/schema.js';
import type { RenderedFile } from '../files.js';
import { imageTargets } from '../docker/targets.js';
// synth writes the migration Job there, outside k8s/, so applying k8s/ never runs it.
import { MANIFEST_DIR, MIGRATION_JOB_PATH } from '../kubernetes/index.js';
import pkg from '../../../package.json' with { type: 'json' };

export const WORKFLOW_PATH = '.github/workflows/deploy.yml';
/** GitHub Actions secrets the workflow reads, besides the Rollbar token the model names. */
export const WORKFLOW_SECRETS = {
  registryUsername: 'OVH_REGISTRY_USERNAME',
  registryPassword: 'OVH_REGISTRY_PASSWORD',
  /** The kubeconfig file's content (YAML, not base64). */
  kubeconfig: 'KUBECONFIG_DATA',
} as const;
/** Slack on top of the Job's own activeDeadlineSeconds, for scheduling and the image pull. */
const MIGRATE_WAIT_SLACK_SECONDS = 120;
/** Rollout wait beyond a Deployment's grace period (pods must start, pass readiness, old ones stop). */
const ROLLOUT_BASE_SECONDS = 600;

export interface WorkflowOptions {
  /** The railyard config, relative to the repository root (as synth was given it). */
  configPath: string;
}

export function renderWorkflow(app: App, opts: WorkflowOptions): RenderedFile[] {
  return [{ path: WORKFLOW_PATH, content: HEADER(app) + stringify(workflow(app, opts), { lineWidth: 0, indent: 2, aliasDuplicateObjects: false }) }];
}

const HEADER = (app: App) =>
  `# Rendered by railyard from the app model (${app.name}); change the model, not this file.\n` +
  '# Secrets: ' +
  [WORKFLOW_SECRETS.registryUsername, WORKFLOW_SECRETS.registryPassword, WORKFLOW_SECRETS.kubeconfig, ...(app.rollbar ? [app.rollbar.tokenSecret] : [])].join(', ') +
  '.\n';

/** Single-quoted for bash: the value reaches the script as one word, unexpanded. */
const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function workflow(app: App, opts: WorkflowOptions) {
  const targets = imageTargets(app).map((t) => t.name);
  const image = `${app.image.registry.replace(/\/+$/, '')}/${app.image.repository}`;
  const deployments = [app.web, ...Object.values(app.workers), ...Object.values(app.consumers)];
  return {
    name: 'deploy',
    on: { push: { branches: ['master'] }, workflow_dispatch: {} },
    // One deploy at a time, and a running deploy is never cancelled halfway
    // through a migration or a rollout; a newer push waits its turn.
    concurrency: { group: `deploy-${app.name}-production`, 'cancel-in-progress': false },
    permissions: { contents: 'read' },
    // `shell: bash` makes GitHub run scripts with -eo pipefail (the default omits pipefail).
    defaults: { run: { shell: 'bash' } },
    env: { IMAGE: image },
    jobs: {
      build: {
        name: 'build ${{ matrix.target }}',
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 60,
        strategy: { 'fail-fast': true, matrix: { target: targets } },
        steps: [
          { uses: 'actions/checkout@v4' },
          { uses: 'docker/setup-buildx-action@v3' },
          {
            name: 'Log in to the registry',
            uses: 'docker/login-action@v3',
            with: {
              registry: app.image.registry,
              username: `\${{ secrets.${WORKFLOW_SECRETS.registryUsername} }}`,
              password: `\${{ secrets.${WORKFLOW_SECRETS.registryPassword} }}`,
            },
          },
          {
            name: 'Build and push ${{ matrix.target }}',
            uses: 'docker/build-push-action@v6',
            with: {
              context: '.',
              file: 'Dockerfile',
              target: '${{ matrix.target }}',
              push: true,
              tags: '${{ env.IMAGE }}:${{ matrix.target }}-${{ github.sha }}',
              'cache-from': 'type=gha,scope=${{ matrix.target }}',
              'cache-to': 'type=gha,mode=max,scope=${{ matrix.target }}',
            },
          },
        ],
      },
      deploy: {
        needs: 'build',
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 60,
        environment: 'production',
        env: {
          IMAGE_TAG: '${{ github.sha }}',
          NAMESPACE: app.namespace,
        },
        steps: [
          { uses: 'actions/checkout@v4' },
          ...(app.rollbar ? [rollbarStarted(app)] : []),
          { uses: 'actions/setup-node@v4', with: { 'node-version': 20 } },
          {
            name: 'Render the manifests for this commit',
            // The railyard that rendered this workflow renders the manifests too.
            // The job's env cannot use the runner context, so the paths under
            // RUNNER_TEMP reach later steps through GITHUB_ENV.
            run: [
              'echo "OUT=$RUNNER_TEMP/railyard" >> "$GITHUB_ENV"',
              `npx --yes railyard@${pkg.version} synth ${shQuote(opts.configPath)} --image-tag "$IMAGE_TAG" --out "$RUNNER_TEMP/railyard"`,
              '',
            ].join('\n'),
          },
          {
            name: 'Write the kubeconfig',
            env: { KUBECONFIG_DATA: `\${{ secrets.${WORKFLOW_SECRETS.kubeconfig} }}` },
            run: [
              'kubeconfig="$RUNNER_TEMP/kubeconfig"',
              'umask 077',
              'printf \'%s\\n\' "$KUBECONFIG_DATA" > "$kubeconfig"',
              'chmod 600 "$kubeconfig"',
              'echo "KUBECONFIG=$kubeconfig" >> "$GITHUB_ENV"',
              'KUBECONFIG="$kubeconfig" kubectl version --client',
              '',
            ].join('\n'),
          },
          {
            name: 'Migrate the database',
            run: migrateScript(app),
          },
          {
            name: 'Apply the manifests',
            run: `kubectl apply --server-side --field-manager=railyard --recursive -f "$OUT/${MANIFEST_DIR}"\n`,
          },
          {
            name: 'Wait for the rollouts',
            run:
              deployments
                .map((d) => `kubectl -n "$NAMESPACE" rollout status deployment/${d.name} --timeout=${ROLLOUT_BASE_SECONDS + d.terminationGracePeriodSeconds}s`)
                .join('\n') + '\n',
          },
          ...(app.rollbar ? [rollbarFinished(app)] : []),
        ],
      },
    },
  };
}

/**
 * The Job is deleted first, so re-running a failed deploy retries the migration
 * (the Job name carries the commit, and a finished Job never runs again).
 * `kubectl wait` has no "complete or failed", so two waits race and the Job's
 * own status decides; the logs are printed either way.
 */
function migrateScript(app: App): string {
  const wait = app.migrate.timeoutSeconds + MIGRATE_WAIT_SLACK_SECONDS;
  return [
    `job_file="$OUT/${MIGRATION_JOB_PATH}"`,
    'job=$(kubectl create --dry-run=client -o name -f "$job_file")',
    'kubectl delete --ignore-not-found --wait -f "$job_file"',
    'kubectl create -f "$job_file"',
    `kubectl -n "$NAMESPACE" wait --for=condition=Complete --timeout=${wait}s "$job" &`,
    'complete=$!',
    `kubectl -n "$NAMESPACE" wait --for=condition=Failed --timeout=${wait}s "$job" &`,
    'failed=$!',
    'wait -n "$complete" "$failed" || true',
    'kill "$complete" "$failed" 2>/dev/null || true',
    'kubectl -n "$NAMESPACE" logs "$job" --all-containers || true',
    'succeeded=$(kubectl -n "$NAMESPACE" get "$job" -o jsonpath=\'{.status.succeeded}\')',
    'if [ "$succeeded" != 1 ]; then',
    '  echo "::error::migration $job did not complete"',
    '  kubectl -n "$NAMESPACE" describe "$job" || true',
    '  exit 1',
    'fi',
    '',
  ].join('\n');
}

const ROLLBAR_DEPLOY_API = 'https://api.rollbar.com/api/1/deploy';

function rollbarEnv(app: App) {
  return { ROLLBAR_ACCESS_TOKEN: `\${{ secrets.${app.rollbar!.tokenSecret} }}`, ROLLBAR_ENVIRONMENT: app.rollbar!.environment };
}

/** A Rollbar outage must not stop a deploy, so its steps may fail. */
function rollbarStarted(app: App) {
  return {
    name: 'Tell Rollbar the deploy started',
    id: 'rollbar',
    'continue-on-error': true,
    env: { ...rollbarEnv(app), ACTOR: '${{ github.actor }}' },
    run: [
      'body=$(jq -n --arg env "$ROLLBAR_ENVIRONMENT" --arg rev "$IMAGE_TAG" --arg user "$ACTOR" \\',
      "  '{environment: $env, revision: $rev, local_username: $user, status: \"started\", comment: \"railyard deploy workflow\"}')",
      "# The token goes to curl on stdin, never in its argv.",
      `response=$(printf 'X-Rollbar-Access-Token: %s\\n' "$ROLLBAR_ACCESS_TOKEN" | curl -fsS --max-time 10 -H @- -H 'Content-Type: application/json' --data "$body" ${ROLLBAR_DEPLOY_API})`,
      'echo "deploy_id=$(jq -r \'.data.deploy_id\' <<<"$response")" >> "$GITHUB_OUTPUT"',
      '',
    ].join('\n'),
  };
}

function rollbarFinished(app: App) {
  return {
    name: 'Tell Rollbar how the deploy ended',
    // Runs after a failed step too, but only if Rollbar knows of this deploy.
    if: "always() && steps.rollbar.outputs.deploy_id != '' && steps.rollbar.outputs.deploy_id != 'null'",
    'continue-on-error': true,
    env: { ...rollbarEnv(app), DEPLOY_ID: '${{ steps.rollbar.outputs.deploy_id }}', JOB_STATUS: '${{ job.status }}' },
    run: [
      'if [ "$JOB_STATUS" = success ]; then status=succeeded; else status=failed; fi',
      'body=$(jq -n --arg env "$ROLLBAR_ENVIRONMENT" --arg status "$status" \'{environment: $env, status: $status}\')',
      `printf 'X-Rollbar-Access-Token: %s\\n' "$ROLLBAR_ACCESS_TOKEN" | curl -fsS --max-time 10 -X PATCH -H @- -H 'Content-Type: application/json' --data "$body" "${ROLLBAR_DEPLOY_API}/$DEPLOY_ID"`,
      '',
    ].join('\n'),
  };
}
