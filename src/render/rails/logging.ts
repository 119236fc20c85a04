// config/initializers/lograge.rb: every line Rails logs becomes one JSON
// object on STDOUT with the fields Logz.io is searched by.
import type { App } from '../../config/schema.js';
import { header, rubyString } from './ruby.js';

export function lograge(app: App): string {
  return `# frozen_string_literal: true

${header(app, 'config/initializers/lograge.rb')}
# Needs gem "lograge" in the Gemfile.
#
# Everything the app logs comes out on STDOUT as one JSON object per line, with
# timestamp (ISO 8601 UTC, ms), level, process_target, pod_name, namespace and
# message, for Fluent Bit to ship to Logz.io as fields:
#   - each request is ONE line from lograge (method, path, status, duration, db, view);
#   - everything else that goes through Rails.logger (ActiveRecord, ActiveJob,
#     delayed_job, racecar, the app's own Rails.logger calls) gets the same shape.
# This changes the logger that every framework already holds rather than making
# a new one, so none keeps writing plain text. Output that bypasses the logger
# (\`puts\`, Puma's own lines) is formatted by config/puma.rb and \`railyard run\`.
require "json"
require "socket"
require "time"

module Railyard
  # A Logger formatter that writes one JSON object per line. TaggedLogging's
  # tags become a "tags" array instead of a text prefix; a Hash message (what
  # lograge's Raw formatter hands over) is merged into the object.
  class JsonLogFormatter < ::Logger::Formatter
    include ActiveSupport::TaggedLogging::Formatter

    RESERVED = %w[timestamp level process_target pod_name namespace].freeze

    def initialize(process_target:, pod_name:, namespace:)
      super()
      @fields = { "process_target" => process_target, "pod_name" => pod_name, "namespace" => namespace }.freeze
    end

    def call(severity, time, progname, msg)
      entry = { "timestamp" => time.utc.iso8601(3), "level" => level_name(severity) }.merge(@fields)
      entry.merge!(message_fields(msg.nil? ? progname : msg))
      tags = current_tags
      entry["tags"] = tags.map { |tag| utf8(tag) } unless tags.empty?
      "#{JSON.generate(entry)}\\n"
    rescue StandardError => e
      # A formatter that raises breaks the code that logged; emit a line that
      # still parses, and says why.
      "#{JSON.generate(@fields.merge("timestamp" => Time.now.utc.iso8601(3), "level" => "error",
                                     "message" => "log formatter failed: #{e.class}"))}\\n"
    end

    private

    def level_name(severity)
      name = severity.to_s.downcase
      name == "any" ? "unknown" : name
    end

    def message_fields(msg)
      case msg
      when Hash
        fields = msg.each_with_object({}) do |(key, value), out|
          out[key.to_s] = json_safe(value) unless RESERVED.include?(key.to_s)
        end
        message = fields.delete("message")
        fields["message"] = if message.nil? then request_summary(fields)
                            elsif message.is_a?(String) then message
                            else JSON.generate(message)
                            end
        fields
      when Exception
        { "message" => utf8("#{msg.class}: #{msg.message}"), "error_class" => msg.class.name,
          "backtrace" => Array(msg.backtrace).first(20).map { |line| utf8(line) } }
      else
        { "message" => utf8(msg.is_a?(String) ? msg : msg.inspect).chomp }
      end
    end

    # lograge's fields, as one readable line for the Logz.io message column.
    def request_summary(fields)
      parts = [fields["method"], fields["path"], fields["status"]].compact
      parts << "#{fields["duration"]}ms" if fields["duration"]
      parts.empty? ? "" : parts.join(" ")
    end

    def json_safe(value)
      case value
      when String then utf8(value)
      when Symbol then value.to_s
      when Numeric, true, false, nil then value
      when Array then value.map { |v| json_safe(v) }
      when Hash then value.to_h { |k, v| [k.to_s, json_safe(v)] }
      else utf8(value.to_s)
      end
    end

    # JSON must be valid UTF-8; log text may be binary or in another encoding.
    def utf8(text)
      text = text.to_s
      text = if [Encoding::UTF_8, Encoding::BINARY, Encoding::US_ASCII].include?(text.encoding)
        text.dup.force_encoding(Encoding::UTF_8)
      else
        text.encode(Encoding::UTF_8, invalid: :replace, undef: :replace)
      end
      text.valid_encoding? ? text : text.scrub
    end
  end
end

Rails.application.configure do
  config.lograge.enabled = true
  # Raw hands lograge's fields to the logger as a Hash; JsonLogFormatter writes the line.
  config.lograge.formatter = Lograge::Formatters::Raw.new
  config.lograge.custom_options = lambda do |event|
    exception = event.payload[:exception] # [class name, message]
    exception ? { "error_class" => exception.first } : {}
  end
end

# Line by line, as it happens: a pipe would otherwise buffer STDOUT.
$stdout.sync = true
Rails.logger ||= ActiveSupport::TaggedLogging.new(ActiveSupport::Logger.new($stdout))
Rails.logger.reopen($stdout) unless ActiveSupport::Logger.logger_outputs_to?(Rails.logger, $stdout, STDOUT)
Rails.logger.formatter = Railyard::JsonLogFormatter.new(
  process_target: ENV.fetch("PROCESS_TARGET", "unknown"),
  # In a pod the hostname is the pod name; POD_NAME comes from the downward API.
  pod_name: ENV.fetch("POD_NAME") { Socket.gethostname },
  namespace: ENV.fetch("POD_NAMESPACE", ${rubyString(app.namespace)}),
)
`;
}
