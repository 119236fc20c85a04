// `railyard init` as a user runs it: a real CLI process on a copy of the Rails
// fixture app with a schedule.rb, a Procfile and Capistrano files laid over it
// (test/fixtures/import/app), then `railyard synth` and `railyard check` on what
// it wrote. Bad input stops it: exit 2, the file and line named, nothing written.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { railyard, requireWhenever } from './support.js';

const FIXTURE = resolve('test/fixtures/rails-app');
const OVERLAY = resolve('test/fixtures/import/app');
let root: string;

beforeAll(() => {
  requireWhenever();
  root = mkdtempSync(join(tmpdir(), 'railyard-init-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh copy of the fixture app with the import overlay, and `files` laid over it. */
function app(files: Record<string, string | Buffer | null> = {}): string {
  const dir = join(root, `app-${n++}`);
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !/\/(Gemfile\.lock|log|tmp|\.bundle)$/.test(src) || src.startsWith(OVERLAY) });
  cpSync(OVERLAY, dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    if (content === null) rmSync(join(dir, path), { force: true });
    else {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  }
  return dir;
}

/** The job lines whenever itself prints for the app's schedule.rb. */
function wheneverLines(dir: string): string[] {
  const r = spawnSync('whenever', [], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => /^[0-9*@]/.test(l));
}

const listFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('railyard init on the Rails fixture app', () => {
  it('writes a config that synth renders and check passes, with a CronJob for every schedule line', () => {
    const dir = app();
    const r = railyard(['init', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress off a terminal
    const config = join(dir, 'railyard.config.ts');
    expect(r.stdout).toMatch(/^wrote .*railyard\.config\.ts: 8 CronJobs, 1 worker, 2 consumers, 6 secrets$/m);
    expect(r.stdout).toMatch(/TODOs \(also in the file, where each belongs\):/);

    const out = join(root, `out-${n++}`);
    const synth = railyard(['synth', config, '--out', out, '--image-tag', 'init0001', '--quiet']);
    expect(synth.code, synth.stderr).toBe(0);
    const cronjobs = readdirSync(join(out, 'k8s/cronjobs'));
    expect(cronjobs).toHaveLength(wheneverLines(dir).length);
    const schedules = cronjobs.map((f) => (parse(readFileSync(join(out, 'k8s/cronjobs', f), 'utf8')) as { spec: { schedule: string } }).spec.schedule).sort();
    expect(schedules).toEqual(wheneverLines(dir).map((l) => l.split(/\s+/).slice(0, 5).join(' ')).sort());

    const check = railyard(['check', config]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^0 errors, /m);
    // The Dockerfile has no node-deps stage: the fixture has no JavaScript.
    expect(readFileSync(join(out, 'Dockerfile'), 'utf8')).not.toMatch(/node-deps/);
  });

  it('maps each source as the fixture says', async () => {
    const dir = app();
    expect(railyard(['init', dir, '--time-zone', 'Europe/Amsterdam']).code).toBe(0);
    const { app: cfg } = await loadConfig(join(dir, 'railyard.config.ts'));
    expect(cfg.name).toBe('rails-app');
    expect(cfg.image.base).toBe('ruby:3.1.2');
    expect(cfg.image.node).toBe('none');
    expect(cfg.web.command).toEqual(['bundle', 'exec', 'puma', '-C', 'config/puma.rb']);
    expect(cfg.web.port).toBe(3000);
    expect(cfg.web.threads).toEqual({ min: 5, max: 5 });
    expect(cfg.migrate.command).toEqual(['bundle', 'exec', 'rails', 'db:migrate']);
    // Capistrano's production pools win over deploy.rb's workers and the Procfile's line.
    expect(Object.keys(cfg.workers)).toEqual(['delayed-job']);
    expect(cfg.workers['delayed-job']!.pools).toEqual([
      { queues: ['mail'], count: 1 },
      { queues: ['inbound', 'outbound'], count: 2 },
      { queues: ['*'], count: 1 },
    ]);
    expect(Object.values(cfg.consumers).map((c) => [c.consumerClass, c.healthPort])).toEqual([
      ['Kafka::StatusUpdateConsumer', 3002],
      ['NewDocumentConsumer', 3003],
    ]);
    expect(cfg.cron.defaults.timeZone).toBe('Europe/Amsterdam');
    expect(cfg.cron.tasks.find((t) => t.command === 'bundle exec rake reports:daily')).toMatchObject({ name: 'reports-daily', schedule: '30 4 * * *' });
    expect(cfg.cron.tasks.filter((t) => t.command.includes('Fixture::Cleanup')).map((t) => t.schedule).sort()).toEqual(['0 12 * * 2,4', '45 18 * * 2,4']);
    expect(cfg.secrets.map((s) => s.name)).toEqual(['rails-app-db-credentials', 'mysql-ca-cert', 'rails-app-master-key', 'rails-app-kafka-credentials', 'rails-app-aws', 'rails-app-env']);
    expect(cfg.secrets.find((s) => s.name === 'rails-app-aws')!.keys).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
  });

  it('copies the path gems inside the app into the image, and makes one outside it a TODO', async () => {
    const lock = readFileSync(join(OVERLAY, 'Gemfile.lock'), 'utf8');
    const paths = 'PATH\n  remote: .\n  specs:\n    rails-app (0.1.0)\n\nPATH\n  remote: vendor/gems/billing\n  specs:\n    billing (2.0.0)\n\nPATH\n  remote: ../shared-gems/audit\n  specs:\n    audit (1.0.0)\n\n';
    const dir = app({ 'Gemfile.lock': paths + lock });
    const r = railyard(['init', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Gemfile\.lock:12: the path gem at \.\.\/shared-gems\/audit is outside the app/);
    const { app: cfg } = await loadConfig(join(dir, 'railyard.config.ts'));
    expect(cfg.image.pathGems).toEqual(['vendor/gems/billing']);
    expect(readFileSync(join(dir, 'railyard.config.ts'), 'utf8')).toMatch(/pathGems: \[\s*'vendor\/gems\/billing', \/\/ Gemfile\.lock:7/);
    const out = join(root, `out-${n++}`);
    expect(railyard(['synth', join(dir, 'railyard.config.ts'), '--out', out, '--image-tag', 'init0002', '--quiet']).code).toBe(0);
    expect(readFileSync(join(out, 'Dockerfile'), 'utf8')).toContain('COPY Gemfile Gemfile.lock ./\n# The path gems: bundle install reads their gemspecs. COPY . . brings them again for run time.\nCOPY vendor/gems/billing ./vendor/gems/billing/\n');
  });

  it('names a source for every value it writes', () => {
    const dir = app();
    expect(railyard(['init', dir]).code).toBe(0);
    const text = readFileSync(join(dir, 'railyard.config.ts'), 'utf8');
    expect(text).toMatch(/name: 'reports-daily', schedule: '30 4 \* \* \*', command: 'bundle exec rake reports:daily' \}, \/\/ config\/schedule\.rb:6$/m);
    expect(text).toMatch(/pools: '--pool=mail:1 --pool=inbound,outbound:2 --pool=\*:1', \/\/ config\/deploy\/production\.rb:2$/m);
    expect(text).toMatch(/port: 3000, \/\/ config\/puma\.rb:5$/m);
    // A value line either names its source itself, or sits in an object whose closing line does.
    const lines = text.split('\n');
    const open: { line: number; sourced: boolean }[] = [];
    const unsourced: string[] = [];
    const pending: number[][] = [[]];
    lines.forEach((l, i) => {
      const code = l.replace(/\s*\/\/.*$/, '');
      if (/^\s*\/\//.test(l) || code.trim() === '' || /^import /.test(code.trim())) return;
      if (/[{[]$/.test(code)) {
        open.push({ line: i, sourced: false });
        pending.push([]);
        return;
      }
      if (/^\s*[}\]],?$/.test(code) || /^\s*[}\]]\);$/.test(code)) {
        const mine = pending.pop()!;
        open.pop();
        if (!/\/\/ /.test(l)) pending[pending.length - 1]!.push(...mine);
        return;
      }
      if (!/\/\/ /.test(l)) pending[pending.length - 1]!.push(i);
    });
    for (const i of pending.flat()) unsourced.push(`${i + 1}: ${lines[i]}`);
    expect(unsourced).toEqual([]);
  });

  it('writes the same config as YAML', async () => {
    const dir = app();
    expect(railyard(['init', dir]).code).toBe(0);
    const r = railyard(['init', dir, '--format', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    const ts = await loadConfig(join(dir, 'railyard.config.ts'));
    const yaml = await loadConfig(join(dir, 'railyard.config.yaml'));
    expect(yaml.app).toEqual(ts.app);
    expect(readFileSync(join(dir, 'railyard.config.yaml'), 'utf8')).toMatch(/- \{ name: reports-daily, schedule: "30 4 \* \* \*", command: "bundle exec rake reports:daily" \} # config\/schedule\.rb:6$/m);
  });

  it('takes --out DIR as DIR/railyard.config.ts, and --out FILE.yaml as YAML', () => {
    const dir = app();
    const outDir = mkdtempSync(join(root, 'outdir-'));
    expect(railyard(['init', dir, '--out', outDir]).code).toBe(0);
    expect(readFileSync(join(outDir, 'railyard.config.ts'), 'utf8')).toMatch(/defineApp\(/);
    expect(railyard(['init', dir, '--out', join(outDir, 'shop.yaml')]).code).toBe(0);
    expect(readFileSync(join(outDir, 'shop.yaml'), 'utf8')).toMatch(/^name: rails-app /m);
    expect(existsSync(join(dir, 'railyard.config.ts'))).toBe(false);
  });

  it('never overwrites a config without --force', () => {
    const dir = app({ 'railyard.config.ts': '// mine\n' });
    const r = railyard(['init', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/railyard\.config\.ts exists; pass --force to overwrite it/);
    expect(readFileSync(join(dir, 'railyard.config.ts'), 'utf8')).toBe('// mine\n');
    const forced = railyard(['init', dir, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'railyard.config.ts'), 'utf8')).toMatch(/defineApp\(/);
  });

  it('reads a crontab from stdin instead of running whenever: @reboot, MAILTO, cd, % and day 7 become TODOs or notes', async () => {
    const dir = app({ 'config/schedule.rb': null });
    const crontab = [
      '# m h dom mon dow command',
      'PATH=/usr/local/bin:/usr/bin:/bin',
      '0 3 * * * cd /srv/shop/current && RAILS_ENV=production bundle exec rake nightly:export >> /var/log/export.log 2>&1',
      '*/15 * * * * /srv/shop/current/bin/poll',
      '@reboot /srv/shop/current/bin/warmup',
      '0 0 * * 7 bundle exec rake weekly:report',
      '5 0 * * * date +%Y-%m-%d > /tmp/today',
      'MAILTO=ops@example.com',
      '30 1 * * * bundle exec rake mailing:digest',
      '',
    ].join('\n');
    const r = railyard(['init', dir, '--crontab', '-', '--format', 'yaml'], { input: crontab });
    expect(r.code, r.stderr).toBe(0);
    const { app: cfg } = await loadConfig(join(dir, 'railyard.config.yaml'));
    expect(cfg.cron.tasks.map((t) => [t.schedule, t.command])).toEqual([
      ['0 3 * * *', 'bundle exec rake nightly:export'],
      ['*/15 * * * *', '/srv/shop/current/bin/poll'],
    ]);
    expect(r.stdout).toMatch(/<stdin>:5: runs at boot \(@reboot\)/);
    expect(r.stdout).toMatch(/<stdin>:6: the API server refuses the schedule "0 0 \* \* 7".*write 0/);
    expect(r.stdout).toMatch(/<stdin>:7: the command has an unescaped "%"/);
    expect(r.stdout).toMatch(/<stdin>:9: cron mails this job's output to ops@example\.com/);
    expect(r.stdout).toMatch(/<stdin>:2: the crontab sets PATH=/);
    const text = readFileSync(join(dir, 'railyard.config.yaml'), 'utf8');
    expect(text).toMatch(/^ {4}# - \{ name: weekly-report, schedule: "0 0 \* \* 7", command: "bundle exec rake weekly:report" \} # <stdin>:6$/m);
    expect(text).toMatch(/"cd \/srv\/shop\/current" dropped/);
  });
});

describe('bad input: exit 2, the file and line named, nothing written', () => {
  const expectNothingWritten = (dir: string, before: string[]) => {
    expect(existsSync(join(dir, 'railyard.config.ts'))).toBe(false);
    expect(listFiles(dir)).toEqual(before);
  };
  const cases: [string, Record<string, string | Buffer>, RegExp][] = [
    ['a schedule.rb that raises', { 'config/schedule.rb': 'every 1.day do\n  rake "a:b"\nend\nraise "schedule is broken"\n' }, /^error: config\/schedule\.rb:4: whenever failed: schedule is broken \(RuntimeError\)$/m],
    ['a schedule.rb that calls what does not exist', { 'config/schedule.rb': 'every 1.day do\n  rake "a:b"\nend\n\nevry 2.days do\n  rake "c"\nend\n' }, /^error: config\/schedule\.rb:5: whenever failed: undefined method `evry'/m],
    ['a schedule.rb whenever cannot translate (2.years)', { 'config/schedule.rb': 'every 1.day do\n  rake "a:b"\nend\n\nevery 2.years do\n  rake "c"\nend\n' }, /^error: config\/schedule\.rb:5: whenever failed: Couldn't parse: 63115200 \(ArgumentError\)$/m],
    ['a schedule.rb with a syntax error', { 'config/schedule.rb': 'every 1.day do\n  rake "a:b"\n' }, /^error: config\/schedule\.rb:2: whenever failed: .*syntax error/m],
    ['a Procfile with garbage', { Procfile: 'web: bundle exec puma -C config/puma.rb\nthis is not a process line\nworker: bundle exec rake jobs:work\n' }, /^error: Procfile:2: not a Procfile line: "this is not a process line"/m],
    ['a Procfile with a binary line', { Procfile: Buffer.from('web: puma\n\u0000\u0001\u0002garbage\n') }, /^error: Procfile:2: not a text file/m],
    ['a Procfile with a bad pool', { Procfile: 'web: puma\nworker: bin/delayed_job run --pool=mail:0\n' }, /^error: Procfile:2: delayed_job options do not parse: .*process count 0/m],
    ['a database.yml that is not YAML', { 'config/database.yml': 'production:\n  adapter: mysql2\n  pool: [5, 6\n  host: x\n' }, /^error: config\/database\.yml:\d: not valid YAML/m],
    ['a database.yml with an unclosed ERB tag', { 'config/database.yml': 'production:\n  adapter: mysql2\n  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 }\n' }, /^error: config\/database\.yml:3: an ERB tag "<%" is never closed/m],
    ['a database.yml that is not UTF-8', { 'config/database.yml': Buffer.concat([Buffer.from('production:\n  adapter: mysql2\n  password: '), Buffer.from([0xff, 0xfe, 0x0a])]) }, /^error: config\/database\.yml:3: not valid UTF-8$/m],
    ['a Gemfile.lock that is not one', { 'Gemfile.lock': 'hello world\nGEM\n' }, /^error: Gemfile\.lock:1: not a Gemfile\.lock/m],
  ];
  it.each(cases)('%s', (_what, files, message) => {
    const dir = app(files);
    const before = listFiles(dir);
    const r = railyard(['init', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^nothing was written$/m);
    expect(r.stdout).toBe('');
    expectNothingWritten(dir, before);
  });

  it('names every bad file at once', () => {
    const dir = app({ Procfile: 'garbage\n', 'config/database.yml': 'production: [\n' });
    const r = railyard(['init', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Procfile:1: /m);
    expect(r.stderr).toMatch(/^error: config\/database\.yml:\d+: /m);
  });

  it('refuses a crontab line that is not one, and a bad --time-zone or --format', () => {
    const dir = app();
    const before = listFiles(dir);
    let r = railyard(['init', dir, '--crontab', '-'], { input: '0 3 * * * ok\nnot a line at all\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: <stdin>:2: not a crontab line/m);
    r = railyard(['init', dir, '--time-zone', 'Mars/Olympus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--time-zone: "Mars\/Olympus" is not a known IANA time zone/);
    r = railyard(['init', dir, '--format', 'json']);
    expect(r.code).toBe(2);
    expectNothingWritten(dir, before);
  });

  it('says how to get whenever when none runs', () => {
    const dir = app();
    const before = listFiles(dir);
    const empty = mkdtempSync(join(root, 'path-'));
    const r = railyard(['init', dir], { env: { PATH: empty } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: config\/schedule\.rb: whenever is needed to translate it and none ran \(.*whenever: not found\); install whenever .* or pass --crontab FILE$/m);
    expectNothingWritten(dir, before);
  });

  it('stops at an unreadable file', () => {
    // root reads anything: make the path a folder instead
    const dir = app({ 'config/database.yml': null });
    mkdirSync(join(dir, 'config/database.yml'));
    const r = railyard(['init', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: config\/database\.yml: is a folder, not a file$/m);
    chmodSync(join(dir, 'config/database.yml'), 0o755);
  });
});

describe('progress', () => {
  it('shows on a terminal (stderr), and never in the file or on stdout', () => {
    const dir = app();
    // script(1) gives the CLI a pseudo-terminal.
    const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} bin/railyard.js init ${JSON.stringify(dir)}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm', NO_COLOR: '1' } });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/running whenever on config\/schedule\.rb…/);
    expect(r.stdout).toMatch(/wrote .*railyard\.config\.ts/);
    expect(readFileSync(join(dir, 'railyard.config.ts'), 'utf8')).not.toMatch(/…\r|\u001b/);
  });
});
