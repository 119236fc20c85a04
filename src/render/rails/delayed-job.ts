// config/initializers/delayed_job.rb: what delayed_job workers need to run
// as long-lived processes under `railyard run worker`.
import type { App } from '../../config/schema.js';
import { header } from './ruby.js';

export function delayedJobInitializer(app: App): string {
  return `# frozen_string_literal: true

${header(app, 'config/initializers/delayed_job.rb')}
if defined?(Delayed::Worker)
  # delayed_job writes every line twice, with \`puts\` and to its logger, unless
  # QUIET is set (\`rake jobs:work\` reads it after this file ran). The logger's
  # copy is the JSON one (config/initializers/lograge.rb), with the level.
  ENV["QUIET"] ||= "true"

  # railyard's runtime sets RAILYARD_WORKER_HOST for the workers it starts
  # while it holds this pod's liveness lock in the database. The worker then
  # locks jobs as "railyard host:<that host> pid:<pid>" (delayed_job's own
  # name, with the prefix "railyard "), which is how the runtimes of other
  # pods know whose jobs to free once this pod is gone: a worker killed
  # without a clean stop would otherwise keep its jobs locked for
  # max_run_time (4 h). A name set explicitly is left alone.
  railyard_host = ENV["RAILYARD_WORKER_HOST"].to_s
  unless railyard_host.empty?
    Delayed::Worker.prepend(Module.new do
      define_method(:name) do
        return super() unless @name.nil? && @name_prefix.nil?

        "railyard host:#{railyard_host} pid:#{Process.pid}"
      end
    end)
  end
end

if defined?(Delayed::Backend::ActiveRecord::Job)
  # A worker holds one database connection for its whole life. After the
  # database has gone away, every reserve fails with "MySQL client is not
  # connected", even once the server is back, until the 10th failure ends
  # the process: delayed_job_active_record leaves recover_from, the hook
  # delayed_job calls after a failed reserve, empty. Dropping the connections
  # there makes the next reserve connect afresh.
  Delayed::Backend::ActiveRecord::Job.define_singleton_method(:recover_from) do |_error|
    ActiveRecord::Base.connection_handler.clear_all_connections!
  end
end
`;
}
