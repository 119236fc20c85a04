// The deploy workflow: .github/workflows/deploy.yml.
//
// build:  one matrix job per image target, each pushing `<target>-<sha>`. Never
//         `latest`: re-applying an unchanged `latest` starts no rollout and leaves
//         nothing to roll back to. The GHA cache is scoped per target, or the
//         matrix jobs would overwrite one another's cache.
// deploy: `railyard deploy` for this commit: a Lease lock, the migration Job
//         (made from the web pod template, so it has the env, secrets and CA the
//         document's `kubectl run` lacked), server-side apply in order, rollout
//         watch, rollback on failure, the release record, and Rollbar's
//         started → succeeded/failed notices.
// diff:   (optional, `workflow.pullRequestDiff`) on a pull request,
//         `railyard diff --format markdown` against the live cluster into the
//         step summary. Build and deploy never run on a pull request, and a
//         pull request's run is in a concurrency group of its own: GitHub keeps
//         one pending run per group and cancels the one before it, so sharing
//         the deploy group would let a pull request cancel a waiting deploy.
//
// Secrets reach commands through env only and never appear in argv: the Rollbar
// token is an env var of the deploy step, the kubeconfig is written by the
// shell's printf builtin to a file of mode 600.
import { stringify } from 'yaml';
import type { App } from '../../config/schema.js';
import type { RenderedFile } from '../files.js';
import { imageTargets } from '../docker/targets.js';
import pkg from '../../../package.json' with { type: 'json' };

export const WORKFLOW_PATH = '.github/workflows/deploy.yml';
/** GitHub Actions secrets the workflow reads, besides the Rollbar token the model names. */
export const WORKFLOW_SECRETS = {
  registryUsername: 'OVH_REGISTRY_USERNAME',
  registryPassword: 'OVH_REGISTRY_PASSWORD',
  /** The kubeconfig file's content (YAML, not base64). */
  kubeconfig: 'KUBECONFIG_DATA',
} as const;
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
  '.\n' +
  `# ${WORKFLOW_SECRETS.kubeconfig} is the railyard-deployer identity, not an admin kubeconfig: an admin applies deploy/rbac.yaml once,\n` +
  `# then stores a short-lived token (48 h at most; re-run before it expires): railyard deployer-kubeconfig . --duration 172800 | gh secret set ${WORKFLOW_SECRETS.kubeconfig}\n` +
  (app.image.node === 'yarn'
    ? `# The deploy job runs the railyard the app's lockfile pins: yarn add --dev railyard@^${pkg.version}\n`
    : `# The app has no package.json (image.node: none): the deploy job runs railyard ${pkg.version}, the version that rendered this file.\n`);

/** Single-quoted for bash: the value reaches the script as one word, unexpanded. */
const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function workflow(app: App, opts: WorkflowOptions) {
  const targets = imageTargets(app).map((t) => t.name);
  const image = `${app.image.registry.replace(/\/+$/, '')}/${app.image.repository}`;
  const prDiff = app.workflow.pullRequestDiff;
  const deployGroup = `deploy-${app.name}-production`;
  const notOnPullRequest = prDiff ? { if: "github.event_name != 'pull_request'" } : {};
  const railyardCmd = app.image.node === 'yarn' ? 'yarn --silent railyard' : 'railyard';
  return {
    name: 'deploy',
    on: { push: { branches: ['master'] }, ...(prDiff ? { pull_request: {} } : {}), workflow_dispatch: {} },
    // One deploy at a time, and a running deploy is never cancelled halfway
    // through a migration or a rollout; a newer push waits its turn.
    concurrency: prDiff
      ? {
          group: `\${{ github.event_name == 'pull_request' && format('diff-${app.name}-{0}', github.ref) || '${deployGroup}' }}`,
          'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
        }
      : { group: deployGroup, 'cancel-in-progress': false },
    permissions: { contents: 'read' },
    // `shell: bash` makes GitHub run scripts with -eo pipefail (the default omits pipefail).
    defaults: { run: { shell: 'bash' } },
    env: { IMAGE: image },
    jobs: {
      build: {
        name: 'build ${{ matrix.target }}',
        ...notOnPullRequest,
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
        ...notOnPullRequest,
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 60,
        environment: 'production',
        env: {
          IMAGE_TAG: '${{ github.sha }}',
        },
        steps: [
          ...railyardSteps(app),
          {
            name: 'Deploy',
            // Lock, migration Job, ordered server-side apply, rollout watch,
            // rollback on failure, release record and the Rollbar notices
            // (the token reaches railyard by env, never argv).
            ...(app.rollbar ? { env: { [app.rollbar.tokenSecret]: `\${{ secrets.${app.rollbar.tokenSecret} }}` } } : {}),
            run: `${railyardCmd} deploy ${shQuote(opts.configPath)} --image-tag "$IMAGE_TAG" --timeout ${rolloutTimeout(app)}\n`,
          },
        ],
      },
      ...(prDiff
        ? {
            diff: {
              // Forks' pull requests get no secrets, so no kubeconfig to read the cluster with.
              if: "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
              'runs-on': 'ubuntu-latest',
              'timeout-minutes': 15,
              env: {
                // The tag this pull request's head would deploy as, were it merged as is.
                IMAGE_TAG: '${{ github.event.pull_request.head.sha }}',
              },
              steps: [
                ...railyardSteps(app),
                {
                  name: 'Diff against the cluster',
                  // Exit 1 means "there are changes", the answer a pull request expects;
                  // 2 (a bad config or an unreachable cluster) fails the job.
                  run: `${railyardCmd} diff ${shQuote(opts.configPath)} --image-tag "$IMAGE_TAG" --format markdown >> "$GITHUB_STEP_SUMMARY" || [ "$?" -eq 1 ]\n`,
                },
              ],
            },
          }
        : {}),
    },
  };
}

/** Checkout, Node, the railyard the app pins (or the one that rendered this file), and the kubeconfig. */
function railyardSteps(app: App) {
  return [
    { uses: 'actions/checkout@v4' },
    { uses: 'actions/setup-node@v4', with: { 'node-version': 20 } },
    app.image.node === 'yarn'
      ? {
          name: 'Install railyard as the app pins it',
          // railyard is a devDependency of the app, so CI runs the version its
          // lockfile pins, never whatever an unpinned `npx` would fetch.
          run: 'yarn install --frozen-lockfile --non-interactive --ignore-scripts\nyarn --silent railyard --version\n',
        }
      : {
          // No package.json to pin it in: the exact version that rendered this file.
          name: `Install railyard ${pkg.version}`,
          run: `npm install --global --no-audit --no-fund railyard@${pkg.version}\nrailyard --version\n`,
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
        '',
      ].join('\n'),
    },
  ];
}

/** Each rollout phase may take the base wait plus the longest grace period (old pods draining). */
export function rolloutTimeout(app: App): number {
  const graces = [app.web, ...Object.values(app.workers), ...Object.values(app.consumers)].map((d) => d.terminationGracePeriodSeconds);
  return ROLLOUT_BASE_SECONDS + Math.max(...graces);
}
