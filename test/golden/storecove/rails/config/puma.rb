# frozen_string_literal: true

# Rendered by railyard from the app model "storecove" (railyard synth).
# Copy to config/puma.rb in your Rails app; rerun `railyard synth` to update it.
#
# One Puma process per pod with RAILS_MAX_THREADS threads. No `workers`:
# Kubernetes scales with replicas, and a pod crash takes out one process.
# Size the database pool to the threads (DB_POOL, see config/database.yml).
require "json"
require "socket"
require "time"

max_threads = Integer(ENV.fetch("RAILS_MAX_THREADS", 5))
min_threads = Integer(ENV.fetch("RAILS_MIN_THREADS", 5))
threads min_threads, max_threads

# Single mode, even if WEB_CONCURRENCY is set (Puma would read it).
workers 0

port Integer(ENV.fetch("PORT", 3000))
environment ENV.fetch("RAILS_ENV", "production")

# SIGTERM: stop accepting, finish the requests in flight, exit 0. By default
# Puma re-raises SIGTERM after its graceful stop and so exits 143, which reads
# as a crash. Requests still running after 20 s are cut off, in time
# to exit before `railyard run` sends SIGKILL (RAILYARD_STOP_TIMEOUT, 25 s by
# default) and the kubelet does (terminationGracePeriodSeconds, 30 s).
raise_exception_on_sigterm false
force_shutdown_after 20

# Keep idle keep-alive connections open longer than the ingress controller's
# upstream keep-alive (60 s in ingress-nginx), or it reuses a connection Puma
# is closing and answers 502.
persistent_timeout 75

# Puma's own lines (boot banner, "Listening on", shutdown) in the app's JSON
# shape, so every line on STDOUT is one JSON object.
log_fields = {
  "process_target" => ENV.fetch("PROCESS_TARGET", "server"),
  "pod_name" => ENV.fetch("POD_NAME") { Socket.gethostname },
  "namespace" => ENV.fetch("POD_NAMESPACE", "storecove"),
}.freeze
log_formatter do |message|
  JSON.generate({ "timestamp" => Time.now.utc.iso8601(3), "level" => "info" }.merge(log_fields)
                  .merge("message" => message.to_s.dup.force_encoding(Encoding::UTF_8).scrub))
end
