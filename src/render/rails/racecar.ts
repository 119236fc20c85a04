// config/initializers/racecar.rb: the racecar settings that matter on Kubernetes.
import type { App } from '../../config/schema.js';
import { header, rubyStringIntHash } from './ruby.js';

/** Where racecar touches its liveness file unless RACECAR_LIVENESS_PROBE_FILE_PATH says otherwise. */
export const RACECAR_LIVENESS_FILE_DEFAULT = '/tmp/racecar-liveness';
/** racecar's own default offset_commit_interval, for a process target the model does not know. */
const RACECAR_DEFAULT_COMMIT_INTERVAL = 10;

/** ["a", "b"] on one line: consumer process targets are DNS-label-like, nothing to escape. */
function rubyStringArray(xs: string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
}

export function racecarInitializer(app: App): string {
  const intervals: Record<string, number> = {};
  for (const c of Object.values(app.consumers)) intervals[c.processTarget ?? c.name] = c.offsetCommitIntervalSeconds;
  return `# frozen_string_literal: true

${header(app, 'config/initializers/racecar.rb')}
# Merge it into an existing racecar initializer.
#
# racecar reads RACECAR_<SETTING> from the environment itself (RACECAR_GROUP_ID,
# RACECAR_SASL_USERNAME, RACECAR_SASL_PASSWORD: credentials never go in argv,
# where \`ps\` shows them). A setting below is only applied when its variable is
# not set, so the Deployment's env always wins.
if defined?(Racecar)
  Racecar.configure do |config|
    # Log to STDOUT. racecar's \`logfile\` is a file name, and nil means standard
    # output; \`config.logfile = STDOUT\` is refused (it is not a String).
    config.logfile = nil
    # racecar's own lines in the app's JSON format (config/initializers/lograge.rb).
    config.logger = Rails.logger

    # racecar touches this file after every poll loop and deletes it on
    # shutdown; \`railyard run\`'s /health reports how fresh it is.
    config.liveness_probe_enabled = true unless ENV.key?("RACECAR_LIVENESS_PROBE_ENABLED")
    unless ENV.key?("RACECAR_LIVENESS_PROBE_FILE_PATH")
      config.liveness_probe_file_path = "${RACECAR_LIVENESS_FILE_DEFAULT}"
    end

    # Seconds between offset commits, per consumer (offsetCommitIntervalSeconds
    # in the app model). On SIGTERM racecar commits before it exits; the
    # grace period covers one interval.
    unless ENV.key?("RACECAR_OFFSET_COMMIT_INTERVAL")
      config.offset_commit_interval = ${rubyStringIntHash(intervals, '      ')}.fetch(ENV.fetch("PROCESS_TARGET", ""), ${RACECAR_DEFAULT_COMMIT_INTERVAL})
    end
  end

  # A refused login is not an outage that passes: librdkafka reports it and
  # retries for ever, while racecar's poll loop keeps the liveness file fresh
  # and consumes nothing. In a consumer process (its PROCESS_TARGET), log it
  # and exit non-zero, so the pod restarts and shows as failing; a web or
  # worker process that only produces is left alone. The line holds
  # librdkafka's reason, no credential.
  if ${rubyStringArray(Object.keys(intervals).sort())}.include?(ENV["PROCESS_TARGET"])
    Rdkafka::Config.error_callback = lambda do |error|
      next unless error.code == :authentication

      Racecar.config.logger.error("Kafka refused the consumer's SASL credentials (RACECAR_SASL_USERNAME/RACECAR_SASL_PASSWORD), exiting: #{error.message}")
      $stdout.flush
      exit!(78)
    end
  end
end
`;
}
