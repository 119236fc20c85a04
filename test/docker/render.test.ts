// renderDocker: the exact Storecove output, the target list, and properties
// that hold for any model (checked structurally with dockerfile-ast).
import { readFileSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { loadConfig, validateApp, type App } from '../../src/config/index.js';
import { renderDocker, imageTargets, ENTRYPOINT, ImageTargetError } from '../../src/render/docker/index.js';
import { dockerfileProblems, type ExpectedTarget } from './dockerfile-structure.js';
import { arbitraryApp } from './arbitrary-app.js';

// The synth golden output (make golden) is the reviewed text.
const expected = (name: string) => readFileSync(new URL(`../golden/storecove/${name}`, import.meta.url), 'utf8');
const file = (app: App, path: string) => {
  const f = renderDocker(app).find((x) => x.path === path);
  if (!f) throw new Error(`renderDocker wrote no ${path}`);
  return f.content;
};
const expectedTargets = (app: App): ExpectedTarget[] =>
  imageTargets(app).map((t) => ({
    name: t.name,
    entrypoint: ENTRYPOINT,
    cmd: t.cmd,
    ports: t.ports,
    env: { PROCESS_TARGET: t.processTarget, ...(t.healthPort !== undefined ? { HEALTH_PORT: String(t.healthPort) } : {}) },
  }));

let storecove: App;
beforeAll(async () => {
  storecove = (await loadConfig('examples/storecove')).app;
});

describe('renderDocker on the Storecove example', () => {
  it('writes exactly the reviewed Dockerfile and .dockerignore', () => {
    expect(renderDocker(storecove).map((f) => f.path)).toEqual(['Dockerfile', '.dockerignore']);
    expect(file(storecove, 'Dockerfile')).toBe(expected('Dockerfile'));
    expect(file(storecove, '.dockerignore')).toBe(expected('.dockerignore'));
  });

  it('has the five targets, each with its port, PROCESS_TARGET and CMD', () => {
    expect(imageTargets(storecove).map((t) => [t.name, t.ports, t.cmd])).toEqual([
      ['rails', [3000], ['server', '--', 'bundle', 'exec', 'puma', '-C', 'config/puma.rb']],
      ['worker', [3001], ['worker']],
      ['kafka-sending-status', [3002], ['kafka-sending-status', '--', 'bundle', 'exec', 'racecar', 'Kafka::Consumers::SendingActionStatusUpdateConsumer']],
      ['kafka-new-document', [3003], ['kafka-new-document', '--', 'bundle', 'exec', 'racecar', 'Kafka::Consumers::NewDocumentNotificationConsumer']],
      ['kafka-received-status', [3004], ['kafka-received-status', '--', 'bundle', 'exec', 'racecar', 'Kafka::Consumers::ReceivedDocumentStatusConsumer']],
    ]);
    expect(dockerfileProblems(file(storecove, 'Dockerfile'), expectedTargets(storecove))).toEqual([]);
  });

  it('keeps the document defects out: no latest, no bash -lc, no credentials in CMD, no lasting SECRET_KEY_BASE_DUMMY', () => {
    const df = file(storecove, 'Dockerfile');
    expect(df).not.toMatch(/latest/);
    expect(df).not.toMatch(/bash", "-lc|health_server\.rb|--sasl-password|bin\/delayed_job/);
    expect(df).not.toMatch(/ENV[^\n]*SECRET_KEY_BASE_DUMMY/);
    expect(df).toMatch(/^ARG BASE_IMAGE=ubuntu:focal$/m);
    expect(df).toMatch(/^USER 1000:1000$/m);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = file(storecove, '.dockerignore').split('\n');
    for (const p of ['.env*', 'config/master.key', 'config/credentials/*.key', '.git', 'node_modules', '.railyard/*', '!.railyard/runtime.cjs']) expect(ignore).toContain(p);
  });
});

describe('renderDocker on any model', () => {
  it('every stage, target and COPY --from resolves; each target is exactly its ENV/EXPOSE/ENTRYPOINT/CMD', () => {
    fc.assert(
      fc.property(arbitraryApp, (app) => {
        const df = file(app, 'Dockerfile');
        expect(dockerfileProblems(df, expectedTargets(app))).toEqual([]);
        expect(df).toContain(`ARG BASE_IMAGE=${app.image.base}\n`);
      }),
      { numRuns: 150 },
    );
  });

  it('builds each image target once: workers sharing a target share its stage, with every health port exposed', () => {
    fc.assert(
      fc.property(arbitraryApp, (app) => {
        const targets = imageTargets(app);
        const names = targets.map((t) => t.name);
        expect(new Set(names).size).toBe(names.length);
        expect(names[0]).toBe(app.web.target);
        for (const w of Object.values(app.workers)) expect(targets.find((t) => t.name === w.target)?.ports).toContain(w.healthPort);
        expect(targets.filter((t) => t.kind === 'consumer')).toHaveLength(Object.keys(app.consumers).length);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a target named like a shared stage, and two consumers with different commands in one target', () => {
    const base = (over: object) => ({ name: 'a', namespace: 'a', image: { registry: 'r', repository: 'a' }, web: {}, ...over });
    expect(() => renderDocker(validateApp(base({ web: { target: 'app-base' } })))).toThrow(ImageTargetError);
    const consumer = (klass: string) => ({ target: 'kafka', healthPort: 3002, consumerClass: klass, credentials: { secret: 'k', groupIdKey: 'G', usernameKey: 'U', passwordKey: 'P' } });
    const app = validateApp(
      base({
        consumers: { a: { ...consumer('A'), name: 'ka' }, b: { ...consumer('B'), name: 'kb' } },
        secrets: [{ name: 'k', keys: ['G', 'U', 'P'], usedBy: ['consumers'] }],
      }),
    );
    expect(() => renderDocker(app)).toThrow(/consumers\.b uses Dockerfile target "kafka"/);
  });
});

describe('renderDocker for an app without JavaScript (image.node: none)', () => {
  it('has no node-deps stage and copies no package.json, yarn.lock or node_modules', () => {
    const app = { ...storecove, image: { ...storecove.image, node: 'none' as const } };
    const df = file(app, 'Dockerfile');
    expect(df).not.toMatch(/node-deps|yarn|package\.json|node_modules/);
    expect(dockerfileProblems(df, expectedTargets(app))).toEqual([]);
    // Everything else is the yarn Dockerfile, less those lines.
    const withYarn = file(storecove, 'Dockerfile').split('\n');
    const without = df.split('\n');
    expect(without.filter((l) => !withYarn.includes(l))).toEqual(['# base -> ruby-deps -> app-base -> one small stage per process target (no JavaScript dependencies).', '# The code, the gems, the runtime and the compiled assets. Code and']);
    // The runtime still needs Node.js in the base image.
    expect(df).toContain('the base image needs Node.js >= 18');
  });

  it('is yarn unless the model says none', () => {
    expect(storecove.image.node).toBe('yarn');
    expect(validateApp({ name: 'a', namespace: 'a', image: { registry: 'r', repository: 'a' }, web: {} }).image.node).toBe('yarn');
    expect(() => validateApp({ name: 'a', namespace: 'a', image: { registry: 'r', repository: 'a', node: 'npm' }, web: {} })).toThrow(/image\.node/);
  });
});

describe('renderDocker for an app with path gems (image.pathGems)', () => {
  it('copies each folder into ruby-deps beside the Gemfile, and changes nothing else', () => {
    const app = { ...storecove, image: { ...storecove.image, pathGems: ['vendor/gems/racecar', 'engines/billing'] } };
    const df = file(app, 'Dockerfile').split('\n');
    const plain = file(storecove, 'Dockerfile').split('\n');
    const at = df.indexOf('COPY Gemfile Gemfile.lock ./');
    expect(df.slice(at - 2, at + 5)).toEqual([
      '# Rebuilt only when Gemfile or Gemfile.lock change, or a path gem.',
      'FROM base AS ruby-deps',
      'COPY Gemfile Gemfile.lock ./',
      '# The path gems: bundle install reads their gemspecs. COPY . . brings them again for run time.',
      'COPY vendor/gems/racecar ./vendor/gems/racecar/',
      'COPY engines/billing ./engines/billing/',
      'RUN bundle install && rm -rf /opt/bundle/cache',
    ]);
    expect(df.filter((l) => !plain.includes(l))).toHaveLength(4);
    expect(dockerfileProblems(df.join('\n'), expectedTargets(app))).toEqual([]);
  });

  const minimal = (pathGems?: unknown) => validateApp({ name: 'a', namespace: 'a', image: { registry: 'r', repository: 'a', pathGems }, web: {} });
  it('is none unless the model names some; a trailing slash is dropped', () => {
    expect(minimal().image.pathGems).toEqual([]);
    expect(minimal(['vendor/gems/racecar/', 'engines/billing']).image.pathGems).toEqual(['vendor/gems/racecar', 'engines/billing']);
  });

  it.each([['/abs'], ['../up'], ['a/../b'], ['./a'], ['a b'], ['']])('rejects %j, naming the field', (p) => {
    expect(() => minimal([p])).toThrow(/image\.pathGems\[0\]: must be a folder relative/);
  });

  it('rejects a folder named twice', () => {
    expect(() => minimal(['a', 'a/'])).toThrow(/image\.pathGems.*twice/);
  });
});

describe('dockerfileProblems catches what it is for', () => {
  const good = 'ARG BASE=debian:12\nFROM ${BASE} AS base\nFROM base AS t\nENV PROCESS_TARGET=x\nEXPOSE 1\nENTRYPOINT ["a"]\nCMD ["b"]\n';
  const t: ExpectedTarget = { name: 't', entrypoint: ['a'], cmd: ['b'], ports: [1], env: { PROCESS_TARGET: 'x' } };
  it('accepts a good file', () => expect(dockerfileProblems(good, [t])).toEqual([]));
  it('reads config inherited through FROM <stage>, as a builder does', () => {
    const inherited = 'ARG BASE=debian:12\nFROM ${BASE} AS base\nENTRYPOINT ["a"]\nCMD ["z"]\nFROM base AS t\nENV PROCESS_TARGET=x\nEXPOSE 1\nCMD ["b"]\n';
    expect(dockerfileProblems(inherited, [t])).toEqual([]);
    // A target's own ENTRYPOINT drops the CMD it would have inherited.
    const reset = 'ARG BASE=debian:12\nFROM ${BASE} AS base\nCMD ["b"]\nFROM base AS t\nENV PROCESS_TARGET=x\nEXPOSE 1\nENTRYPOINT ["a"]\n';
    expect(dockerfileProblems(reset, [t]).join('\n')).toMatch(/target "t": CMD is not \["b"\]/);
    // An image that is not a stage passes nothing down.
    const unrelated = 'ARG BASE=debian:12\nFROM ${BASE} AS base\nENTRYPOINT ["a"]\nFROM debian:12 AS t\nENV PROCESS_TARGET=x\nEXPOSE 1\nCMD ["b"]\n';
    expect(dockerfileProblems(unrelated, [t]).join('\n')).toMatch(/ENTRYPOINT is not \["a"\]/);
  });
  it.each([
    ['an unknown COPY --from', good.replace('EXPOSE 1', 'EXPOSE 1\nCOPY --from=nope /a /a'), /COPY --from=nope names no earlier stage/],
    ['a COPY --from of a later stage', good.replace('FROM ${BASE} AS base', 'FROM ${BASE} AS base\nCOPY --from=t /a /a'), /COPY --from=t names no earlier stage/],
    ['a shell-form CMD', good.replace('CMD ["b"]', 'CMD b'), /CMD is in shell form/],
    ['a shell-form ENTRYPOINT', good.replace('ENTRYPOINT ["a"]', 'ENTRYPOINT a'), /ENTRYPOINT is in shell form/],
    ['an undeclared FROM variable', good.replace('ARG BASE=', 'ARG OTHER='), /no ARG before the first FROM declares/],
    ['an untagged image', good.replace('FROM base AS t', 'FROM ubuntu AS t'), /neither an earlier stage nor a tagged image/],
    ['a duplicate stage', good + 'FROM base AS t\n', /defined twice/],
    ['a missing target', good.replace('AS t', 'AS u'), /target "t" is not a stage/],
    ['a target that adds a layer', good + 'RUN true\n', /adds a layer/],
    ['a wrong port', good.replace('EXPOSE 1', 'EXPOSE 2'), /EXPOSE 2 is not 1/],
    ['a wrong PROCESS_TARGET', good.replace('PROCESS_TARGET=x', 'PROCESS_TARGET=y'), /ENV PROCESS_TARGET is y/],
  ])('reports %s', (_what, content, problem) => {
    expect(dockerfileProblems(content, [t]).join('\n')).toMatch(problem);
  });
});
