// `railyard init`'s importer: an existing Rails app's files in, a railyard config
// out. Pure: the caller (read-app.ts, the CLI) reads the files and runs whenever;
// this turns their contents into one annotated config tree, written as TS or
// YAML, where every value names its source and what cannot be mapped is a TODO.
import type { AppInput } from '../config/schema.js';
import { countProcesses, renderPoolSpec, type Pool } from '../config/pools.js';
import { validateTimeZone } from '../config/cron.js';
import { parseGemfileLock, parseRubyVersionFile, type GemfileLock } from './gemfile-lock.js';
import { parseCrontab, type CronLine, type CrontabImport } from './crontab.js';
import { wheneverFailure, type WheneverReport } from './whenever.js';
import { isDevelopmentProcfile, parseProcfile, type ProcfileProcess } from './procfile.js';
import { capistranoPools, parseCapistrano, type CapistranoSettings } from './capistrano.js';
import { parseDatabaseYml, type DatabaseConfig } from './database-yml.js';
import { parsePuma, type PumaConfig } from './puma.js';
import { parseConsumers, type RacecarConsumer } from './racecar.js';
import { DATABASE_KEYS, findEnvNames, groupSecrets, type EnvUse } from './secrets.js';
import { CRONJOB_NAME_MAX, fitName, slug, uniqueNames } from './names.js';
import { array, emitTs, emitYaml, object, plain, scalar, scalars, type Entry, type Node } from './emit.js';
import { ImportError, where, type Note, type Source, type Todo } from './types.js';

export { ImportError } from './types.js';
export type { Todo, Note, Source } from './types.js';

export interface CrontabInput {
  text: string;
  /** How messages name it: the --crontab file, or `whenever (config/schedule.rb)`. */
  file: string;
  /** The crontab is whenever's translation of this schedule.rb. */
  scheduleFile?: string;
  /** What the hook reported from inside whenever. */
  report?: WheneverReport;
  /** How whenever was run (`bundle exec whenever`), for the header. */
  runner?: string;
}

export interface AppSources {
  /** The app folder's name: the default app name. */
  dirName: string;
  /** Contents of the files init reads, by path relative to the app. */
  files: ReadonlyMap<string, string>;
  /** Files whose presence matters but whose content is not read (credentials, lockfiles). */
  present: ReadonlySet<string>;
  crontab?: CrontabInput;
}

export interface ImportOptions {
  format: 'ts' | 'yaml';
  /** IANA zone for the CronJobs (--time-zone). */
  timeZone?: string;
}

export interface ImportResult {
  /** The file's content. */
  text: string;
  /** The value it evaluates to (not yet validated). */
  config: AppInput;
  todos: Todo[];
  notes: Note[];
  /** How many CronJobs, workers and consumers were made, for the summary. */
  counts: { cronJobs: number; cronTodos: number; workers: number; consumers: number; secrets: number };
}

const MiB_PER_PROCESS = 300;
/**
 * Not scanned for secrets: the schedule and deploy files run elsewhere, and
 * railyard renders its own database.yml and puma.rb (their variables are named on the db secret).
 */
const SCAN_EXCLUDED = new Set(['config/schedule.rb', 'config/database.yml', 'config/puma.rb']);

/** Reads the app; throws ImportError (file and line named) when an input is unreadable. */
export function importApp(src: AppSources, opts: ImportOptions): ImportResult {
  const todos: Todo[] = [];
  const notes: Note[] = [];
  const problems: ImportError[] = [];
  // Parse every source first, so all bad input is reported at once.
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ImportError) {
        problems.push(e);
        return undefined;
      }
      throw e;
    }
  };
  const file = (p: string) => src.files.get(p);

  const lock = file('Gemfile.lock') !== undefined ? attempt(() => parseGemfileLock(file('Gemfile.lock')!, 'Gemfile.lock')) : undefined;
  const procfiles = [...src.files.keys()].filter((p) => p === 'Procfile' || /^Procfile\.[^/]+$/.test(p)).sort((a, b) => (a === 'Procfile' ? -1 : b === 'Procfile' ? 1 : a.localeCompare(b)));
  const processes: ProcfileProcess[] = [];
  for (const p of procfiles) {
    if (isDevelopmentProcfile(p)) {
      notes.push({ source: { file: p }, message: 'a development Procfile; not read' });
      continue;
    }
    processes.push(...(attempt(() => parseProcfile(file(p)!, p)) ?? []));
  }
  const capFiles = [...src.files.keys()].filter((p) => p === 'config/deploy.rb' || /^config\/deploy\/[^/]+\.rb$/.test(p)).sort();
  const cap = new Map<string, CapistranoSettings>();
  for (const p of capFiles) {
    const s = attempt(() => parseCapistrano(file(p)!, p));
    if (s) cap.set(p, s);
  }
  const puma = file('config/puma.rb') !== undefined ? attempt(() => parsePuma(file('config/puma.rb')!, 'config/puma.rb')) : undefined;
  const consumerFiles = [...src.files.keys()].filter((p) => p.startsWith('app/consumers/') && p.endsWith('.rb')).sort();
  const consumers = consumerFiles.flatMap((p) => attempt(() => parseConsumers(file(p)!, p)) ?? []);
  let crontab: CrontabImport | undefined;
  if (src.crontab) crontab = attempt(() => parseCrontab(src.crontab!.text, { file: src.crontab!.file, scheduleFile: src.crontab!.scheduleFile, jobs: src.crontab!.report?.jobs }));

  const environment = pickEnvironment(crontab);
  const db = file('config/database.yml') !== undefined ? attempt(() => parseDatabaseYml(file('config/database.yml')!, 'config/database.yml', environment.value)) : undefined;
  if (problems.length) throw new ImportError(problems.flatMap((p) => p.problems));

  const roles = new Set<'web' | 'cron' | 'workers' | 'consumers'>(['web', 'cron']);
  const name = appName(src, notes);
  const root: Entry[] = [];
  const top = (key: string, node: Node, source?: string, above?: string[]) => root.push({ key, node, ...(source ? { source } : {}), ...(above ? { above } : {}) });

  // ------------------------------------------------------------ app, image
  top('name', scalar(name.value), name.source);
  top('namespace', scalar(name.value), 'the app name');
  top('environment', scalar(environment.value), environment.source);
  const image: Entry[] = [];
  image.push({ key: 'registry', node: scalar('registry.example.com'), source: 'TODO: a placeholder; the registry your cluster pulls from' });
  todos.push({ source: { file: 'railyard.config' }, message: 'image.registry: set the registry your cluster pulls from' });
  image.push({ key: 'repository', node: scalar(slug(name.value) || 'app'), source: 'the app name' });
  const ruby = rubyVersion(src, lock);
  if (ruby) {
    image.push({ key: 'base', node: scalar(`ruby:${ruby.version}`), source: where(ruby.source), above: ['TODO: the base image must also provide Node.js >= 18 (railyard’s runtime) and, with JavaScript, yarn; the official ruby image has neither'] });
    todos.push({ source: ruby.source, message: `image.base ruby:${ruby.version} has no Node.js: use an image with Ruby ${ruby.version} and Node.js >= 18` });
  } else {
    image.push({ above: ['TODO: no Ruby version found (Gemfile.lock RUBY VERSION, .ruby-version): set image.base to an image with your Ruby and Node.js >= 18'] });
    todos.push({ source: { file: 'Gemfile.lock' }, message: 'no Ruby version found: set image.base' });
  }
  image.push(nodeEntry(src, todos));
  const pathGems = pathGemsEntry(lock, todos);
  if (pathGems) image.push(pathGems);
  top('image', object(image));

  // ------------------------------------------------------------ database
  const database = databaseEntries(db, todos, notes, lock);
  top('database', object(database.entries), undefined, database.above);

  // ------------------------------------------------------------ web
  const web = webEntries(processes, puma, db, notes, todos);
  top('web', object(web));

  // ------------------------------------------------------------ workers
  const workers = workerEntries(processes, cap, environment.value, lock, notes, todos);
  if (workers.entries.length) roles.add('workers');
  top('workers', object(workers.entries));

  // ------------------------------------------------------------ consumers
  const kafkaSecret = `${name.value}-kafka-credentials`.slice(0, 63).replace(/-+$/, '');
  const cons = consumerEntries(consumers, processes, kafkaSecret, lock, notes, todos);
  if (cons.entries.length) roles.add('consumers');
  top('consumers', object(cons.entries));

  // ------------------------------------------------------------ cron
  const cron = cronEntries(crontab, src.crontab, environment.value, opts, notes, todos);
  top('cron', object(cron.entries), undefined, cron.above);

  // ------------------------------------------------------------ secrets
  const envUses: EnvUse[] = [];
  for (const [p, text] of src.files) if (p.startsWith('config/') && /\.(rb|yml|yaml|erb)$/.test(p) && !SCAN_EXCLUDED.has(p) && !p.startsWith('config/deploy')) envUses.push(...findEnvNames(text, p));
  const secrets = secretEntries(name.value, [...roles], db, src, envUses, cons.kafkaKeys, kafkaSecret, todos);
  top('secrets', array(secrets.entries));

  // ------------------------------------------------------------ migrate
  const release = processes.find((p) => p.kind === 'release');
  if (release) top('migrate', object([{ key: 'command', node: scalars(release.argv), source: where(release.source) }]));

  for (const p of processes.filter((x) => x.kind === 'unknown')) todos.push({ source: p.source, message: `${p.notes.join('; ')}: ${p.command}` });
  if (processes.some((x) => x.kind === 'unknown')) {
    root.push({ above: ['TODO: Procfile processes railyard does not know:', ...processes.filter((x) => x.kind === 'unknown').map((p) => `  ${where(p.source)} ${p.name}: ${p.command}`)] });
  }

  const tree = object(root);
  const header = [
    `railyard config for ${name.value}, written by \`railyard init\` from the app's own files.`,
    'Each value names its source (file:line); TODO marks what could not be mapped and why.',
    ...(src.crontab ? [`Schedules: translated line by line from ${src.crontab.file}.`] : []),
    'Check it with `railyard check`, render it with `railyard synth`.',
    '',
  ];
  const text = opts.format === 'ts' ? emitTs(tree, header) : emitYaml(tree, header);
  return {
    text,
    config: plain(tree) as AppInput,
    todos,
    notes,
    counts: { cronJobs: cron.count, cronTodos: cron.todoCount, workers: workers.entries.filter((e) => e.node && !e.draft).length, consumers: cons.entries.filter((e) => e.node && !e.draft).length, secrets: secrets.count },
  };
}

/** The error of a whenever run that failed: exit 2, the schedule.rb line named. */
export function wheneverError(scheduleFile: string, stderr: string, report: WheneverReport | undefined): ImportError {
  const f = wheneverFailure(scheduleFile, stderr, report);
  return new ImportError([{ source: { file: scheduleFile, line: f.line }, message: f.message }]);
}

// ---------------------------------------------------------------- pieces

function appName(src: AppSources, notes: Note[]): { value: string; source: string } {
  const appRb = src.files.get('config/application.rb');
  const m = appRb ? /^module\s+([A-Z][A-Za-z0-9_]*)/m.exec(appRb) : null;
  if (m) {
    const line = appRb!.slice(0, m.index).split('\n').length;
    const s = fitName(slug(m[1]!), 63);
    if (s) return { value: s, source: `config/application.rb:${line} (module ${m[1]})` };
  }
  const s = fitName(slug(src.dirName), 63);
  notes.push({ source: { file: 'config/application.rb' }, message: 'no `module Name` found; the app is named after its folder' });
  return { value: /^[a-z0-9]/.test(s) ? s : `app${s ? `-${s}` : ''}`, source: 'the app folder' };
}

function pickEnvironment(crontab: CrontabImport | undefined): { value: string; source: string } {
  const counts = new Map<string, CronLine[]>();
  for (const l of crontab?.lines ?? []) if (l.environment) counts.set(l.environment, [...(counts.get(l.environment) ?? []), l]);
  if (counts.size === 0) return { value: 'production', source: 'railyard default' };
  const [value, lines] = [...counts].sort((a, b) => b[1].length - a[1].length || (a[0] === 'production' ? -1 : b[0] === 'production' ? 1 : a[0].localeCompare(b[0])))[0]!;
  return { value, source: `RAILS_ENV of the schedule (${where(lines[0]!.source)})` };
}

function rubyVersion(src: AppSources, lock: GemfileLock | undefined): { version: string; source: Source } | undefined {
  if (lock?.ruby) return { version: lock.ruby.version, source: { file: 'Gemfile.lock', line: lock.ruby.line } };
  const rv = src.files.get('.ruby-version');
  const v = rv !== undefined ? parseRubyVersionFile(rv) : undefined;
  return v ? { version: v, source: { file: '.ruby-version', line: 1 } } : undefined;
}

/**
 * The Gemfile's path gems, which the Dockerfile must copy before bundle install.
 * `.` is the app's own gemspec (COPY . . has it); a folder outside the app is
 * outside the build context, so it is a TODO.
 */
function pathGemsEntry(lock: GemfileLock | undefined, todos: Todo[]): Entry | undefined {
  const inside: { remote: string; line: number }[] = [];
  for (const p of lock?.paths ?? []) {
    const rel = p.remote.replace(/^\.\//, '').replace(/\/+$/, '');
    if (rel === '' || rel === '.') continue;
    if (rel.startsWith('/') || rel.split('/').includes('..')) {
      todos.push({ source: { file: 'Gemfile.lock', line: p.line }, message: `the path gem at ${p.remote} is outside the app, so outside the image's build context; vendor it into the app, or publish it as a gem` });
      continue;
    }
    inside.push({ remote: rel, line: p.line });
  }
  if (inside.length === 0) return undefined;
  return { key: 'pathGems', node: array(inside.map((p) => ({ node: scalar(p.remote), source: `Gemfile.lock:${p.line}` }))), source: 'the Gemfile.lock PATH sections' };
}

function nodeEntry(src: AppSources, todos: Todo[]): Entry {
  const has = (p: string) => src.files.has(p) || src.present.has(p);
  if (has('yarn.lock') && has('package.json')) return { key: 'node', node: scalar('yarn'), source: 'package.json and yarn.lock' };
  if (has('package.json')) {
    const lockfile = ['package-lock.json', 'pnpm-lock.yaml', 'bun.lockb'].find(has);
    todos.push({ source: { file: 'package.json' }, message: `the app has package.json but no yarn.lock${lockfile ? ` (${lockfile})` : ''}; railyard's node-deps stage installs with yarn, so the image is built without JavaScript dependencies` });
    return { key: 'node', node: scalar('none'), source: 'package.json without yarn.lock', above: [`TODO: package.json${lockfile ? ` with ${lockfile}` : ''} but no yarn.lock; if assets need node_modules, add a yarn.lock and set node: 'yarn'`] };
  }
  return { key: 'node', node: scalar('none'), source: 'no package.json or yarn.lock: no node-deps stage' };
}

function databaseEntries(db: DatabaseConfig | undefined, todos: Todo[], notes: Note[], lock: GemfileLock | undefined): { entries: Entry[]; above: string[] } {
  const above: string[] = [];
  if (!db) {
    notes.push({ source: { file: 'config/database.yml' }, message: 'not found; railyard renders its own' });
  } else if (db.adapter) {
    const a = db.adapter.value;
    const src = `config/database.yml:${db.adapter.line}`;
    if (a === 'mysql2') above.push(`adapter mysql2 (${src}): railyard renders config/database.yml for it, with TLS to the server`);
    else {
      above.push(`TODO: adapter ${a} (${src}): railyard renders a mysql2 config/database.yml and its connection budget assumes MySQL; keep your own database.yml for ${a}`);
      todos.push({ source: { file: 'config/database.yml', line: db.adapter.line }, message: `adapter ${a}: railyard's rendered database.yml is for mysql2` });
    }
  } else if (db.source.line === undefined) {
    todos.push({ source: db.source, message: `no ${db.environment} section` });
    above.push(`TODO: config/database.yml has no ${db.environment} section`);
  }
  if (db?.others.length) {
    above.push(`TODO: config/database.yml:${db.source.line} has more databases (${db.others.join(', ')}); railyard renders one`);
    todos.push({ source: db.source, message: `more databases than the primary: ${db.others.join(', ')}` });
  }
  const gem = lock?.gems.get('mysql2') ?? lock?.gems.get('pg') ?? lock?.gems.get('trilogy');
  if (gem) above.push(`database gem: ${lock!.gems.get('mysql2') ? 'mysql2' : lock!.gems.get('pg') ? 'pg' : 'trilogy'} ${gem.version} (Gemfile.lock:${gem.line})`);
  todos.push({ source: { file: 'railyard.config' }, message: "database.maxConnections: set the server's max_connections (railyard check sums the app's connections against it)" });
  return { entries: [{ key: 'maxConnections', node: scalar(151), source: "TODO: the server's max_connections (SHOW VARIABLES LIKE 'max_connections'); 151 is MySQL's default" }], above };
}

function webEntries(processes: ProcfileProcess[], puma: PumaConfig | undefined, db: DatabaseConfig | undefined, notes: Note[], todos: Todo[]): Entry[] {
  const out: Entry[] = [];
  const web = processes.find((p) => p.kind === 'web');
  if (web) {
    out.push({ key: 'command', node: scalars(web.argv), source: where(web.source), ...(web.argv[0] === 'bash' ? { above: ['the Procfile line uses $VARIABLES, so it runs in bash (exec keeps it the runtime’s direct child)'] } : {}) });
    if (/config\/puma\.rb/.test(web.command)) out.push({ above: ['railyard renders its own config/puma.rb (threads, port, clean SIGTERM): `railyard synth` writes it under rails/'] });
  }
  const port = web?.port !== undefined ? { value: web.port, source: where(web.source) } : puma?.port ? { value: puma.port.value, source: `config/puma.rb:${puma.port.line}` } : undefined;
  if (port) out.push({ key: 'port', node: scalar(port.value), source: port.source });
  if (puma?.threads) {
    const t = puma.threads;
    out.push({ key: 'threads', node: object([{ key: 'min', node: scalar(Math.min(t.min, t.max)) }, { key: 'max', node: scalar(Math.max(1, t.max)) }], true), source: `config/puma.rb:${t.line}` });
    if (db?.pool?.value !== undefined && db.pool.value < t.max) {
      todos.push({ source: { file: 'config/database.yml', line: db.pool.line }, message: `pool ${db.pool.value} is below Puma's ${t.max} threads; railyard's database.yml sizes the pool to the threads` });
    }
  } else if (db?.pool?.value !== undefined && db.pool.value >= 1) {
    out.push({ key: 'threads', node: object([{ key: 'min', node: scalar(db.pool.value) }, { key: 'max', node: scalar(db.pool.value) }], true), source: `config/database.yml:${db.pool.line} (pool; one thread per connection)` });
  }
  if (db?.pool) out.push({ above: [`database pool: ${db.pool.erb ? db.pool.erb.code : db.pool.value} (config/database.yml:${db.pool.line}); railyard's database.yml gives each process one connection per thread, and railyard check counts them against database.maxConnections`] });
  if (puma?.workers && puma.workers.value !== 0) {
    const w = puma.workers;
    out.push({ above: [`Puma runs workers ${w.code} (config/puma.rb:${w.line}); railyard runs Puma in single mode, one process per pod: scale with replicas`] });
    notes.push({ source: { file: 'config/puma.rb', line: w.line }, message: `workers ${w.code}: railyard runs Puma in single mode; scale with web.replicas` });
  }
  return out;
}

function poolsEntries(pools: Pool[], source: string, above: string[]): Entry[] {
  const out: Entry[] = [{ key: 'pools', node: scalar(renderPoolSpec(pools)), source, ...(above.length ? { above } : {}) }];
  const processes = countProcesses(pools);
  // Every delayed_job process is a Rails process; the default 2Gi limit holds six.
  if (processes * MiB_PER_PROCESS > 2048) {
    const mib = Math.ceil((processes * MiB_PER_PROCESS + 256) / 256) * 256;
    const mem = mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
    out.push({ key: 'resources', node: object([{ key: 'requests', node: object([{ key: 'cpu', node: scalar('250m') }, { key: 'memory', node: scalar(mem) }], true) }, { key: 'limits', node: object([{ key: 'cpu', node: scalar('1000m') }, { key: 'memory', node: scalar(mem) }], true) }]), source: `${processes} processes × ${MiB_PER_PROCESS} MiB (budgets.processRssMiB) + 256 MiB` });
  }
  return out;
}

function workerEntries(processes: ProcfileProcess[], cap: Map<string, CapistranoSettings>, environment: string, lock: GemfileLock | undefined, notes: Note[], todos: Todo[]) {
  const entries: Entry[] = [];
  const base = cap.get('config/deploy.rb');
  const stageFile = `config/deploy/${environment}.rb`;
  const stage = cap.get(stageFile);
  const layers = [base, stage].filter((x): x is CapistranoSettings => x !== undefined);
  const capWorkers = capistranoPools(layers);
  for (const t of capWorkers.todos) todos.push(t);
  for (const [f] of cap) if (f !== 'config/deploy.rb' && f !== stageFile && cap.get(f)!.size > 0) notes.push({ source: { file: f }, message: `delayed_job settings of another stage; the config is for ${environment}` });
  const procWorkers = processes.filter((p) => p.kind === 'worker');
  // Worker keys start with a letter (the model's rule): `1: …` becomes w-1.
  const keyOf = (p: ProcfileProcess) => {
    const s = slug(p.name);
    return /^[a-z]/.test(s) ? s : `w-${s || 'worker'}`.replace(/-+$/, '');
  };
  const names = uniqueNames(procWorkers, keyOf, (p) => p.name, 40, new Set(['rails-server']));
  const used = new Set<string>();
  const worker = (key: string, name: string, source: string, pools: Pool[], above: string[], draft = false): Entry => ({
    key,
    node: object([{ key: 'name', node: scalar(name), source: `the Deployment, named after ${key === 'delayed-job' ? 'delayed_job' : `the Procfile process "${key}"`}` }, ...poolsEntries(pools, source, above)]),
    ...(draft ? { draft: true } : {}),
  });
  if (capWorkers.pools) {
    const source = capWorkers.sources.map(where).join(', ');
    entries.push(worker('delayed-job', 'worker', source, capWorkers.pools, capWorkers.notes));
    used.add('worker');
    procWorkers.forEach((p, i) => {
      entries.push({ above: [`TODO: ${where(p.source)} also runs delayed_job (${p.command}); the Capistrano pools above were used. Uncomment if both run:`] });
      entries.push(worker(names[i]!, names[i]!.startsWith('worker') ? names[i]! : `worker-${names[i]}`, where(p.source), p.pools!, [], true));
      todos.push({ source: p.source, message: `also runs delayed_job; ${source} was used for the worker pools` });
    });
  } else {
    procWorkers.forEach((p, i) => {
      const n = names[i]!;
      const deployment = n.startsWith('worker') ? n : `worker-${n}`;
      entries.push(worker(n, deployment, where(p.source), p.pools!, p.notes));
    });
  }
  if (entries.length && lock && !lock.gems.has('delayed_job')) notes.push({ source: { file: 'Gemfile.lock' }, message: 'workers run delayed_job, which Gemfile.lock does not list' });
  return { entries };
}

function consumerEntries(consumers: RacecarConsumer[], processes: ProcfileProcess[], secret: string, lock: GemfileLock | undefined, notes: Note[], todos: Todo[]) {
  const entries: Entry[] = [];
  const kafkaKeys: string[] = [];
  const baseName = (c: RacecarConsumer) => slug(c.className.split('::').pop()!.replace(/Consumer$/, '')) || slug(c.className);
  const keys = uniqueNames(consumers, baseName, (c) => c.className, 54);
  consumers.forEach((c, i) => {
    const key = keys[i]!;
    const upper = key.toUpperCase().replace(/-/g, '_');
    const k = { group: `KAFKA_${upper}_GROUP_ID`, user: `KAFKA_${upper}_USERNAME`, password: `KAFKA_${upper}_PASSWORD` };
    kafkaKeys.push(k.group, k.user, k.password);
    const proc = processes.find((p) => p.kind === 'racecar' && p.consumerClass === c.className);
    const above = [`racecar consumer ${c.className}${c.topics.length ? `, subscribes to ${c.topics.join(', ')}` : ''}${proc ? `; ${where(proc.source)} runs it` : ''}`];
    if (c.groupId) above.push(`its group_id is "${c.groupId}": put that in ${secret} ${k.group} (racecar reads RACECAR_GROUP_ID from it)`);
    entries.push({
      key,
      above,
      node: object([
        { key: 'name', node: scalar(`consumer-${key}`), source: 'the Deployment, named after the class' },
        { key: 'healthPort', node: scalar(3002 + i), source: 'allocated: 3002 onwards, one per consumer' },
        { key: 'consumerClass', node: scalar(c.className), source: where(c.source) },
        { key: 'credentials', node: object([{ key: 'secret', node: scalar(secret) }, { key: 'groupIdKey', node: scalar(k.group) }, { key: 'usernameKey', node: scalar(k.user) }, { key: 'passwordKey', node: scalar(k.password) }]), source: 'TODO: fill these keys in the secret' },
      ]),
    });
  });
  for (const p of processes.filter((x) => x.kind === 'racecar' && !consumers.some((c) => c.className === x.consumerClass))) {
    todos.push({ source: p.source, message: `runs racecar ${p.consumerClass ?? '(no class named)'}, which is not a Racecar::Consumer in app/consumers` });
    entries.push({ above: [`TODO: ${where(p.source)} runs racecar ${p.consumerClass ?? ''}, but app/consumers has no such Racecar::Consumer`] });
  }
  if (consumers.length && lock && !lock.gems.has('racecar')) notes.push({ source: { file: 'Gemfile.lock' }, message: 'app/consumers has racecar consumers, but Gemfile.lock does not list racecar' });
  if (consumers.length) todos.push({ source: { file: 'app/consumers' }, message: `fill ${secret}: each consumer's group id, SASL username and password` });
  return { entries, kafkaKeys };
}

function cronEntries(crontab: CrontabImport | undefined, input: CrontabInput | undefined, environment: string, opts: ImportOptions, notes: Note[], todos: Todo[]) {
  const entries: Entry[] = [];
  const above: string[] = [];
  let count = 0;
  let todoCount = 0;
  const defaults: Entry[] = [];
  if (!crontab) return { entries, above, count, todoCount };

  // Time zone: --time-zone, else the crontab's CRON_TZ/TZ, else UTC (said out loud).
  if (opts.timeZone) {
    defaults.push({ key: 'timeZone', node: scalar(opts.timeZone), source: '--time-zone' });
    if (crontab.timeZone && crontab.timeZone.value !== opts.timeZone) notes.push({ source: { file: input!.file, line: crontab.timeZone.line }, message: `the crontab says ${crontab.timeZone.value}; --time-zone ${opts.timeZone} was used` });
  } else if (crontab.timeZone && !validateTimeZone(crontab.timeZone.value)) {
    defaults.push({ key: 'timeZone', node: scalar(crontab.timeZone.value), source: `${input!.file}:${crontab.timeZone.line}` });
  } else {
    const who = input!.scheduleFile ? 'whenever writes them' : 'cron reads them';
    defaults.push({ key: 'timeZone', node: scalar('Etc/UTC'), source: `the times are taken as UTC: ${who} in the server’s local zone; pass --time-zone if that was not UTC` });
    notes.push({ source: { file: input!.scheduleFile ?? input!.file }, message: `times are taken as UTC (${who} in the server’s local zone); pass --time-zone ZONE if the server ran in another zone` });
  }
  entries.push({ key: 'defaults', node: object(defaults) });

  for (const e of crontab.env) {
    if (['MAILTO', 'CRON_TZ', 'TZ'].includes(e.name)) continue;
    const msg = `the crontab sets ${e.name}=${e.value} for its jobs; CronJobs run with the image's environment (add it to env if a job needs it)`;
    above.push(`TODO: ${input!.file}:${e.line}: ${msg}`);
    todos.push({ source: { file: input!.file, line: e.line }, message: msg });
  }

  const lines = crontab.lines;
  const nameOf = (l: CronLine) => slug(nameSource(l));
  const names = uniqueNames(lines, nameOf, (l) => `${l.schedule}\n${l.command ?? l.raw}`, CRONJOB_NAME_MAX);
  const tasks: Entry[] = [];
  // A note every line shares (whenever's `set :output`) is said once, above the tasks.
  const shared = lines.length > 1 ? lines[0]!.notes.filter((n) => lines.every((l) => l.notes.includes(n))) : [];
  if (shared.length) tasks.push({ above: shared.map((n) => `every line: ${n}`) });
  lines.forEach((l, i) => {
    const wrongEnv = !l.todo && l.environment !== undefined && l.environment !== environment;
    const todo = l.todo ?? (wrongEnv ? `it runs with RAILS_ENV=${l.environment}, the config's environment is ${environment}` : undefined);
    const task = object(
      [
        { key: 'name', node: scalar(names[i]!) },
        { key: 'schedule', node: scalar(l.schedule) },
        { key: 'command', node: scalar(l.command ?? l.raw) },
      ],
      true,
    );
    const own = l.notes.filter((n) => !shared.includes(n));
    const above = own.length ? [own.join('; ')] : [];
    if (todo) {
      todoCount++;
      todos.push({ source: l.source, message: todo, ...(l.command ? { draft: l.command } : {}) });
      tasks.push({ above: [...above, `TODO: ${where(l.source)}: ${todo}`, ...(l.command ? [] : [`  crontab line: ${l.schedule} ${l.raw}`])] });
      if (l.command) tasks.push({ node: task, draft: true, source: where(l.source) });
      return;
    }
    count++;
    tasks.push({ node: task, source: where(l.source), ...(above.length ? { above } : {}) });
  });
  entries.push({ key: 'tasks', node: array(tasks) });
  if (input) above.unshift(`from ${input.file}: ${count} CronJob${count === 1 ? '' : 's'}${todoCount ? `, ${todoCount} TODO` : ''}`);
  return { entries, above, count, todoCount };
}

/** What a CronJob is named after: the rake task or runner code of a plain command too, else the program and its arguments. */
function nameSource(l: CronLine): string {
  const text = l.task ?? l.command ?? l.raw;
  if (l.kind && l.kind !== 'command') return text;
  const t = text.replace(/^([A-Za-z_][A-Za-z0-9_]*=\S*\s+)*/, '').replace(/^bundle exec /, '');
  const rake = /^(?:\S*\/)?(?:rake|rails) ([a-z0-9_:-]+\S*)/.exec(t);
  if (rake && rake[1] !== 'runner') return rake[1]!;
  const runner = /^(?:\S*\/)?(?:rails|runner)(?: runner)? ['"]?([^'"]+)/.exec(t);
  if (runner) return runner[1]!;
  return t.replace(/^\S*\//, '');
}

function secretEntries(app: string, roles: string[], db: DatabaseConfig | undefined, src: AppSources, uses: EnvUse[], kafkaKeys: string[], kafkaSecret: string, todos: Todo[]) {
  const entries: Entry[] = [];
  const secretName = (suffix: string) => fitName(`${app}-${suffix}`, 63);
  const usedBy = (list: string[]) => scalars(list);
  const appRoles = roles.filter((r) => r !== 'consumers' || roles.includes('consumers'));
  const taken = new Set<string>([...DATABASE_KEYS, ...kafkaKeys]);
  let count = 0;
  const add = (e: Entry) => {
    entries.push(e);
    count++;
  };

  const dbAbove = ["railyard's config/database.yml reads these five; put your database's values in them"];
  const appDbVars = (db?.env ?? []).filter((v) => !DATABASE_KEYS.includes(v.name) && !/^RAILS_M(AX|IN)_THREADS$/.test(v.name) && v.name !== 'DB_POOL');
  if (appDbVars.length) dbAbove.push(`TODO: your config/database.yml read ${appDbVars.map((v) => `${v.name} (line ${v.line})`).join(', ')}: move those values into the keys above`);
  if (appDbVars.length) todos.push({ source: { file: 'config/database.yml', line: appDbVars[0]!.line }, message: `database.yml reads ${appDbVars.map((v) => v.name).join(', ')}; railyard's database.yml reads ${DATABASE_KEYS.join(', ')}` });
  add({ above: dbAbove, node: object([{ key: 'name', node: scalar(secretName('db-credentials')) }, { key: 'keys', node: scalars(DATABASE_KEYS) }, { key: 'usedBy', node: usedBy(appRoles) }]), source: db ? where(db.source) : 'railyard’s database.yml' });
  add({ above: ["the database server's CA certificate, mounted as a file: railyard's database.yml verifies the server against it"], node: object([{ key: 'name', node: scalar('mysql-ca-cert') }, { key: 'keys', node: scalars(['ca-cert.pem']) }, { key: 'usedBy', node: usedBy(appRoles) }, { key: 'mount', node: scalar('volume') }]), source: 'railyard default (database.caSecret)' });

  const credentials = ['config/credentials.yml.enc', 'config/credentials/production.yml.enc'].find((p) => src.present.has(p) || src.files.has(p));
  if (credentials) {
    taken.add('RAILS_MASTER_KEY');
    add({ node: object([{ key: 'name', node: scalar(secretName('master-key')) }, { key: 'keys', node: scalars(['RAILS_MASTER_KEY']) }, { key: 'usedBy', node: usedBy(appRoles) }]), source: `${credentials} (encrypted credentials need the master key)` });
  } else {
    taken.add('SECRET_KEY_BASE');
    add({ node: object([{ key: 'name', node: scalar(secretName('secret-key-base')) }, { key: 'keys', node: scalars(['SECRET_KEY_BASE']) }, { key: 'usedBy', node: usedBy(appRoles) }]), source: 'no encrypted credentials: Rails needs SECRET_KEY_BASE in production' });
  }
  if (kafkaKeys.length) add({ node: object([{ key: 'name', node: scalar(kafkaSecret) }, { key: 'keys', node: scalars(kafkaKeys) }, { key: 'usedBy', node: usedBy(['consumers']) }]), source: 'the consumers’ credentials (app/consumers)' });

  const groups = groupSecrets(uses.filter((u) => !taken.has(u.name)));
  if (groups.length) todos.push({ source: { file: 'config' }, message: `${groups.length} secret${groups.length === 1 ? '' : 's'} grouped from the ENV names config/ reads: check the grouping and who reads each (usedBy)` });
  for (const g of groups) {
    const first = g.uses[0]!;
    add({
      above: [`TODO: read in ${[...new Set(g.uses.map((u) => `${u.file}:${u.line}`))].slice(0, 4).join(', ')}${g.uses.length > 4 ? ', …' : ''}; check the grouping and who reads it`],
      node: object([{ key: 'name', node: scalar(secretName(g.prefix)) }, { key: 'keys', node: scalars(g.keys) }, { key: 'usedBy', node: usedBy(appRoles) }]),
      source: `ENV names by prefix (${first.file}:${first.line})`,
    });
  }
  return { entries, count };
}
