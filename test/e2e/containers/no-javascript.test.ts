// An app without JavaScript (image.node: 'none', what `railyard init` writes for
// an app with no package.json or yarn.lock): the rendered Dockerfile builds from
// a context that has neither file, and its images still run railyard's runtime,
// which needs only the base image's Node.js.
//
// Built with the Storecove model (node: none) on the fixture Rails app, like
// images.test.ts, under image names of its own so the two files never share a tag.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/config/index.js';
import { imageTargets, renderDocker } from '../../../src/render/docker/index.js';
import { assembleContext, e2eApp } from './context.js';
import { buildTargets, podman, podmanSync, requirePodman } from './podman.js';

const image = (target: string) => `localhost/railyard-e2e-nojs:${target}`;

let base: string;
let app: App;
let dir: string;

beforeAll(async () => {
  base = requirePodman();
  const storecove = await e2eApp(base);
  app = { ...storecove, image: { ...storecove.image, node: 'none' } };
  dir = mkdtempSync(join(tmpdir(), 'railyard-nojs-'));
  await assembleContext(app, join(dir, 'context'), base);
  await buildTargets(join(dir, 'context'), base, image('{}'), imageTargets(app).map((t) => t.name));
}, 1_500_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('image.node: none', () => {
  it('builds from a context with no package.json and no yarn.lock', () => {
    const context = join(dir, 'context');
    expect(existsSync(join(context, 'package.json'))).toBe(false);
    expect(existsSync(join(context, 'yarn.lock'))).toBe(false);
    const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');
    expect(dockerfile).toBe(renderDocker(app).find((f) => f.path === 'Dockerfile')!.content);
    expect(dockerfile).not.toMatch(/node-deps|yarn/);
    for (const t of imageTargets(app)) expect(podmanSync(['image', 'exists', image(t.name)]).status, `${image(t.name)} was not built`).toBe(0);
  });

  it('has no node_modules in the app, and runs the runtime on the base image’s Node', async () => {
    const ls = podmanSync(['run', '--rm', '--network', 'none', '--entrypoint', 'ls', image('rails'), '-A', '/app']);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n')).not.toContain('node_modules');
    expect(ls.stdout.split('\n')).toContain('Gemfile.lock');
    expect((await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'node', image('worker'), '--version'])).trim()).toMatch(/^v\d+\./);
    // The runtime starts and validates its env: one JSON error line naming what is missing, exit 1.
    const r = podmanSync(['run', '--rm', '--network', 'none', '--env', 'PROCESS_TARGET=worker', image('worker')]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({ level: 'error', missing: expect.arrayContaining(['DELAYED_JOB_POOLS']) });
  });

  it('boots the Rails app in the web image (gems installed, no JavaScript needed)', () => {
    const r = podmanSync(['run', '--rm', '--network', 'none', '--env', 'SECRET_KEY_BASE=x', '--entrypoint', 'bundle', image('rails'), 'exec', 'rails', 'runner', 'puts Rails.application.class.name']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe('RailsApp::Application');
  });
});
