// renderWorkflow: the exact Storecove workflow, and properties that hold for
// any model: per-commit tags, per-target cache scopes, secrets only via env/with.
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

  it('runs the deploy steps in order: rollbar started, synth, migrate, apply, rollouts, rollbar finished', () => {
    const names = jobs(render(storecove)).deploy!.steps.map((s) => s.name ?? s.uses);
    expect(names).toEqual([
      'actions/checkout@v4',
      'Tell Rollbar the deploy started',
      'actions/setup-node@v4',
      'Render the manifests for this commit',
      'Write the kubeconfig',
      'Migrate the database',
      'Apply the manifests',
      'Wait for the rollouts',
      'Tell Rollbar how the deploy ended',
    ]);
    const deploy = jobs(render(storecove)).deploy!.steps;
    const rollouts = deploy.find((s) => s.name === 'Wait for the rollouts')!.run!;
    for (const d of ['rails-server', 'worker-primary', 'worker-secondary', 'kafka-sending-status', 'kafka-new-document', 'kafka-received-status']) expect(rollouts).toMatch(new RegExp(`rollout status deployment/${d} --timeout=\\d+s`));
    const migrate = deploy.find((s) => s.name === 'Migrate the database')!.run!;
    expect(migrate).toContain('--for=condition=Complete --timeout=1020s');
    expect(migrate).toContain('--for=condition=Failed --timeout=1020s');
    expect(migrate).toMatch(/logs "\$job"/);
    expect(migrate).toMatch(/exit 1/);
    const finished = deploy.at(-1)!;
    expect(finished.if).toMatch(/^always\(\) && /);
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
        for (const s of all) {
          expect(s.run ?? '').not.toMatch(/secrets\.|\$\{\{/);
          // A token in env must be sent on stdin (-H @-), never as an argument.
          if (s.env?.ROLLBAR_ACCESS_TOKEN) expect(s.run).toMatch(/printf 'X-Rollbar-Access-Token: %s\\n' "\$ROLLBAR_ACCESS_TOKEN" \| curl [^\n]*-H @-/);
        }
        const rollbar = all.filter((s) => s.env?.ROLLBAR_ACCESS_TOKEN);
        expect(rollbar.length).toBe(app.rollbar ? 2 : 0);
        if (app.rollbar) expect(rollbar[0]!.env!.ROLLBAR_ACCESS_TOKEN).toBe(`\${{ secrets.${app.rollbar.tokenSecret} }}`);
      }),
      { numRuns: 120 },
    );
  });

  it('waits for the migration for its deadline plus slack, and for every Deployment', () => {
    fc.assert(
      fc.property(arbitraryApp, (app) => {
        const steps = jobs(render(app)).deploy!.steps;
        expect(steps.find((s) => s.name === 'Migrate the database')!.run).toContain(`--timeout=${app.migrate.timeoutSeconds + 120}s`);
        const rollouts = steps.find((s) => s.name === 'Wait for the rollouts')!.run!.trim().split('\n');
        expect(rollouts.map((l) => /deployment\/(\S+)/.exec(l)![1])).toEqual([app.web.name, ...Object.values(app.workers).map((w) => w.name), ...Object.values(app.consumers).map((c) => c.name)]);
      }),
      { numRuns: 100 },
    );
  });

  it('quotes the config path for the shell', () => {
    const run = jobs(render(storecove, "apps/it's here/railyard.config.ts")).deploy!.steps.find((s) => s.name === 'Render the manifests for this commit')!.run!;
    expect(run).toContain(`synth 'apps/it'\\''s here/railyard.config.ts' --image-tag "$IMAGE_TAG"`);
  });
});
