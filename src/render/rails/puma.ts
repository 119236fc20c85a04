// config/puma.rb for the web tier: one process, threads, clean SIGTERM.
import type { App } from '../../config/schema.js';
import { header, integer, rubyString } from './ruby.js';

/**
 * Seconds Puma waits for in-flight requests after SIGTERM. It must close
 * before `railyard run` SIGKILLs it (RAILYARD_STOP_TIMEOUT, 25 s by default
 * on the web tier, 5 s short of the grace period) and before the kubelet
 * does: 10 s short of the grace period leaves Puma 5 s to shut down.
 */
export function pumaShutdownSeconds(app: App): number {
  return Math.max(1, app.web.terminationGracePeriodSeconds - 10);
}

export function pumaConfig(app: App): string {
  const web = app.web;
  return `# frozen_string_literal: true

${header(app, 'config/puma.rb')}
#
# One Puma process per pod with RAILS_MAX_THREADS threads. No \`workers\`:
# Kubernetes scales with replicas, and a pod crash takes out one process.
# Size the database pool to the threads (DB_POOL, see config/database.yml).
require "json"
require "socket"
require "time"

max_threads = Integer(ENV.fetch("RAILS_MAX_THREADS", ${integer(web.threads.max)}))
min_threads = Integer(ENV.fetch("RAILS_MIN_THREADS", ${integer(web.threads.min)}))
threads min_threads, max_threads

# Single mode, even if WEB_CONCURRENCY is set (Puma would read it).
workers 0

port Integer(ENV.fetch("PORT", ${integer(web.port)}))
environment ENV.fetch("RAILS_ENV", ${rubyString(app.environment)})

# SIGTERM: stop accepting, finish the requests in flight, exit 0. By default
# Puma re-raises SIGTERM after its graceful stop and so exits 143, which reads
# as a crash. Requests still running after ${integer(pumaShutdownSeconds(app))} s are cut off, in time
# to exit before \`railyard run\` sends SIGKILL (RAILYARD_STOP_TIMEOUT, 25 s by
# default) and the kubelet does (terminationGracePeriodSeconds, ${integer(web.terminationGracePeriodSeconds)} s).
raise_exception_on_sigterm false
force_shutdown_after ${integer(pumaShutdownSeconds(app))}

# Keep idle keep-alive connections open longer than the ingress controller's
# upstream keep-alive (60 s in ingress-nginx), or it reuses a connection Puma
# is closing and answers 502.
persistent_timeout 75

# Puma's own lines (boot banner, "Listening on", shutdown) in the app's JSON
# shape, so every line on STDOUT is one JSON object.
log_fields = {
  "process_target" => ENV.fetch("PROCESS_TARGET", ${rubyString(web.processTarget)}),
  "pod_name" => ENV.fetch("POD_NAME") { Socket.gethostname },
  "namespace" => ENV.fetch("POD_NAMESPACE", ${rubyString(app.namespace)}),
}.freeze
log_formatter do |message|
  JSON.generate({ "timestamp" => Time.now.utc.iso8601(3), "level" => "info" }.merge(log_fields)
                  .merge("message" => message.to_s.dup.force_encoding(Encoding::UTF_8).scrub))
end
`;
}
