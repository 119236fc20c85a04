// Whatever an app holds, init either names the bad input (ImportError, exit 2)
// or writes a config the model accepts, whose TS and YAML both say exactly it.
// Never a crash, never a config that `railyard check` cannot even load.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { importApp, ImportError, type AppSources } from '../../src/import/index.js';
import { validateApp } from '../../src/config/load.js';

const word = fc.stringMatching(/^[A-Za-z0-9_.:,*=$\-]{1,12}$/);
const anyText = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });

const procfileLine = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), fc.array(fc.oneof(word, fc.constantFrom('bundle', 'exec', 'rake', 'jobs:work', 'bin/delayed_job', 'run', '--pool=a:2', '--pool=*:1', '--queues=x,y', '-n', '3', 'QUEUES=a,b', 'QUEUE=q', 'racecar', 'Foo::BarConsumer', 'puma', '-p', '$PORT', '&&', '|', '"quoted arg"')), { minLength: 1, maxLength: 6 })).map(([n, ws]) => `${n}: ${ws.join(' ')}`) },
  { arbitrary: anyText, weight: 1 },
  { arbitrary: fc.constant('# comment'), weight: 1 },
);
const cronField = fc.oneof(fc.constantFrom('*', '*/5', '0', '1-5', '1,2', '7', '60', 'mon', 'jan', '?', 'L'), fc.integer({ min: 0, max: 99 }).map(String));
const crontabLine = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.array(cronField, { minLength: 5, maxLength: 5 }), fc.oneof(anyText, fc.constantFrom("/bin/bash -l -c 'cd /a && RAILS_ENV=production bundle exec rake x --silent >> log 2>&1'", 'cd /x && rake y', 'echo 50%', "bash -c 'unclosed", 'RAILS_ENV=staging bin/job'))).map(([f, c]) => `${f.join(' ')} ${c || 'x'}`) },
  { weight: 4, arbitrary: fc.constantFrom('@reboot /bin/x', '@daily rake a', '@every 5m x', 'MAILTO=a@b', 'MAILTO=""', 'CRON_TZ=Europe/Paris', 'TZ=Nowhere/Land', 'PATH=/bin') },
  { weight: 1, arbitrary: anyText },
);

const sources: fc.Arbitrary<AppSources> = fc
  .record({
    dirName: fc.oneof(anyText, fc.constantFrom('shop', '9lives', '---', '')),
    procfile: fc.option(fc.array(procfileLine, { maxLength: 6 }).map((ls) => ls.join('\n'))),
    crontab: fc.option(fc.array(crontabLine, { maxLength: 8 }).map((ls) => ls.join('\n'))),
    database: fc.option(fc.oneof(anyText, fc.constantFrom('production:\n  adapter: postgresql\n  pool: 0\n', 'production:\n  primary:\n    adapter: mysql2\n  x: 1\n', 'production: 5\n', '- a\n- b\n', 'production:\n  pool: <%= 5 %>\n'))),
    puma: fc.option(fc.oneof(anyText, fc.constantFrom('threads 0, 0\nport 70000\n', 'threads 8, 2\nworkers 3\n', 'threads x, y\n'))),
    cap: fc.option(fc.oneof(anyText, fc.constantFrom('set :delayed_job_pools, { "a b" => 2 }', 'set :delayed_job_pools, { "q" => 0 }', 'set :delayed_job_workers, "2"', 'set :delayed_job_args, "--pool=a:1 | x"', 'set :delayed_job_queues, [:a, "b"]'))),
    consumer: fc.option(fc.oneof(anyText, fc.constantFrom('class A < Racecar::Consumer\n  subscribes_to "t"\nend\n', 'module M\nclass ::B < Racecar::Consumer\nend\nend\n'))),
    application: fc.option(fc.oneof(anyText, fc.constantFrom('module X9\nend\n', 'module A_B_C\nend\n', `module ${'Long'.repeat(20)}\nend\n`))),
    lock: fc.option(fc.oneof(anyText, fc.constantFrom('GEM\n  specs:\n    rails (7.0.0)\n\nRUBY VERSION\n   ruby 2.7.1p1\n'))),
    initializer: fc.option(fc.array(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/), { maxLength: 6 }).map((ns) => ns.map((n) => `x = ENV["${n}"]`).join('\n'))),
    packageJson: fc.boolean(),
    yarnLock: fc.boolean(),
  })
  .map((r) => {
    const files = new Map<string, string>();
    const present = new Set<string>();
    if (r.procfile !== null) files.set('Procfile', r.procfile);
    if (r.database !== null) files.set('config/database.yml', r.database);
    if (r.puma !== null) files.set('config/puma.rb', r.puma);
    if (r.cap !== null) files.set('config/deploy/production.rb', r.cap);
    if (r.consumer !== null) files.set('app/consumers/a.rb', r.consumer);
    if (r.application !== null) files.set('config/application.rb', r.application);
    if (r.lock !== null) files.set('Gemfile.lock', r.lock);
    if (r.initializer !== null) files.set('config/initializers/x.rb', r.initializer);
    if (r.packageJson) files.set('package.json', '{}');
    if (r.yarnLock) present.add('yarn.lock');
    return { dirName: r.dirName, files, present, ...(r.crontab !== null ? { crontab: { text: r.crontab, file: 'crontab' } } : {}) };
  });

describe('railyard init on arbitrary apps', () => {
  it('names bad input or writes a config the model accepts, the same in TS and YAML', () => {
    let written = 0;
    let refused = 0;
    fc.assert(
      fc.property(sources, fc.option(fc.constantFrom('Europe/Amsterdam', 'Etc/UTC')), (src, tz) => {
        let ts;
        try {
          ts = importApp(src, { format: 'ts', ...(tz ? { timeZone: tz } : {}) });
        } catch (e) {
          if (!(e instanceof ImportError)) throw e;
          expect(e.problems.length).toBeGreaterThan(0);
          for (const p of e.problems) expect(p.source.file).not.toBe('');
          refused++;
          return;
        }
        validateApp(ts.config);
        const yaml = importApp(src, { format: 'yaml', ...(tz ? { timeZone: tz } : {}) });
        const body = ts.text.replace(/^import .*$/m, '').replace('export default defineApp(', 'return (');
        expect(new Function('defineApp', body)((x: unknown) => x)).toEqual(ts.config);
        expect(parseYaml(yaml.text)).toEqual(ts.config);
        written++;
      }),
      { numRuns: 400 },
    );
    // Both outcomes happen, or the generators test nothing.
    expect(written).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(20);
  });
});
