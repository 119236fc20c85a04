// The ENV names an app's config reads (`ENV["X"]`, `ENV['X']`, `ENV.fetch("X"…)`),
// grouped into secrets by prefix: a starting point, every group a TODO until
// someone says who reads it and fills in the values.

export interface EnvUse {
  name: string;
  file: string;
  line: number;
}

const ENV_REF = /ENV(?:\.fetch\(\s*|\[\s*)["']([A-Za-z_][A-Za-z0-9_]*)["']/g;

export function findEnvNames(text: string, file: string): EnvUse[] {
  const out: EnvUse[] = [];
  if (!text.includes('ENV')) return out;
  let line = 1;
  let last = 0;
  for (const m of text.matchAll(ENV_REF)) {
    for (let i = last; i < m.index!; i++) if (text.charCodeAt(i) === 10) line++;
    last = m.index!;
    out.push({ name: m[1]!, file, line });
  }
  return out;
}

/**
 * Variables that are not secrets: the ones railyard, Rails, Puma, Kubernetes or
 * the runtime set. They are left out of the suggested secrets.
 */
export const NOT_SECRETS = new Set([
  'RAILS_ENV', 'RACK_ENV', 'RAILS_MAX_THREADS', 'RAILS_MIN_THREADS', 'WEB_CONCURRENCY', 'PORT', 'PIDFILE', 'RAILS_LOG_TO_STDOUT',
  'RAILS_SERVE_STATIC_FILES', 'RAILS_LOG_LEVEL', 'DB_POOL', 'MYSQL_SSL_CA', 'PROCESS_TARGET', 'HEALTH_PORT', 'POD_NAME', 'POD_NAMESPACE',
  'HOME', 'PATH', 'USER', 'SHELL', 'PWD', 'TMPDIR', 'LANG', 'TZ', 'HOSTNAME', 'BUNDLE_GEMFILE', 'BUNDLE_PATH', 'QUEUES', 'QUEUE',
  'DELAYED_JOB_POOLS', 'DELAYED_JOB_TIMEOUT', 'CI', 'DEBUG', 'VERBOSE', 'SECRET_KEY_BASE_DUMMY', 'PRECOMPILE_ASSETS', 'DISABLE_SPRING',
  'SPRING_TMP_PATH', 'BOOTSNAP_CACHE_DIR', 'EXECJS_RUNTIME', 'NODE_ENV', 'MALLOC_ARENA_MAX', 'JEMALLOC', 'RUBY_YJIT_ENABLE',
]);

/** What railyard's own config/database.yml reads; the db secret holds these. */
export const DATABASE_KEYS = ['DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_USERNAME', 'DATABASE_PASSWORD', 'DATABASE_NAME'];

export interface SecretGroup {
  /** Lower-case prefix: aws, smtp, stripe; `env` for the names that share none. */
  prefix: string;
  keys: string[];
  uses: EnvUse[];
}

/** Groups names by their first word (AWS_ACCESS_KEY_ID → aws); prefixes with one name go together into `env`. */
export function groupSecrets(uses: readonly EnvUse[]): SecretGroup[] {
  const byName = new Map<string, EnvUse[]>();
  for (const u of uses) {
    if (NOT_SECRETS.has(u.name) || DATABASE_KEYS.includes(u.name) || u.name.startsWith('RACECAR_') || u.name.startsWith('RAILYARD_') || u.name.startsWith('KUBERNETES_')) continue;
    byName.set(u.name, [...(byName.get(u.name) ?? []), u]);
  }
  const prefixOf = (n: string) => (n.includes('_') ? n.slice(0, n.indexOf('_')).toLowerCase() : '');
  const byPrefix = new Map<string, string[]>();
  for (const name of [...byName.keys()].sort()) byPrefix.set(prefixOf(name), [...(byPrefix.get(prefixOf(name)) ?? []), name]);
  const groups: SecretGroup[] = [];
  const loose: string[] = [];
  for (const [prefix, names] of [...byPrefix].sort(([a], [b]) => a.localeCompare(b))) {
    if (prefix === '' || names.length < 2 || !/^[a-z][a-z0-9]*$/.test(prefix) || prefix === 'env') loose.push(...names);
    else groups.push({ prefix, keys: names, uses: names.flatMap((n) => byName.get(n)!) });
  }
  if (loose.length) groups.push({ prefix: 'env', keys: loose.sort(), uses: loose.flatMap((n) => byName.get(n)!) });
  return groups;
}
