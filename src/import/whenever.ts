// whenever, as railyard runs it: the Ruby file loaded into it, and what it reports.
//
// railyard does not reimplement whenever's rules. It runs the app's whenever
// (src/import/read-app.ts) and parses the crontab it prints (crontab.ts). The
// file below is loaded into that run with RUBYOPT=-r; it changes nothing whenever
// prints, and reports each job's schedule.rb line and templates, so every
// CronJob can name its source line and a job type railyard does not know is
// recognized as such. When it cannot hook in (another whenever), init still
// works from the crontab alone, without line numbers.

/** The Ruby source of the hook; read-app.ts writes it to a temp file for RUBYOPT. */
export const WHENEVER_HOOK_RB = `# Loaded into whenever by railyard init (RUBYOPT=-r<this file>). It changes
# nothing whenever prints. For each job whenever builds it appends one JSON line
# to $RAILYARD_WHENEVER_JOBS: the schedule.rb lines of the job and of its
# every, the templates it was built from, and the crontab command it became;
# and, when whenever fails, the error and the schedule.rb line it came from.
# whenever itself is not required here: the hooks attach when it defines its classes,
# in whichever process loads it (bundle exec loads whenever into its own).
# A hook that fails must not take whenever down with it: everything is guarded.
begin
  require 'json'

  module RailyardWhenever
    class << self
      attr_accessor :file, :every_line, :every, :current, :started
    end

    def self.write(record)
      @io ||= File.open(ENV.fetch('RAILYARD_WHENEVER_JOBS'), 'a').tap { |f| f.sync = true }
      @io.puts(JSON.generate(record))
    rescue StandardError
      nil
    end

    # The innermost frame in the schedule file (instance_eval names it after options[:file]).
    def self.line_of(locations)
      return nil unless locations
      loc = locations.find { |l| file && l.path == file } ||
            locations.find { |l| l.path && !l.path.include?('/whenever') && !l.path.start_with?('<internal') && l.path != __FILE__ }
      loc && loc.lineno
    end

    module JobList
      def initialize(options)
        RailyardWhenever.file = options[:file] if options.is_a?(Hash)
        unless RailyardWhenever.started
          RailyardWhenever.started = true
          RailyardWhenever.write(loaded: defined?(Whenever::VERSION) ? Whenever::VERSION : 'unknown')
        end
        super
      end

      # Splats, not whenever's own parameter lists: they differ between versions.
      ruby2_keywords def every(*args, &block)
        RailyardWhenever.every_line = RailyardWhenever.line_of(caller_locations)
        RailyardWhenever.every = args.first.inspect
        super(*args, &block)
      end
    end

    module Job
      def initialize(options = {})
        mailto = options[:mailto]
        record = {
          line: RailyardWhenever.line_of(caller_locations),
          every_line: RailyardWhenever.every_line,
          every: RailyardWhenever.every,
          at: options[:at].inspect,
          task: options[:task].to_s,
          template: options[:template],
          job_template: options.key?(:job_template) ? options[:job_template] : ':job',
          mailto: mailto.nil? || mailto == :default_mailto ? nil : mailto.to_s,
          environment: options[:environment].to_s,
          environment_variable: options[:environment_variable].to_s,
        }
        super
        @railyard_record = record.merge(redirect: @options[:output].to_s)
      end

      def output
        out = super
        RailyardWhenever.write(@railyard_record.merge(output: out)) if @railyard_record
        out
      end
    end

    module Cron
      ruby2_keywords def output(*args, &block)
        RailyardWhenever.current = args[1]
        result = super(*args, &block)
        RailyardWhenever.current = nil
        result
      end
    end
  end

  if ENV['RAILYARD_WHENEVER_JOBS']
    railyard_patched = {}
    TracePoint.new(:class) do |tp|
      klass = tp.self
      name = klass.is_a?(Module) ? klass.name : nil
      next unless name && !railyard_patched[name]
      case name
      when 'Whenever::JobList' then klass.prepend(RailyardWhenever::JobList)
      when 'Whenever::Job' then klass.prepend(RailyardWhenever::Job)
      when 'Whenever::Output::Cron' then klass.singleton_class.prepend(RailyardWhenever::Cron)
      else next
      end
      railyard_patched[name] = true
    end.enable

    at_exit do
      error = $!
      if error && !error.is_a?(SystemExit) && RailyardWhenever.started
        job = RailyardWhenever.current
        record = job && job.instance_variable_get(:@railyard_record)
        line = record ? (record[:every_line] || record[:line]) : RailyardWhenever.line_of(error.backtrace_locations)
        RailyardWhenever.write(error: error.message, class: error.class.name, line: line)
      end
    end
  end
rescue StandardError, ScriptError
  nil
end
`;

/** One job as whenever built it (one record per job; whenever writes one per time and `at:`). */
export interface WheneverJob {
  /** schedule.rb line of the job call (`rake "x"`). */
  line: number | null;
  /** schedule.rb line of its `every`. */
  everyLine: number | null;
  every: string;
  task: string;
  template: string;
  jobTemplate: string | null;
  mailto: string | null;
  environment: string;
  environmentVariable: string;
  /** The output redirection whenever appended (`>> log/cron.log 2>&1`), or ''. */
  redirect: string;
  /** The command part of the crontab line. */
  output: string;
}

export interface WheneverReport {
  /** The hook ran inside whenever (so whenever itself started). */
  loaded: boolean;
  version?: string;
  jobs: WheneverJob[];
  error?: { message: string; className: string; line: number | null };
}

/** Parses the hook's JSON lines. Lines that do not parse are skipped: the report only adds detail. */
export function parseWheneverReport(text: string): WheneverReport {
  const report: WheneverReport = { loaded: false, jobs: [] };
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof r.loaded === 'string') {
      report.loaded = true;
      report.version = r.loaded;
    } else if (typeof r.error === 'string') {
      report.error = { message: r.error, className: String(r.class ?? 'Error'), line: typeof r.line === 'number' ? r.line : null };
    } else if (typeof r.output === 'string' && typeof r.task === 'string') {
      const job: WheneverJob = {
        line: typeof r.line === 'number' ? r.line : null,
        everyLine: typeof r.every_line === 'number' ? r.every_line : null,
        every: String(r.every ?? ''),
        task: r.task,
        template: String(r.template ?? ''),
        jobTemplate: typeof r.job_template === 'string' ? r.job_template : null,
        mailto: typeof r.mailto === 'string' ? r.mailto : null,
        environment: String(r.environment ?? ''),
        environmentVariable: String(r.environment_variable ?? ''),
        redirect: String(r.redirect ?? ''),
        output: r.output,
      };
      const key = JSON.stringify([job.line, job.output, job.template]);
      if (!seen.has(key)) {
        seen.add(key);
        report.jobs.push(job);
      }
    }
  }
  return report;
}

/**
 * The schedule.rb line and a one-line message for a failed whenever run: from the
 * hook's report when it has one, else from Ruby's own message and backtrace.
 */
export function wheneverFailure(scheduleFile: string, stderr: string, report: WheneverReport | undefined): { line?: number; message: string } {
  const shorten = (m: string) => {
    const first = m.split('\n')[0]!.replace(/ for #<Whenever::JobList.*$/, '').trim();
    return first.length > 300 ? first.slice(0, 300) + '…' : first;
  };
  const base = scheduleFile.split('/').pop()!;
  const located = (text: string): number | undefined => {
    for (const m of text.matchAll(/([^\s:'`]+):(\d+):/g)) if (m[1]!.split('/').pop() === base) return Number(m[2]);
    return undefined;
  };
  if (report?.error) {
    const msg = report.error.message.replace(/^[^\s:]+:\d+: /, '');
    return { line: report.error.line ?? located(report.error.message), message: `whenever failed: ${shorten(msg)} (${report.error.className})` };
  }
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const head = lines.find((l) => /Error|error|\[fail\]/.test(l)) ?? lines[0] ?? 'no output';
  return { line: located(stderr), message: `whenever failed: ${shorten(head.replace(/^.*?:\d+:in `[^']*': /, ''))}` };
}
