// The web tier's probes: a Rails controller and its routes. Workers and
// consumers are probed by `railyard run`'s health server instead.
import type { App } from '../../config/schema.js';
import { commentText, header, integer, rubyString } from './ruby.js';

/** Seconds the readiness check may take; the probe's own timeout must be longer. */
export function readinessTimeoutSeconds(app: App): number {
  // Connecting and querying may each take the full timeout: both, plus a
  // second for the request itself, fit in the kubelet's timeoutSeconds.
  // mysql2 counts whole seconds, so one is the floor.
  return Math.max(1, Math.min(2, Math.floor((app.web.probes.readiness.timeoutSeconds - 1) / 2)));
}

export function healthController(app: App): string {
  const web = app.web;
  return `# frozen_string_literal: true

${header(app, 'app/controllers/health_controller.rb')}
#
# Kubernetes probes for ${web.name}:
#   GET ${commentText(web.probes.liveness.path)}   200 whenever the process can answer. Never touches the
#       database: restarting a pod does not fix a database outage, it only adds
#       a restart storm to it.
#   GET ${commentText(web.probes.readiness.path)}  200 when \`SELECT 1\` succeeds on a new database
#       connection (connect, read and write each limited to READINESS_TIMEOUT
#       seconds), else 503 {"status":"not_ready","error":...}: the pod leaves
#       the Service's endpoints until the database answers again.
#
# It inherits from ActionController::API, not ApplicationController: an app's
# before_actions (authentication, current user, locale) may query the database
# or redirect, and a probe must not depend on them. If the app sets
# config.force_ssl, exclude these paths from the redirect, since the kubelet
# probes over plain HTTP:
#   config.ssl_options = { redirect: { exclude: ->(request) { [${commentText(rubyString(web.probes.liveness.path))}, ${commentText(rubyString(web.probes.readiness.path))}].include?(request.path) } } }
require "socket"

class HealthController < ActionController::API
  # The readiness probe gives up after ${integer(web.probes.readiness.timeoutSeconds)} s (timeoutSeconds): answer before it,
  # even when connecting and querying each take the full timeout.
  READINESS_TIMEOUT = ${integer(readinessTimeoutSeconds(app))}

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
      process_target: ENV.fetch("PROCESS_TARGET", ${rubyString(web.processTarget)}),
      pod_name: ENV.fetch("POD_NAME") { Socket.gethostname },
      namespace: ENV.fetch("POD_NAMESPACE", ${rubyString(app.namespace)}),
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
`;
}

export function healthRoutes(app: App): string {
  const { liveness, readiness } = app.web.probes;
  if (liveness.path === readiness.path) {
    throw new Error(`web.probes: liveness and readiness both use ${JSON.stringify(liveness.path)}; readiness needs its own path`);
  }
  return `${header(app, 'config/routes.health.rb')}
#
# The probe routes for app/controllers/health_controller.rb. Paste these lines
# into the \`Rails.application.routes.draw do ... end\` block of config/routes.rb,
# or keep this file and load it from that block:
#   instance_eval(File.read(Rails.root.join("config/routes.health.rb")))
get ${rubyString(liveness.path)}, to: "health#liveness"
get ${rubyString(readiness.path)}, to: "health#readiness"
`;
}
