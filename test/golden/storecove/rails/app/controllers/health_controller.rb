# frozen_string_literal: true

# Rendered by railyard from the app model "storecove" (railyard synth).
# Copy to app/controllers/health_controller.rb in your Rails app; rerun `railyard synth` to update it.
#
# Kubernetes probes for rails-server:
#   GET /health/liveness   200 whenever the process can answer. Never touches the
#       database: restarting a pod does not fix a database outage, it only adds
#       a restart storm to it.
#   GET /health/readiness  200 when `SELECT 1` succeeds on a new database
#       connection (connect, read and write each limited to READINESS_TIMEOUT
#       seconds), else 503 {"status":"not_ready","error":...}: the pod leaves
#       the Service's endpoints until the database answers again.
#
# It inherits from ActionController::API, not ApplicationController: an app's
# before_actions (authentication, current user, locale) may query the database
# or redirect, and a probe must not depend on them. If the app sets
# config.force_ssl, exclude these paths from the redirect, since the kubelet
# probes over plain HTTP:
#   config.ssl_options = { redirect: { exclude: ->(request) { ["/health/liveness", "/health/readiness"].include?(request.path) } } }
require "socket"

class HealthController < ActionController::API
  # The readiness probe gives up after 5 s (timeoutSeconds): answer before it,
  # even when connecting and querying each take the full timeout.
  READINESS_TIMEOUT = 2

  def liveness
    render json: probe_body("alive"), status: :ok
  end

  def readiness
    check_database
    render json: probe_body("ready"), status: :ok
  rescue StandardError => e
    render json: probe_body("not_ready").merge(error: describe(e)), status: :service_unavailable
  end

  private

  # A connection of its own, with timeouts on connect, read and write: the
  # app's pooled connections wait 5 s to connect and forever to read, and a
  # Ruby Timeout cannot cut off mysql2 while it is blocked in C (a server
  # that accepts TCP but never answers holds it there). Opening one
  # connection per probe also leaves the app's pool alone.
  def check_database
    config = ActiveRecord::Base.connection_db_config.configuration_hash
    client = Mysql2::Client.new(config.merge(connect_timeout: READINESS_TIMEOUT, read_timeout: READINESS_TIMEOUT,
                                             write_timeout: READINESS_TIMEOUT, reconnect: false))
    begin
      client.query("SELECT 1")
    ensure
      client.close
    end
  end

  def probe_body(status)
    {
      status: status,
      process_target: ENV.fetch("PROCESS_TARGET", "server"),
      pod_name: ENV.fetch("POD_NAME") { Socket.gethostname },
      namespace: ENV.fetch("POD_NAMESPACE", "storecove"),
      timestamp: Time.now.utc.iso8601(3),
    }
  end

  # The error is for humans reading probe output: class and message, never
  # the password (a driver may echo its connection settings), kept short.
  def describe(error)
    text = "#{error.class}: #{error.message}"
    password = ENV["DATABASE_PASSWORD"].to_s
    text = text.gsub(password, "[REDACTED]") if password.length >= 4
    text.scrub[0, 500]
  end
end
