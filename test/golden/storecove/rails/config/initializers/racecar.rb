# frozen_string_literal: true

# Rendered by railyard from the app model "storecove" (railyard synth).
# Copy to config/initializers/racecar.rb in your Rails app; rerun `railyard synth` to update it.
# Merge it into an existing racecar initializer.
#
# racecar reads RACECAR_<SETTING> from the environment itself (RACECAR_GROUP_ID,
# RACECAR_SASL_USERNAME, RACECAR_SASL_PASSWORD: credentials never go in argv,
# where `ps` shows them). A setting below is only applied when its variable is
# not set, so the Deployment's env always wins.
if defined?(Racecar)
  Racecar.configure do |config|
    # Log to STDOUT. racecar's `logfile` is a file name, and nil means standard
    # output; `config.logfile = STDOUT` is refused (it is not a String).
    config.logfile = nil
    # racecar's own lines in the app's JSON format (config/initializers/lograge.rb).
    config.logger = Rails.logger

    # racecar touches this file after every poll loop and deletes it on
    # shutdown; `railyard run`'s /health reports how fresh it is.
    config.liveness_probe_enabled = true unless ENV.key?("RACECAR_LIVENESS_PROBE_ENABLED")
    unless ENV.key?("RACECAR_LIVENESS_PROBE_FILE_PATH")
      config.liveness_probe_file_path = "/tmp/racecar-liveness"
    end

    # Seconds between offset commits, per consumer (offsetCommitIntervalSeconds
    # in the app model). On SIGTERM racecar commits before it exits; the
    # grace period covers one interval.
    unless ENV.key?("RACECAR_OFFSET_COMMIT_INTERVAL")
      config.offset_commit_interval = {
        "kafka-new-document" => 10,
        "kafka-received-status" => 10,
        "kafka-sending-status" => 10,
      }.fetch(ENV.fetch("PROCESS_TARGET", ""), 10)
    end
  end

  # A refused login is not an outage that passes: librdkafka reports it and
  # retries for ever, while racecar's poll loop keeps the liveness file fresh
  # and consumes nothing. In a consumer process (its PROCESS_TARGET), log it
  # and exit non-zero, so the pod restarts and shows as failing; a web or
  # worker process that only produces is left alone. The line holds
  # librdkafka's reason, no credential.
  if ["kafka-new-document", "kafka-received-status", "kafka-sending-status"].include?(ENV["PROCESS_TARGET"])
    Rdkafka::Config.error_callback = lambda do |error|
      next unless error.code == :authentication

      Racecar.config.logger.error("Kafka refused the consumer's SASL credentials (RACECAR_SASL_USERNAME/RACECAR_SASL_PASSWORD), exiting: #{error.message}")
      $stdout.flush
      exit!(78)
    end
  end
end
