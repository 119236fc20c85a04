#!/usr/bin/env ruby
# The design document's health server, as written there, measured as the anchor
# for the runtime's health server. Only the path of the Rails app changes:
# RAILS_APP_DIR instead of the image's /app (and RAILS_APP_DIR unset means
# "no Rails app to load", the plain-WEBrick fallback).
require 'webrick'
require 'json'
PROCESS_TARGET = ENV.fetch('PROCESS_TARGET', 'unknown')
HEALTH_PORT = ENV.fetch('HEALTH_PORT', 3001).to_i
LOAD_RAILS = PROCESS_TARGET.start_with?('worker') && ENV['RAILS_APP_DIR']
# Only load Rails for workers that need DB checks
if LOAD_RAILS
  require File.join(ENV['RAILS_APP_DIR'], 'config/environment')
end
server = WEBrick::HTTPServer.new(Port: HEALTH_PORT, Logger: WEBrick::Log.new("/dev/null"), AccessLog: [])
server.mount_proc '/health' do |req, res|
  begin
    if LOAD_RAILS
      # Workers check database connectivity
      ActiveRecord::Base.connection.execute("SELECT 1")
    end
    res.status = 200
    res.content_type = 'application/json'
    res.body = {
      status: 'healthy',
      process_target: PROCESS_TARGET,
      pod_name: ENV.fetch('POD_NAME', 'unknown'),
      namespace: ENV.fetch('POD_NAMESPACE', 'default'),
      timestamp: Time.now.iso8601
    }.to_json
  rescue => e
    res.status = 503
    res.content_type = 'application/json'
    res.body = { status: 'unhealthy', process_target: PROCESS_TARGET, error: e.message, timestamp: Time.now.iso8601 }.to_json
  end
end
server.mount_proc '/ready' do |req, res|
  res.status = 200
  res.content_type = 'application/json'
  res.body = { status: 'ready', process_target: PROCESS_TARGET }.to_json
end
trap('INT') { server.shutdown }
trap('TERM') { server.shutdown }
server.start
