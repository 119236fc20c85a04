// renderRailsFiles: exact output for the Storecove example (golden files),
// exact snippets for a model with non-default values, and properties checked
// with real Ruby (string literals, database.yml's ERB+YAML, the JSON log
// formatter). The files running inside Rails is test/rails/*.int.test.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, validateApp } from '../../src/config/load.ts';
import type { App } from '../../src/config/schema.ts';
import { pumaShutdownSeconds, readinessTimeoutSeconds, renderRailsFiles } from '../../src/render/rails/index.ts';
import { rubyString } from '../../src/render/rails/ruby.ts';
import { installRenderedFiles } from './fixture-app.ts';
import { startRuby, type RubyWorker } from './ruby.ts';

const execFileAsync = promisify(execFile);

/** A model whose every value the Rails files use differs from the defaults. */
function customApp(): App {
  return validateApp({
    name: 'shop',
    namespace: 'shop-prod',
    environment: 'staging',
    image: { registry: 'registry.example.com', repository: 'shop/app' },
    database: { caMountPath: '/etc/db-ca', caKey: 'root.pem' },
    web: {
      processTarget: 'web-tier',
      port: 8080,
      threads: { min: 2, max: 8 },
      terminationGracePeriodSeconds: 40,
      probes: {
        liveness: { path: '/up/live' },
        readiness: { path: '/up/ready', timeoutSeconds: 3 },
      },
    },
    secrets: [{ name: 'kafka', keys: ['G', 'U', 'P'], usedBy: ['consumers'] }],
    consumers: {
      orders: {
        name: 'kafka-orders',
        healthPort: 3002,
        consumerClass: 'OrdersConsumer',
        credentials: { secret: 'kafka', groupIdKey: 'G', usernameKey: 'U', passwordKey: 'P' },
        offsetCommitIntervalSeconds: 7,
      },
      refunds: {
        name: 'kafka-refunds',
        processTarget: 'refunds-consumer',
        healthPort: 3003,
        consumerClass: 'RefundsConsumer',
        credentials: { secret: 'kafka', groupIdKey: 'G', usernameKey: 'U', passwordKey: 'P' },
        offsetCommitIntervalSeconds: 3,
      },
    },
  });
}

function file(files: { path: string; content: string }[], path: string): string {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`not rendered: ${path}`);
  return f.content;
}

const PATHS = [
  'rails/app/controllers/health_controller.rb',
  'rails/config/database.yml',
  'rails/config/initializers/delayed_job.rb',
  'rails/config/initializers/lograge.rb',
  'rails/config/initializers/racecar.rb',
  'rails/config/mysql-client.cnf',
  'rails/config/puma.rb',
  'rails/config/routes.health.rb',
];

let storecove: App;
beforeAll(async () => {
  storecove = (await loadConfig('examples/storecove')).app;
});

describe('renderRailsFiles: the Storecove example', () => {
  it('renders the eight Rails files, in order', () => {
    expect(renderRailsFiles(storecove).map((f) => f.path)).toEqual(PATHS);
  });

  for (const path of PATHS) {
    it(`${path} matches its golden file`, async () => {
      await expect(file(renderRailsFiles(storecove), path)).toMatchFileSnapshot(`../golden/storecove/${path}`);
    });
  }

  it('is byte-identical on rerun and leaves the model alone', () => {
    const before = JSON.stringify(storecove);
    expect(renderRailsFiles(storecove)).toEqual(renderRailsFiles(storecove));
    expect(JSON.stringify(storecove)).toBe(before);
  });
});

describe('renderRailsFiles: values come from the model', () => {
  const files = renderRailsFiles(customApp());

  it('puma.rb: threads, port, environment, shutdown window and log fields', () => {
    const puma = file(files, 'rails/config/puma.rb');
    expect(puma).toContain(
      [
        'max_threads = Integer(ENV.fetch("RAILS_MAX_THREADS", 8))',
        'min_threads = Integer(ENV.fetch("RAILS_MIN_THREADS", 2))',
        'threads min_threads, max_threads',
        '',
        '# Single mode, even if WEB_CONCURRENCY is set (Puma would read it).',
        'workers 0',
        '',
        'port Integer(ENV.fetch("PORT", 8080))',
        'environment ENV.fetch("RAILS_ENV", "staging")',
      ].join('\n'),
    );
    expect(puma).toContain('raise_exception_on_sigterm false\nforce_shutdown_after 30\n');
    expect(puma).toContain('"process_target" => ENV.fetch("PROCESS_TARGET", "web-tier"),');
    expect(puma).toContain('"namespace" => ENV.fetch("POD_NAMESPACE", "shop-prod"),');
    expect(puma).not.toMatch(/^\s*workers [1-9]/m);
  });

  it('database.yml: pool from DB_POOL, then RAILS_MAX_THREADS, then the model; CA path in the comment', () => {
    const yml = file(files, 'rails/config/database.yml');
    expect(yml).toContain('  pool: <%= Integer(ENV.fetch("DB_POOL") { ENV.fetch("RAILS_MAX_THREADS", "8") }) %>\n');
    expect(yml).toContain('at /etc/db-ca/root.pem and named by MYSQL_SSL_CA');
    expect(yml).toContain(
      [
        '  host: <%= env_string.("DATABASE_HOST") %>',
        '  port: <%= Integer(ENV.fetch("DATABASE_PORT", "3306")) %>',
        '  username: <%= env_string.("DATABASE_USERNAME") %>',
        '  password: <%= env_string.("DATABASE_PASSWORD") %>',
        '  database: <%= env_string.("DATABASE_NAME") %>',
      ].join('\n'),
    );
    expect(yml).toContain('  sslca: <%= env_string.("MYSQL_SSL_CA") %>\n');
    expect(yml).toContain('  default_file: <%= client_cnf.to_s.to_json %>\n  default_group: railyard\n');
    expect(file(files, 'rails/config/mysql-client.cnf')).toContain('\n[railyard]\nssl-verify-server-cert=1\n');
    expect(yml).not.toContain('DATABASE_URL');
  });

  it('racecar.rb: STDOUT, liveness file, commit interval per consumer process target', () => {
    const racecar = file(files, 'rails/config/initializers/racecar.rb');
    expect(racecar).toContain('    config.logfile = nil\n');
    expect(racecar).not.toMatch(/^\s*config\.logfile = STDOUT/m);
    expect(racecar).toContain('    config.liveness_probe_enabled = true unless ENV.key?("RACECAR_LIVENESS_PROBE_ENABLED")\n');
    expect(racecar).toContain('      config.liveness_probe_file_path = "/tmp/racecar-liveness"\n');
    expect(racecar).toContain(
      [
        '      config.offset_commit_interval = {',
        '        "kafka-orders" => 7,',
        '        "refunds-consumer" => 3,',
        `      }.fetch(ENV.fetch("PROCESS_TARGET", ""), 10)`,
      ].join('\n'),
    );
    expect(racecar).not.toMatch(/sasl_password\s*=|--sasl/);
    // A refused login exits non-zero (test/kafka runs it against a real broker).
    expect(racecar).toContain('  if ["kafka-orders", "refunds-consumer"].include?(ENV["PROCESS_TARGET"])\n    Rdkafka::Config.error_callback = lambda do |error|\n      next unless error.code == :authentication\n');
    expect(racecar).toContain('      exit!(78)\n');
  });

  it('health controller and routes: paths, readiness timeout, identity defaults', () => {
    const routes = file(files, 'rails/config/routes.health.rb');
    expect(routes).toContain('get "/up/live", to: "health#liveness"\nget "/up/ready", to: "health#readiness"\n');
    const controller = file(files, 'rails/app/controllers/health_controller.rb');
    // timeoutSeconds 3: connect (1 s) + query (1 s) + the request fit in it.
    expect(controller).toContain('  READINESS_TIMEOUT = 1\n');
    expect(controller).toContain('      process_target: ENV.fetch("PROCESS_TARGET", "web-tier"),\n');
    expect(controller).toContain('      namespace: ENV.fetch("POD_NAMESPACE", "shop-prod"),\n');
    expect(controller).toContain('class HealthController < ActionController::API\n');
  });

  it('delayed_job.rb: QUIET, and a recover_from that drops dead connections', () => {
    const dj = file(files, 'rails/config/initializers/delayed_job.rb');
    expect(dj).toContain('if defined?(Delayed::Worker)\n');
    expect(dj).toContain('  ENV["QUIET"] ||= "true"\n');
    expect(dj).toContain(
      [
        '  Delayed::Backend::ActiveRecord::Job.define_singleton_method(:recover_from) do |_error|',
        '    ActiveRecord::Base.connection_handler.clear_all_connections!',
        '  end',
      ].join('\n'),
    );
  });

  it('delayed_job.rb: under the runtime\'s liveness lock, workers are named "railyard host:<RAILYARD_WORKER_HOST> pid:<pid>"', () => {
    const dj = file(files, 'rails/config/initializers/delayed_job.rb');
    expect(dj).toContain('  railyard_host = ENV["RAILYARD_WORKER_HOST"].to_s\n  unless railyard_host.empty?\n');
    expect(dj).toContain('        return super() unless @name.nil? && @name_prefix.nil?\n');
    // The exact format src/runtime/reclaim.ts (workerName, hostOf) reads.
    expect(dj).toContain('        "railyard host:#{railyard_host} pid:#{Process.pid}"\n');
  });

  it('lograge.rb: namespace default from the model', () => {
    expect(file(files, 'rails/config/initializers/lograge.rb')).toContain('  namespace: ENV.fetch("POD_NAMESPACE", "shop-prod"),\n');
  });

  it('refuses one path for both probes', () => {
    const app = customApp();
    app.web.probes.readiness.path = app.web.probes.liveness.path;
    expect(() => renderRailsFiles(app)).toThrow(/readiness needs its own path/);
  });

  it('every Ruby file passes `ruby -wc` (syntax, no warnings)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'railyard-rb-'));
    try {
      for (const f of [...files, ...renderRailsFiles(storecove)].filter((x) => x.path.endsWith('.rb'))) {
        const p = join(dir, String(Math.random()).slice(2) + '.rb');
        writeFileSync(p, f.content);
        const { stdout, stderr } = await execFileAsync('ruby', ['-wc', p]);
        expect(stdout.trim(), f.path).toBe('Syntax OK');
        expect(stderr, f.path).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('timeouts derived from the model (fast-check)', () => {
  it('readiness: connect + query + 1 s fit in the probe timeout whenever it is 3 s or more; never below 1 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), (timeoutSeconds) => {
        const app = customApp();
        app.web.probes.readiness.timeoutSeconds = timeoutSeconds;
        const t = readinessTimeoutSeconds(app);
        expect(t).toBeGreaterThanOrEqual(1);
        expect(t).toBeLessThanOrEqual(2);
        if (timeoutSeconds >= 3) expect(2 * t + 1).toBeLessThanOrEqual(timeoutSeconds);
        expect(file(renderRailsFiles(app), 'rails/app/controllers/health_controller.rb')).toContain(`  READINESS_TIMEOUT = ${t}\n`);
      }),
      { numRuns: 200 },
    );
  });

  it('puma: in-flight requests are cut off before the grace period ends', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3600 }), (grace) => {
        const app = customApp();
        app.web.terminationGracePeriodSeconds = grace;
        const cutoff = pumaShutdownSeconds(app);
        expect(cutoff).toBeGreaterThanOrEqual(1);
        // 5 s to shut down before the runtime's SIGKILL at grace - 5 s.
        if (grace > 11) expect(cutoff).toBeLessThanOrEqual(grace - 10);
        expect(file(renderRailsFiles(app), 'rails/config/puma.rb')).toContain(`\nforce_shutdown_after ${cutoff}\n`);
      }),
      { numRuns: 200 },
    );
  });
});

// Strings that stress Ruby and YAML quoting, mixed with arbitrary text.
const tricky = fc.constantFrom('#', '#{', '${', ':', ': ', ' #', '"', "'", '\\', '\n', '\r', '\t', '%>', '<%=', '\x7f', '\u0085', '\u2028', '\uffff', '\ufffe', '*', '&', '!', '@', '|', '>', '-', '?', '{', '[', ',', 'é', '😀');
const text = (opts: { noNul?: boolean } = {}) =>
  fc.string({
    unit: fc.oneof(tricky, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 })),
    maxLength: 40,
  }).map((s) => (opts.noNul ? s.replaceAll('\0', '') : s));

describe('properties, with real Ruby', () => {
  let ruby: RubyWorker;
  afterAll(async () => {
    await ruby?.close();
  });

  it('rubyString: Ruby reads back exactly the string (100+ runs)', async () => {
    ruby = startRuby(`def handle(input) = eval(input)`);
    await fc.assert(
      fc.asyncProperty(text(), async (s) => {
        expect(await ruby.call(rubyString(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
    await ruby.close();
  });

  it('database.yml: ERB then YAML gives back every DATABASE_* value, the pool and TLS settings (100+ runs)', async () => {
    const template = file(renderRailsFiles(customApp()), 'rails/config/database.yml');
    const dir = mkdtempSync(join(tmpdir(), 'railyard-dbyml-'));
    const path = join(dir, 'config', 'database.yml');
    installRenderedFiles(customApp(), dir);
    const cnf = join(dir, 'config', 'mysql-client.cnf');
    // As Rails 6.1 reads it (Rails::Application::Configuration#database_configuration),
    // in an app whose root is \`dir\`.
    ruby = startRuby(`
require "erb"
require "yaml"
require "pathname"
module Rails
  def self.root = Pathname.new(${JSON.stringify(dir)})
end
TEMPLATE = File.read(${JSON.stringify(path)})
KEYS = %w[DATABASE_HOST DATABASE_PORT DATABASE_USERNAME DATABASE_PASSWORD DATABASE_NAME DB_POOL RAILS_MAX_THREADS MYSQL_SSL_CA]
def handle(env)
  KEYS.each { |k| ENV.delete(k) }
  env.each { |k, v| ENV[k] = v }
  yaml = ERB.new(TEMPLATE).result
  (YAML.respond_to?(:unsafe_load) ? YAML.unsafe_load(yaml) : YAML.load(yaml)).fetch("production")
end`);
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            DATABASE_HOST: maybe(text({ noNul: true })),
            DATABASE_PORT: maybe(fc.integer({ min: 1, max: 65535 }).map(String)),
            DATABASE_USERNAME: maybe(text({ noNul: true })),
            DATABASE_PASSWORD: maybe(text({ noNul: true })),
            DATABASE_NAME: maybe(text({ noNul: true })),
            DB_POOL: maybe(fc.integer({ min: 1, max: 200 }).map(String)),
            RAILS_MAX_THREADS: maybe(fc.integer({ min: 1, max: 64 }).map(String)),
            MYSQL_SSL_CA: maybe(fc.constantFrom('/etc/ssl/mysql/ca-cert.pem', '/etc/db-ca/root.pem', '')),
          }),
          async (env) => {
            const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
            const config = await ruby.call<Record<string, unknown>>(set);
            expect(config).toEqual({
              adapter: 'mysql2',
              encoding: 'utf8mb4',
              host: set.DATABASE_HOST ?? null,
              port: Number(set.DATABASE_PORT ?? 3306),
              username: set.DATABASE_USERNAME ?? null,
              password: set.DATABASE_PASSWORD ?? null,
              database: set.DATABASE_NAME ?? null,
              pool: Number(set.DB_POOL ?? set.RAILS_MAX_THREADS ?? 8),
              sslca: set.MYSQL_SSL_CA ?? null,
              sslverify: (set.MYSQL_SSL_CA ?? '') !== '',
              // With a CA, the option file that makes the client check the host name.
              ...((set.MYSQL_SSL_CA ?? '') !== '' ? { default_file: cnf, default_group: 'railyard' } : {}),
              connect_timeout: 5,
            });
          },
        ),
        { numRuns: 300 },
      );
      // Without the option file the client would silently skip the host
      // name check: database.yml refuses to load instead.
      rmSync(cnf);
      await expect(ruby.call({ MYSQL_SSL_CA: '/etc/ssl/mysql/ca-cert.pem' })).rejects.toThrow(/mysql-client\.cnf is missing/);
      expect(await ruby.call({})).toMatchObject({ sslca: null, sslverify: false });
    } finally {
      await ruby.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lograge.rb formatter: any message is one JSON line with the required fields (100+ runs)', async () => {
    const lograge = file(renderRailsFiles(customApp()), 'rails/config/initializers/lograge.rb');
    // The formatter part of the rendered file, as written; the rest configures
    // a booted Rails app and runs in the integration tests.
    const formatter = lograge.slice(0, lograge.indexOf('Rails.application.configure do'));
    expect(formatter).toContain('class JsonLogFormatter');
    const dir = mkdtempSync(join(tmpdir(), 'railyard-lograge-'));
    const path = join(dir, 'formatter.rb');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatter);
    ruby = startRuby(`
require "logger"
require "base64"
require "active_support"
require "active_support/tagged_logging"
load ${JSON.stringify(path)}
FORMATTER = Railyard::JsonLogFormatter.new(process_target: "pt", pod_name: "pod-7", namespace: "ns")
def handle(input)
  msg = case input["kind"]
        when "string" then input["text"]
        when "bytes" then Base64.decode64(input["base64"]).force_encoding(Encoding::BINARY)
        when "hash" then input["hash"]
        when "exception" then RuntimeError.new(input["text"])
        when "nil" then nil
        end
  line = FORMATTER.tagged(*input["tags"]) do
    FORMATTER.call(input["severity"], Time.at(input["time"] / 1000, input["time"] % 1000, :millisecond), "prog", msg)
  end
  { "line" => line.dup.force_encoding(Encoding::UTF_8), "valid" => line.valid_encoding? }
end`);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.record({ kind: fc.constant('string'), text: text() }),
            fc.record({ kind: fc.constant('bytes'), base64: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')) }),
            fc.record({
              kind: fc.constant('hash'),
              hash: fc.dictionary(
                fc.oneof(text().map((k) => `k${k}`), fc.constantFrom('message', 'level', 'timestamp', 'process_target', 'pod_name', 'namespace')),
                fc.oneof(text(), fc.integer(), fc.boolean(), fc.constant(null)),
                { maxKeys: 5 },
              ),
            }),
            fc.record({ kind: fc.constant('exception'), text: text() }),
            fc.record({ kind: fc.constant('nil') }),
          ),
          fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'ANY'),
          // TaggedLogging drops blank tags, so every tag here has a letter.
          fc.array(text().map((t) => `t${t}`), { maxLength: 3 }),
          fc.integer({ min: 0, max: 4102444800000 }),
          async (msg, severity, tags, time) => {
            const out = await ruby.call<{ line: string; valid: boolean }>({ ...msg, severity, tags, time });
            expect(out.valid).toBe(true);
            expect(out.line.endsWith('\n')).toBe(true);
            expect(out.line.slice(0, -1)).not.toContain('\n');
            const entry = JSON.parse(out.line) as Record<string, unknown>;
            expect(entry).toMatchObject({
              timestamp: new Date(time).toISOString(),
              level: severity === 'ANY' ? 'unknown' : severity.toLowerCase(),
              process_target: 'pt',
              pod_name: 'pod-7',
              namespace: 'ns',
            });
            expect(typeof entry.message).toBe('string');
            // One trailing line break goes, as Ruby's chomp does it.
            if (msg.kind === 'string') expect(entry.message).toBe(msg.text.replace(/(\r\n|\n|\r)$/, ''));
            if (msg.kind === 'exception') expect(entry.message).toBe(`RuntimeError: ${msg.text}`);
            if (msg.kind === 'nil') expect(entry.message).toBe('prog');
            if (msg.kind === 'hash') {
              // Reserved fields keep their values; message is always a string.
              for (const [k, v] of Object.entries(msg.hash)) {
                if (k === 'message') expect(entry.message).toBe(v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
                else if (!['timestamp', 'level', 'process_target', 'pod_name', 'namespace'].includes(k)) expect(entry[k]).toEqual(v);
              }
            }
            if (tags.length > 0) expect(entry.tags).toEqual(tags);
            else expect(entry).not.toHaveProperty('tags');
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      await ruby.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
