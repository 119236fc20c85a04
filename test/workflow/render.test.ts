// renderWorkflow: the exact Storecove workflow, and properties that hold for
// any model: per-commit tags, per-target cache scopes, secrets only via env/with.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { loadConfig, type App } from '../../src/config/index.js';
import { renderWorkflow, WORKFLOW_PATH } from '../../src/render/workflow/index.js';
import { imageTargets } from '../../src/render/docker/index.js';
import { arbitraryApp } from '../docker/arbitrary-app.js';

type Step = { name?: string; uses?: string; run?: string; if?: string; id?: string; env?: Record<string, string>; with?: Record<string, unknown>; 'continue-on-error'?: boolean };
const render = (app: App, configPath = 'railyard.config.ts') => {
  const files = renderWorkflow(app, { configPath });
  expect(files.map((f) => f.path)).toEqual([WORKFLOW_PATH]);
  return files[0]!.content;
};
const jobs = (text: string) => parse(text).jobs as Record<string, { steps: Step[]; needs?: string; environment?: string; strategy?: { matrix: { target: string[] } }; env?: Record<string, string> }>;

let storecove: App;
beforeAll(async () => {
  storecove = (await loadConfig('examples/storecove')).app;
});

describe('renderWorkflow on the Storecove example', () => {
  it('writes exactly the reviewed workflow', () => {
    expect(render(storecove)).toBe(readFileSync(new URL('./expected/storecove/deploy.yml', import.meta.url), 'utf8'));
  });

  it('runs on push to master and dispatch, one at a time, never cancelling a deploy', () => {
    const wf = parse(render(storecove));
    expect(wf.on).toEqual({ push: { branches: ['master'] }, workflow_dispatch: {} });
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    expect(jobs(render(storecove)).deploy!.environment).toBe('production');
    expect(jobs(render(storecove)).deploy!.needs).toBe('build');
  });

  it('deploys with the railyard the app pins: install, kubeconfig, railyard deploy', () => {
    const deploy = jobs(render(storecove)).deploy!.steps;
    expect(deploy.map((s) => s.name ?? s.uses)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'Install railyard as the app pins it', 'Write the kubeconfig', 'Deploy']);
    expect(deploy[2]!.run).toContain('yarn install --frozen-lockfile');
    expect(render(storecove)).not.toMatch(/npx/);
    // 600 s plus the longest grace period (the workers' 300 s).
    expect(deploy[4]!.run).toBe(`yarn --silent railyard deploy 'railyard.config.ts' --image-tag "$IMAGE_TAG" --timeout 900\n`);
    expect(deploy[4]!.env).toEqual({ ROLLBAR_ACCESS_TOKEN: '${{ secrets.ROLLBAR_ACCESS_TOKEN }}' });
  });
});

describe('renderWorkflow for an app without package.json (image.node: none)', () => {
  it('installs the exact railyard version that rendered it, with npm, and runs that', () => {
    const app = { ...storecove, image: { ...storecove.image, node: 'none' as const } };
    const text = render(app);
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
    const deploy = jobs(text).deploy!.steps;
    expect(deploy.map((s) => s.name ?? s.uses)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', `Install railyard ${version}`, 'Write the kubeconfig', 'Deploy']);
    expect(deploy[2]!.run).toBe(`npm install --global --no-audit --no-fund railyard@${version}\nrailyard --version\n`);
    expect(deploy[4]!.run).toBe(`railyard deploy 'railyard.config.ts' --image-tag "$IMAGE_TAG" --timeout 900\n`);
    expect(text).not.toMatch(/yarn|npx/);
  });
});

describe('renderWorkflow on any model', () => {
  it('builds every image target with a per-commit tag and a cache scope of its own', () => {
    fc.assert(
      fc.property(arbitraryApp, (app) => {
        const text = render(app);
        const build = jobs(text).build!;
        expect(build.strategy!.matrix.target).toEqual(imageTargets(app).map((t) => t.name));
        const push = build.steps.find((s) => s.uses === 'docker/build-push-action@v6')!;
        expect(push.with!.tags).toBe('${{ env.IMAGE }}:${{ matrix.target }}-${{ github.sha }}');
        expect(push.with!['cache-from']).toBe('type=gha,scope=${{ matrix.target }}');
        expect(push.with!['cache-to']).toBe('type=gha,mode=max,scope=${{ matrix.target }}');
        expect(text.replaceAll('runs-on: ubuntu-latest', '')).not.toMatch(/latest/);
        expect(parse(text).env.IMAGE).toBe(`${app.image.registry}/${app.image.repository}`);
      }),
      { numRuns: 120 },
    );
  });

  it('passes secrets only through env or action inputs, never inside a run script', () => {
    fc.assert(
      fc.property(arbitraryApp, (app) => {
        const all = Object.values(jobs(render(app))).flatMap((j) => j.steps);
        for (const s of all) expect(s.run ?? '').not.toMatch(/secrets\.|\$\{\{/);
        const withToken = all.filter((s) => app.rollbar && s.env?.[app.rollbar.tokenSecret]);
        expect(withToken.map((s) => s.name)).toEqual(app.rollbar ? ['Deploy'] : []);
        if (app.rollbar) expect(withToken[0]!.env![app.rollbar.tokenSecret]).toBe(`\${{ secrets.${app.rollbar.tokenSecret} }}`);
      }),
      { numRuns: 120 },
    );
  });

  it('gives each rollout phase the base wait plus the longest grace period', () => {
    fc.assert(
      fc.property(arbitraryApp, (app) => {
        const grace = Math.max(app.web.terminationGracePeriodSeconds, ...Object.values(app.workers).map((w) => w.terminationGracePeriodSeconds), ...Object.values(app.consumers).map((c) => c.terminationGracePeriodSeconds));
        const run = jobs(render(app)).deploy!.steps.find((s) => s.name === 'Deploy')!.run!;
        expect(run).toContain(`--timeout ${600 + grace}\n`);
      }),
      { numRuns: 100 },
    );
  });

  it('quotes the config path for the shell', () => {
    const run = jobs(render(storecove, "apps/it's here/railyard.config.ts")).deploy!.steps.find((s) => s.name === 'Deploy')!.run!;
    expect(run).toContain(`deploy 'apps/it'\\''s here/railyard.config.ts' --image-tag "$IMAGE_TAG"`);
  });
});

describe('renderWorkflow with workflow.pullRequestDiff', () => {
  const withDiff = (app: App): App => ({ ...app, workflow: { pullRequestDiff: true } });

  it('is off by default: no pull_request trigger, no diff job', () => {
    expect(storecove.workflow.pullRequestDiff).toBe(false);
    const text = render(storecove);
    expect(text).not.toMatch(/pull_request/);
    expect(Object.keys(jobs(text))).toEqual(['build', 'deploy']);
  });

  it('adds a diff job on pull requests that writes the markdown diff to the step summary, and keeps build and deploy off them', () => {
    const text = render(withDiff(storecove));
    const wf = parse(text);
    expect(wf.on).toEqual({ push: { branches: ['master'] }, pull_request: {}, workflow_dispatch: {} });
    const j = jobs(text) as Record<string, { if?: string; needs?: string; environment?: string; steps: Step[]; env?: Record<string, string> }>;
    expect(Object.keys(j)).toEqual(['build', 'deploy', 'diff']);
    expect(j.build!.if).toBe("github.event_name != 'pull_request'");
    expect(j.deploy!.if).toBe("github.event_name != 'pull_request'");
    expect(j.diff!.if).toBe("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository");
    expect(j.diff!.needs).toBeUndefined();
    expect(j.diff!.environment).toBeUndefined();
    expect(j.diff!.env).toEqual({ IMAGE_TAG: '${{ github.event.pull_request.head.sha }}' });
    expect(j.diff!.steps.map((s) => s.name ?? s.uses)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'Install railyard as the app pins it', 'Write the kubeconfig', 'Diff against the cluster']);
    expect(j.diff!.steps[4]!.run).toBe(`yarn --silent railyard diff 'railyard.config.ts' --image-tag "$IMAGE_TAG" --format markdown >> "$GITHUB_STEP_SUMMARY" || [ "$?" -eq 1 ]\n`);
    // The deploy job is unchanged apart from its condition.
    const plain = jobs(render(storecove)).deploy!;
    expect({ ...j.deploy!, if: undefined }).toEqual({ ...plain, if: undefined });
  });

  it('puts a pull request in a concurrency group of its own, so it never cancels a waiting deploy', () => {
    const wf = parse(render(withDiff(storecove)));
    expect(wf.concurrency).toEqual({
      group: "${{ github.event_name == 'pull_request' && format('diff-storecove-{0}', github.ref) || 'deploy-storecove-production' }}",
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
  });

  it('treats exit 1 (changes) as the answer and anything else as a failure, under bash -eo pipefail', () => {
    const run = (jobs(render(withDiff(storecove))).diff!.steps.at(-1)!.run as string).replace(/^yarn --silent railyard diff .*?>> "\$GITHUB_STEP_SUMMARY"/, 'exit_with "$CODE" >> "$SUMMARY"');
    for (const [code, ok] of [[0, true], [1, true], [2, false], [127, false]] as const) {
      const r = spawnSync('bash', ['-eo', 'pipefail', '-c', `exit_with() { echo "## diff"; return "$1"; }\n${run}echo reached`], { encoding: 'utf8', env: { ...process.env, CODE: String(code), SUMMARY: '/dev/null' } });
      expect({ code, ok: r.status === 0 && r.stdout.includes('reached') }).toEqual({ code, ok });
    }
  });
});
