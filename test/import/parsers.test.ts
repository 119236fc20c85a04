// The importer's pure parsers, one source at a time, and the writer of the config.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { parseProcfile } from '../../src/import/procfile.js';
import { delayedJobPools } from '../../src/import/delayed-job.js';
import { capistranoPools, parseCapistrano } from '../../src/import/capistrano.js';
import { readRubyLiteral } from '../../src/import/ruby-literal.js';
import { parseDatabaseYml, stripErb } from '../../src/import/database-yml.js';
import { parsePuma } from '../../src/import/puma.js';
import { parseConsumers } from '../../src/import/racecar.js';
import { parseGemfileLock, parseRubyVersionFile } from '../../src/import/gemfile-lock.js';
import { findEnvNames, groupSecrets } from '../../src/import/secrets.js';
import { slug, uniqueNames } from '../../src/import/names.js';
import { parseCrontab } from '../../src/import/crontab.js';
import { parseWheneverReport, wheneverFailure } from '../../src/import/whenever.js';
import { array, emitTs, emitYaml, object, plain, scalar, type Entry, type Node } from '../../src/import/emit.js';
import { ImportError } from '../../src/import/types.js';

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof ImportError) return e.message;
    throw e;
  }
  throw new Error('no ImportError');
};

describe('Procfile', () => {
  it('reads web, release, delayed_job and racecar lines; the rest is unknown', () => {
    const ps = parseProcfile(
      [
        '# comment',
        'web: bundle exec rails server -p ${PORT:-4000} -b 0.0.0.0',
        'release: bin/rails db:migrate',
        'worker: QUEUES=mail,sms bundle exec rake jobs:work',
        'jobs: bundle exec rake jobs:work QUEUE=reports',
        'dj: bin/delayed_job run --pool=mail:2 --pool=*:1 --sleep-delay 5',
        'djq: script/delayed_job start --queues=a,b -n 3',
        'kafka: bundle exec racecar Kafka::FooConsumer',
        'sidekiq: bundle exec sidekiq',
        '',
      ].join('\n'),
      'Procfile',
    );
    const by = Object.fromEntries(ps.map((p) => [p.name, p]));
    expect(by.web).toMatchObject({ kind: 'web', port: 4000, argv: ['bash', '-c', 'exec bundle exec rails server -p ${PORT:-4000} -b 0.0.0.0'], source: { file: 'Procfile', line: 2 } });
    expect(by.release).toMatchObject({ kind: 'release', argv: ['bin/rails', 'db:migrate'] });
    expect(by.worker!.pools).toEqual([{ queues: ['mail', 'sms'], count: 1 }]);
    expect(by.jobs!.pools).toEqual([{ queues: ['reports'], count: 1 }]);
    expect(by.dj!.pools).toEqual([
      { queues: ['mail'], count: 2 },
      { queues: ['*'], count: 1 },
    ]);
    expect(by.dj!.notes.join()).toMatch(/--sleep-delay/);
    expect(by.djq!.pools).toEqual([{ queues: ['a', 'b'], count: 3 }]);
    expect(by.kafka).toMatchObject({ kind: 'racecar', consumerClass: 'Kafka::FooConsumer' });
    expect(by.sidekiq!.kind).toBe('unknown');
  });

  it('refuses garbage, duplicates and empty commands, naming each line', () => {
    expect(errorOf(() => parseProcfile('web: puma\n  indented garbage\nweb: other\nworker:\n', 'Procfile'))).toBe(
      ['Procfile:2: not a Procfile line: "indented garbage" (expected "name: command")', 'Procfile:3: process "web" is also defined on line 1', 'Procfile:4: process "worker" has no command'].join('\n'),
    );
  });
});

describe('delayed_job command lines', () => {
  it('takes --pool over --queues and -n, as delayed_job does', () => {
    expect(delayedJobPools(['bin/delayed_job', '--pool=a,b:2', '--queues=c', '-n', '4']).pools).toEqual([{ queues: ['a', 'b'], count: 2 }]);
    expect(delayedJobPools(['bin/delayed_job', '-n4', '--queue=c']).pools).toEqual([{ queues: ['c'], count: 4 }]);
    expect(delayedJobPools(['bundle', 'exec', 'bin/delayed_job', 'run', '--number_of_workers=2']).pools).toEqual([{ queues: ['*'], count: 2 }]);
    expect(delayedJobPools(['QUEUE=x', 'rake', 'jobs:work', 'MIN_PRIORITY=1']).dropped).toEqual(['MIN_PRIORITY=1']);
  });
});

describe('Capistrano', () => {
  it('reads delayed_job_pools as a Ruby hash in its spellings, the stage over deploy.rb', () => {
    const base = parseCapistrano('set :delayed_job_workers, 3\nset :delayed_job_queues, %w[a b]\n', 'config/deploy.rb');
    expect(capistranoPools([base]).pools).toEqual([{ queues: ['a', 'b'], count: 3 }]);
    const stage = parseCapistrano(
      ['set(:delayed_job_pools, {', '  :mailer => 2,   # mail', "  'tweet,dm' => 1,", '  nil => 1,', '  low: 4,', '  "*": 2', '})'].join('\n'),
      'config/deploy/production.rb',
    );
    const w = capistranoPools([base, stage]);
    expect(w.pools).toEqual([
      { queues: ['mailer'], count: 2 },
      { queues: ['tweet', 'dm'], count: 1 },
      { queues: ['*'], count: 1 },
      { queues: ['low'], count: 4 },
      { queues: ['*'], count: 2 },
    ]);
    expect(w.sources).toEqual([{ file: 'config/deploy/production.rb', line: 1 }]);
  });

  it('reads delayed_job_args, and says when a value is not a literal', () => {
    expect(capistranoPools([parseCapistrano('set :delayed_job_args, "-n 2 --queues=x,y"', 'd.rb')]).pools).toEqual([{ queues: ['x', 'y'], count: 2 }]);
    const lambda = capistranoPools([parseCapistrano('set :foo, 1\n\nset :delayed_job_pools, -> { fetch(:pools) }\n', 'd.rb')]);
    expect(lambda.pools).toBeUndefined();
    expect(lambda.todos[0]).toMatchObject({ source: { file: 'd.rb', line: 3 }, message: expect.stringMatching(/not a literal/) });
    const interpolated = capistranoPools([parseCapistrano('set :delayed_job_args, "-n #{n}"', 'd.rb')]);
    expect(interpolated.todos[0]!.message).toMatch(/interpolation/);
  });

  it('reads Ruby literals', () => {
    expect(readRubyLiteral(`{ "a" => [1, :b, nil, true], c: 'd\\'e', :* => -2 }`, 0).value).toEqual({
      hash: [
        ['a', [1, { symbol: 'b' }, null, true]],
        [{ symbol: 'c' }, "d'e"],
        [{ symbol: '*' }, -2],
      ],
    });
  });
});

describe('database.yml', () => {
  const yml = [
    'default: &default',
    '  adapter: mysql2',
    '  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 8 } %>',
    '  password: "<%= ENV[\'DB_PASSWORD\'] %>"',
    '<% if ENV["REPLICA"] %>',
    '  replica: true',
    '<% end %>',
    'production:',
    '  <<: *default',
    '  host: <%= ENV.fetch("DB_HOST", "db") %>',
  ].join('\n');

  it('recognizes ERB without evaluating it, and keeps every line where it was', () => {
    const { yaml, expressions } = stripErb(yml, 'config/database.yml');
    expect(yaml.split('\n')).toHaveLength(yml.split('\n').length);
    expect(expressions.map((e) => [e.line, e.env, e.fallback])).toEqual([
      [3, ['RAILS_MAX_THREADS'], '8'],
      [4, ['DB_PASSWORD'], undefined],
      [10, ['DB_HOST'], 'db'],
    ]);
  });

  it('reads the production section through merge keys: adapter, pool and the variables', () => {
    const db = parseDatabaseYml(yml, 'config/database.yml', 'production');
    expect(db.adapter).toEqual({ value: 'mysql2', line: 2 });
    expect(db.pool).toMatchObject({ value: 8, erb: { env: ['RAILS_MAX_THREADS'] } });
    expect(db.env.map((e) => e.name).sort()).toEqual(['DB_HOST', 'DB_PASSWORD', 'RAILS_MAX_THREADS']);
    expect(db.source).toEqual({ file: 'config/database.yml', line: 8 });
  });

  it('takes the primary of a multi-database config and the adapter of a url', () => {
    const multi = parseDatabaseYml('production:\n  primary:\n    adapter: postgresql\n    pool: 10\n  cache:\n    adapter: postgresql\n', 'd.yml', 'production');
    expect(multi).toMatchObject({ adapter: { value: 'postgresql' }, pool: { value: 10 }, others: ['cache'] });
    const url = parseDatabaseYml('production:\n  url: <%= ENV.fetch("DATABASE_URL", "mysql://x/y") %>\n', 'd.yml', 'production');
    expect(url.adapter!.value).toBe('mysql2');
  });

  it('names the line of bad YAML', () => {
    expect(errorOf(() => parseDatabaseYml('production:\n  adapter: mysql2\n  pool: 5\n pool: 6\n', 'config/database.yml', 'production'))).toMatch(/^config\/database\.yml:4: not valid YAML/);
  });
});

describe('puma.rb', () => {
  it('follows Rails’ generated ENV.fetch variables to their fallbacks', () => {
    const p = parsePuma(
      ['max_threads_count = ENV.fetch("RAILS_MAX_THREADS") { 16 }', 'min_threads_count = ENV.fetch("RAILS_MIN_THREADS") { max_threads_count }', 'threads min_threads_count, max_threads_count', '# port 9999', 'port        ENV.fetch("PORT") { 3100 }', 'workers Integer(ENV.fetch("WEB_CONCURRENCY", 4))'].join('\n'),
      'config/puma.rb',
    );
    expect(p).toEqual({ threads: { min: 16, max: 16, line: 3 }, port: { value: 3100, line: 5 }, workers: { value: 4, code: 'Integer(ENV.fetch("WEB_CONCURRENCY", 4))', line: 6 } });
    expect(parsePuma('threads 1, 5\n', 'p.rb').threads).toEqual({ min: 1, max: 5, line: 1 });
  });
});

describe('racecar consumers', () => {
  it('finds Racecar::Consumer classes with their full names and topics', () => {
    const cs = parseConsumers(
      ['module Kafka', '  module Consumers', '    class Base; end', '    class FooConsumer < Racecar::Consumer', '      subscribes_to "a", "b", start_from_beginning: false', '      def process(m)', '        if m', '          x', '        end', '      end', '    end', '  end', 'end', 'class ::BarConsumer < Racecar::Consumer', '  subscribes_to :c', 'end', 'class NotOne < Base', 'end'].join('\n'),
      'app/consumers/x.rb',
    );
    expect(cs.map((c) => [c.className, c.topics, c.source.line])).toEqual([
      ['Kafka::Consumers::FooConsumer', ['a', 'b'], 4],
      ['BarConsumer', ['c'], 14],
    ]);
  });
});

describe('Gemfile.lock and .ruby-version', () => {
  it('reads versions and the Ruby version; refuses what is not a lockfile', () => {
    const lock = parseGemfileLock('GEM\n  remote: https://rubygems.org/\n  specs:\n    rails (7.1.3)\n      actionpack (= 7.1.3)\n    nokogiri (1.16.0-x86_64-linux)\n\nRUBY VERSION\n   ruby 3.3.0p0\n\nBUNDLED WITH\n   2.5.3\n');
    expect(lock.gems.get('rails')).toEqual({ version: '7.1.3', line: 4 });
    expect(lock.gems.get('nokogiri')!.version).toBe('1.16.0');
    expect(lock.gems.has('actionpack')).toBe(false);
    expect(lock.ruby).toEqual({ version: '3.3.0', line: 9 });
    expect(lock.bundler).toBe('2.5.3');
    expect(errorOf(() => parseGemfileLock('GEM\n<<<<<<< HEAD\n'))).toMatch(/Gemfile\.lock:2: has an unresolved merge conflict/);
    expect(parseRubyVersionFile('ruby-3.2.2\n')).toBe('3.2.2');
  });

  it('lists each PATH section’s remote, with its line, and no GEM or GIT remote', () => {
    const lock = parseGemfileLock('GIT\n  remote: https://example.com/x.git\n  specs:\n    x (1.0)\n\nPATH\n  remote: .\n  specs:\n    app (0.1)\n\nPATH\n  remote: vendor/gems/billing\n  specs:\n    billing (2.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n');
    expect(lock.paths).toEqual([
      { remote: '.', line: 7 },
      { remote: 'vendor/gems/billing', line: 12 },
    ]);
    expect(lock.gems.get('billing')).toEqual({ version: '2.0', line: 14 });
  });
});

describe('secrets', () => {
  it('finds ENV names and groups them by prefix, leaving out what railyard and Rails set', () => {
    const uses = findEnvNames('a = ENV["AWS_KEY"]\nb = ENV.fetch(\'AWS_SECRET\', nil)\nc = ENV["RAILS_MAX_THREADS"]\nd = ENV["SENTRY_DSN"]\ne = ENV[\'TOKEN\']\n', 'config/x.rb');
    expect(uses.map((u) => [u.name, u.line])).toEqual([
      ['AWS_KEY', 1],
      ['AWS_SECRET', 2],
      ['RAILS_MAX_THREADS', 3],
      ['SENTRY_DSN', 4],
      ['TOKEN', 5],
    ]);
    expect(groupSecrets(uses).map((g) => [g.prefix, g.keys])).toEqual([
      ['aws', ['AWS_KEY', 'AWS_SECRET']],
      ['env', ['SENTRY_DSN', 'TOKEN']],
    ]);
  });
});

describe('names', () => {
  it('slugs task names and keeps them unique, short and stable', () => {
    expect(slug('InvoiceAnalyzerJob.perform_later')).toBe('invoice-analyzer-job-perform-later');
    expect(slug('HTTPClient::Sync')).toBe('http-client-sync');
    const names = uniqueNames(['a:b', 'a-b', 'x'.repeat(80)], (t) => slug(t), (t) => t, 52);
    expect(names[0]).not.toBe(names[1]);
    expect(names.every((n) => n.length <= 52 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))).toBe(true);
    // Adding an item renames no other.
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}:[a-z]{1,3}$/), { minLength: 1, maxLength: 12 }), fc.stringMatching(/^[a-z]{1,3}:[a-z]{1,3}$/), (tasks, extra) => {
        fc.pre(!tasks.includes(extra));
        const before = uniqueNames(tasks, slug, (t) => t, 52);
        const after = uniqueNames([...tasks, extra], slug, (t) => t, 52);
        expect(new Set(after).size).toBe(after.length);
        tasks.forEach((t, i) => {
          if (slug(t) !== slug(extra)) expect(after[i]).toBe(before[i]);
        });
      }),
    );
  });
});

describe('crontab', () => {
  it('unwraps whenever’s lines without the hook: job template, cd, RAILS_ENV, --silent, redirection', () => {
    const c = parseCrontab(
      [
        "0 4 * * * /bin/bash -l -c 'cd /srv/app\\ x && RAILS_ENV=production bundle exec rake a:b --silent >> log/cron.log 2>&1'",
        "0 * * * * /bin/bash -l -c 'cd /srv/app && bundle exec bin/rails runner -e staging '\\''Foo.new(\"it'\\''\\'\\'''\\''s\").call'\\'''",
        '@daily cd /srv/app && RAILS_ENV=production script/cleanup > /dev/null 2>&1',
        '*/5 * * * * /usr/bin/env bash -c \'echo 50\\% done\'',
      ].join('\n'),
      { file: 'crontab' },
    );
    expect(c.lines.map((l) => [l.kind, l.schedule, l.command, l.environment])).toEqual([
      ['rake', '0 4 * * *', 'bundle exec rake a:b', 'production'],
      ['runner', '0 * * * *', `bundle exec bin/rails runner 'Foo.new("it'\\''s").call'`, 'staging'],
      ['script', '@daily', 'script/cleanup', 'production'],
      ['command', '*/5 * * * *', 'echo 50% done', undefined],
    ]);
    expect(c.lines[1]!.task).toBe(`Foo.new("it's").call`);
  });

  it('with the hook, knows each job’s line and template; an unknown template or job_template is a TODO', () => {
    const out = "/bin/bash -l -c '/opt/tool x'";
    const c = parseCrontab(`0 1 * * * ${out}\n0 2 * * * /bin/zsh -c 'echo'\n`, {
      file: 'whenever',
      scheduleFile: 'config/schedule.rb',
      jobs: [
        { line: 7, everyLine: 6, every: '86400', task: 'x', template: '/opt/tool :task', jobTemplate: "/bin/bash -l -c ':job'", mailto: null, environment: 'production', environmentVariable: 'RAILS_ENV', redirect: '', output: out },
        { line: 9, everyLine: 8, every: '86400', task: 'echo', template: ':task :output', jobTemplate: "/bin/zsh -c ':job'", mailto: null, environment: 'production', environmentVariable: 'RAILS_ENV', redirect: '', output: "/bin/zsh -c 'echo'" },
      ],
    });
    expect(c.lines.map((l) => [l.source, l.todo?.replace(/".*"/, '…')])).toEqual([
      [{ file: 'config/schedule.rb', line: 7 }, expect.stringMatching(/^its job type's template … is not one railyard knows/)],
      [{ file: 'config/schedule.rb', line: 9 }, expect.stringMatching(/^its job_template … is not one railyard knows/)],
    ]);
  });

  it('reads the hook’s report and turns a failure into a line', () => {
    const r = parseWheneverReport('{"loaded":"1.0.0"}\nnot json\n{"error":"Couldn\'t parse: 63115200","class":"ArgumentError","line":12}\n');
    expect(r).toMatchObject({ loaded: true, version: '1.0.0', error: { line: 12 } });
    expect(wheneverFailure('config/schedule.rb', '', r)).toEqual({ line: 12, message: "whenever failed: Couldn't parse: 63115200 (ArgumentError)" });
    expect(wheneverFailure('config/schedule.rb', "config/schedule.rb:3:in `block': boom (RuntimeError)\n\tfrom x", undefined)).toEqual({ line: 3, message: 'whenever failed: boom (RuntimeError)' });
  });
});

describe('the config writer', () => {
  // Strings that break naive quoting in TS or YAML.
  const nasty = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom("it's", 'a "b"', 'x # y', 'x // y', 'line\nbreak', '\u2028', 'true', 'null', '- x', ': x', '@reboot', '*/5 * * * *', '${x}', '`x`', '\\', 'yes', '0x10', '1e3', ''));
  const leaf = fc.oneof(nasty.map(scalar), fc.integer().map(scalar), fc.boolean().map(scalar));
  const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.uniqueArray(fc.tuple(nasty, tie('node'), fc.option(nasty), fc.boolean()), { selector: (e) => e[0], maxLength: 4 }), fc.boolean()).map(([es, inline]) => object(es.map(([key, node, comment, draft]): Entry => ({ key, node, ...(comment !== null ? { source: comment, above: [comment] } : {}), ...(draft ? { draft } : {}) })), inline)),
      fc.tuple(fc.array(fc.tuple(tie('node'), fc.option(nasty)), { maxLength: 4 }), fc.boolean()).map(([items, inline]) => array(items.map(([node, comment]): Entry => ({ node, ...(comment !== null ? { source: comment } : {}) })), inline)),
    ),
  })).node;
  const root = fc.uniqueArray(fc.tuple(nasty, tree), { selector: (e) => e[0], maxLength: 5 }).map((es) => object(es.map(([key, node]) => ({ key, node }))));

  it('keeps a `__proto__` key a member in TS, YAML and plain (fast-check seed 1060522307 found it)', () => {
    const t = object([{ key: '__proto__', node: object([{ key: 'a', node: scalar(1) }]) }, { key: 'b', node: scalar('x') }]);
    const ts = emitTs(t, []).replace(/^import .*$/m, '').replace('export default defineApp(', 'return (');
    for (const v of [plain(t), new Function('defineApp', ts)((x: unknown) => x), parseYaml(emitYaml(t, []), { version: '1.2' })]) {
      expect(Object.keys(v as object)).toEqual(['__proto__', 'b']);
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    }
  });

  it('writes TS and YAML that evaluate to the same value, whatever the strings and comments', () => {
    fc.assert(
      fc.property(root, fc.array(nasty, { maxLength: 2 }), (t, header) => {
        const expected = plain(t);
        const ts = emitTs(t, header);
        const body = ts.replace(/^import .*$/m, '').replace('export default defineApp(', 'return (');
        expect(new Function('defineApp', body)((x: unknown) => x)).toEqual(expected);
        expect(parseYaml(emitYaml(t, header), { version: '1.2' }) ?? {}).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});
