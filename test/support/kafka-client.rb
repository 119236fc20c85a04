# frozen_string_literal: true
# The tests' own Kafka client, on the vendored rdkafka (the same librdkafka the
# consumers use): one command per run, credentials from env only
# (KAFKA_BOOTSTRAP, KAFKA_USERNAME, KAFKA_PASSWORD), JSON on stdout.
#
#   ruby kafka-client.rb ready                         metadata answered (exit 0) or not (exit 1)
#   ruby kafka-client.rb create-topic TOPIC PARTITIONS
#   ruby kafka-client.rb produce TOPIC COUNT [PREFIX]  COUNT messages "PREFIX-<i>", keys spread over partitions
#   ruby kafka-client.rb committed GROUP TOPIC PARTITIONS  {"<partition>": committed offset, -1 if none}
#   ruby kafka-client.rb ends TOPIC PARTITIONS             {"<partition>": high watermark}
require "json"
require "rdkafka"

def config(extra = {})
  base = {
    "bootstrap.servers": ENV.fetch("KAFKA_BOOTSTRAP"),
    "security.protocol": "sasl_plaintext",
    "sasl.mechanisms": "PLAIN",
    "sasl.username": ENV.fetch("KAFKA_USERNAME"),
    "sasl.password": ENV.fetch("KAFKA_PASSWORD"),
    "log_level": 3,
  }
  Rdkafka::Config.new(base.merge(extra))
end

cmd, *args = ARGV
case cmd
when "ready"
  # Closing a client that never reached the broker can wait for ever: leave with exit!.
  admin = config("socket.connection.setup.timeout.ms": 5000).admin
  begin
    admin.create_topic("__railyard_ready_probe", 1, 1).wait(max_wait_timeout: 10)
  rescue Rdkafka::RdkafkaError => e
    exit!(1) unless e.code == :topic_already_exists
  rescue StandardError
    exit!(1)
  end
  admin.close
  puts JSON.generate(ok: true)
when "create-topic"
  topic, parts = args
  admin = config.admin
  begin
    admin.create_topic(topic, Integer(parts), 1).wait(max_wait_timeout: 30)
  rescue Rdkafka::RdkafkaError => e
    raise unless e.code == :topic_already_exists
  ensure
    admin.close
  end
  puts JSON.generate(topic: topic, partitions: Integer(parts))
when "produce"
  topic, count, prefix = args
  prefix ||= "m"
  producer = config("linger.ms": 5, "enable.idempotence": true).producer
  handles = []
  Integer(count).times do |i|
    handles << producer.produce(topic: topic, payload: "#{prefix}-#{i}", key: "#{prefix}-#{i}")
    handles.shift(1000).each(&:wait) if handles.size >= 2000
  end
  handles.each(&:wait)
  producer.flush
  producer.close
  puts JSON.generate(produced: Integer(count))
when "committed", "ends"
  group, topic, parts = cmd == "committed" ? args : [nil, *args]
  count = Integer(parts)
  consumer = config("group.id": group || "railyard-test-ends", "enable.auto.commit": false).consumer
  begin
    out = {}
    if cmd == "committed"
      list = Rdkafka::Consumer::TopicPartitionList.new
      list.add_topic(topic, count)
      consumer.committed(list, 10_000).to_h.fetch(topic).each { |p| out[p.partition] = p.offset || -1 }
    else
      count.times { |p| out[p] = consumer.query_watermark_offsets(topic, p, 10_000)[1] }
    end
    puts JSON.generate(out)
  ensure
    consumer.close
  end
else
  warn "usage: kafka-client.rb ready|create-topic|produce|committed|ends ..."
  exit 2
end
