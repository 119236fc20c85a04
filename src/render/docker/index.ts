// The Dockerfile and .dockerignore for the app's images.
//
// One multi-stage Dockerfile, as the design document has it, with its defects
// removed:
// - all real work happens in app-base, which also declares the ENTRYPOINT they
//   all run; each target adds only metadata (ENV, EXPOSE, CMD), so the targets
//   share every filesystem layer and building five costs about as much as
//   building one (each metadata instruction is a commit for podman/buildah);
// - tini is PID 1 and railyard's runtime its only child: it runs the health
//   server, supervises one `rake jobs:work` per pool slot and forwards signals,
//   replacing `bash -lc "health_server.rb & exec …"`;
// - the CMDs are JSON arrays with no shell and no credentials (racecar reads
//   RACECAR_* env that the manifests set);
// - SECRET_KEY_BASE_DUMMY is scoped to the asset build's RUN. The document's
//   `ENV SECRET_KEY_BASE_DUMMY=0` afterwards still sets the variable, and Rails
//   checks only that it is present, so every container would have run with the
//   dummy secret key base.
import type { App } from '../../config/schema.js';
import type { RenderedFile } from '../files.js';
import { imageTargets, ImageTargetError, type ImageTarget } from './targets.js';

export { imageTargets, ImageTargetError, type ImageTarget } from './targets.js';

/** Where synth writes the runtime bundle (dist/runtime.cjs), relative to the Dockerfile's build context. */
export const RUNTIME_BUNDLE_PATH = '.railyard/runtime.cjs';
/** Where the image keeps it; the ENTRYPOINT runs it. */
export const RUNTIME_IMAGE_PATH = '/opt/railyard/runtime.cjs';
/** The image user, matching the pods' runAsUser/runAsGroup/fsGroup. */
export const IMAGE_UID = 1000;
/** Gems the app bundle adds on top of the base image's, as GEM_HOME. */
const GEM_HOME = '/opt/bundle';

export const ENTRYPOINT = ['tini', '--', 'node', RUNTIME_IMAGE_PATH, 'run'];
/** Stages every Dockerfile has; a target may not take these names. */
export const SHARED_STAGES = ['base', 'ruby-deps', 'node-deps', 'app-base'] as const;

export function renderDocker(app: App): RenderedFile[] {
  const targets = imageTargets(app);
  for (const t of targets) {
    if ((SHARED_STAGES as readonly string[]).includes(t.name)) throw new ImageTargetError(`Dockerfile target "${t.name}" is the name of a shared stage; rename it`);
  }
  return [
    { path: 'Dockerfile', content: renderDockerfile(app, targets) },
    { path: '.dockerignore', content: DOCKERIGNORE },
  ];
}

const json = (words: string[]): string => `[${words.map((w) => JSON.stringify(w)).join(', ')}]`;
/** ENV values: bare when safe, else double-quoted (Dockerfile quoting is JSON-compatible for these). */
const envValue = (v: string): string => (/^[A-Za-z0-9_.:\/@%+=,-]+$/.test(v) ? v : JSON.stringify(v));

function renderDockerfile(app: App, targets: ImageTarget[]): string {
  // An app without JavaScript (image.node: none) has no package.json or yarn.lock to install from.
  const yarn = app.image.node === 'yarn';
  const lines: string[] = [
    '# syntax=docker/dockerfile:1',
    `# Rendered by railyard from the app model (${app.name}); change the model, not this file.`,
    '#',
    yarn
      ? '# base -> ruby-deps, node-deps -> app-base -> one small stage per process target.'
      : '# base -> ruby-deps -> app-base -> one small stage per process target (no JavaScript dependencies).',
    '# A code change rebuilds app-base only; the targets add no files, so they share every layer.',
    '',
    '# The Ruby/Node stack. It must provide ruby, bundler and Node.js >= 18 on PATH',
    '# (the runtime is a Node program); the first RUN below checks that.',
    `ARG BASE_IMAGE=${app.image.base}`,
    '',
    '# ---------------------------------------------------------------- base',
    'FROM ${BASE_IMAGE} AS base',
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    'ENV LANG=C.UTF-8 \\',
    `    RAILS_ENV=${envValue(app.environment)} \\`,
    `    GEM_HOME=${GEM_HOME} \\`,
    '    BUNDLE_FROZEN=true \\',
    '    BUNDLE_WITHOUT=development:test \\',
    `    PATH=${GEM_HOME}/bin:$PATH`,
    '# tini is PID 1: it reaps zombies and passes signals to the runtime.',
    "# Installed from the base image's distribution when missing; its version is the",
    '# one that distribution release ships, so the base image tag pins it.',
    '# hadolint ignore=DL3008',
    'RUN if ! command -v tini >/dev/null; then \\',
    '      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \\',
    '    fi \\',
    '    && ruby --version && bundle --version \\',
    '    && node -e \'if (+process.versions.node.split(".")[0] < 18) { console.error("railyard: the base image needs Node.js >= 18, found " + process.version); process.exit(1) }\' \\',
    `    && (getent group ${IMAGE_UID} >/dev/null || groupadd --gid ${IMAGE_UID} app) \\`,
    `    && (getent passwd ${IMAGE_UID} >/dev/null || useradd --uid ${IMAGE_UID} --gid ${IMAGE_UID} --home-dir /app --no-create-home --shell /usr/sbin/nologin app) \\`,
    `    && mkdir -p /app ${GEM_HOME}`,
    'WORKDIR /app',
    '',
    '# ---------------------------------------------------------------- ruby-deps',
    `# Rebuilt only when Gemfile or Gemfile.lock change${app.image.pathGems.length ? ', or a path gem' : ''}.`,
    'FROM base AS ruby-deps',
    'COPY Gemfile Gemfile.lock ./',
    ...(app.image.pathGems.length ? ['# The path gems: bundle install reads their gemspecs. COPY . . brings them again for run time.', ...app.image.pathGems.map((p) => `COPY ${p} ./${p}/`)] : []),
    `RUN bundle install && rm -rf ${GEM_HOME}/cache`,
    '',
    ...(yarn
      ? [
          '# ---------------------------------------------------------------- node-deps',
          '# Rebuilt only when package.json or yarn.lock change.',
          'FROM base AS node-deps',
          'COPY package.json yarn.lock ./',
          'RUN yarn install --frozen-lockfile --non-interactive && yarn cache clean && mkdir -p node_modules',
          '',
        ]
      : []),
    '# ---------------------------------------------------------------- app-base',
    yarn ? '# The code, the gems, node_modules, the runtime and the compiled assets. Code and' : '# The code, the gems, the runtime and the compiled assets. Code and',
    '# gems stay root-owned: the app user may write only to log, tmp and storage.',
    'FROM base AS app-base',
    `COPY --from=ruby-deps ${GEM_HOME} ${GEM_HOME}`,
    ...(yarn ? ['COPY --from=node-deps /app/node_modules ./node_modules'] : []),
    `COPY ${RUNTIME_BUNDLE_PATH} ${RUNTIME_IMAGE_PATH}`,
    'COPY . .',
    '# The dummy secret key base exists for this RUN only (see the renderer for why).',
    'RUN mkdir -p log tmp/pids tmp/cache storage \\',
    `    && chown -R ${IMAGE_UID}:${IMAGE_UID} log tmp storage \\`,
    '    && if [ -d app/assets ]; then SECRET_KEY_BASE_DUMMY=1 bundle exec rails assets:precompile; fi',
    `USER ${IMAGE_UID}:${IMAGE_UID}`,
    '# tini is PID 1 and railyard\'s runtime its only child; each target\'s CMD names its',
    '# process target and command.',
    `ENTRYPOINT ${json(ENTRYPOINT)}`,
  ];
  for (const t of targets) lines.push('', ...renderTarget(t));
  return lines.join('\n') + '\n';
}

function renderTarget(t: ImageTarget): string[] {
  const what = t.kind === 'web' ? 'the web tier' : t.kind === 'worker' ? 'delayed_job workers, one process per pool slot' : 'a racecar consumer';
  const env = [`PROCESS_TARGET=${envValue(t.processTarget)}`];
  if (t.healthPort !== undefined) env.push(`HEALTH_PORT=${t.healthPort}`);
  return [
    `# ---------------------------------------------------------------- ${t.name}: ${what}`,
    `FROM app-base AS ${t.name}`,
    `ENV ${env.join(' ')}`,
    `EXPOSE ${t.ports.join(' ')}`,
    `CMD ${json(t.cmd)}`,
  ];
}

const DOCKERIGNORE = `# Rendered by railyard. Keeps the build context small, the cache stable and
# secrets out of the image.
.git
.github
.dockerignore
Dockerfile
# railyard's rendered output; only the runtime bundle goes into the image.
.railyard/*
!${RUNTIME_BUNDLE_PATH}
k8s
migrate
# Secrets: the pods get them from Kubernetes secrets at run time.
.env*
config/master.key
config/credentials/*.key
# Built inside the image, or written at run time.
node_modules
public/assets
public/packs
log/*
tmp/*
storage/*
coverage
`;
