# The Kafka consumer tests (test/kafka): a real racecar 2.12 against a real
# Apache Kafka 4.1 broker.
#   librdkafka, racecar, king_konf, rdkafka-ruby: built/unpacked from
#     ../shared/vendor by scripts/kafka/vendor.sh into ~/.cache/railyard
#     (rubygems.org cannot be reached; Debian packages none of them);
#   the broker: org.apache.kafka:kafka_2.13 from Maven Central
#     (scripts/kafka/broker-fetch.sh, mvn dependency:copy-dependencies);
#   from Debian: Java 17 (Kafka 4 needs 17 or newer) and Maven for the broker, cmake and the compression
#     and TLS headers for librdkafka, ruby-ffi and ruby-mini-portile2 that
#     rdkafka requires. Installed only when missing.
# Both scripts leave a stamp in their cache dir, so a second run only checks it.
KAFKA_TEST_PKGS := openjdk-17-jre-headless maven cmake g++ make git libssl-dev libzstd-dev liblz4-dev zlib1g-dev \
	ruby-ffi ruby-mini-portile2 rake

.PHONY: kafka-test-deps kafka-vendor kafka-broker
kafka-test-deps:
	@missing=$$(for p in $(KAFKA_TEST_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -qx 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then echo "test/kafka needs Debian packages: sudo apt-get install --no-install-recommends $$missing" >&2; exit 1; fi; \
	echo "== apt-get install $$missing" >&2; \
	export DEBIAN_FRONTEND=noninteractive; \
	if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt-get update -q; fi; \
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing; }

kafka-vendor: kafka-test-deps
	@scripts/kafka/vendor.sh >/dev/null

kafka-broker: kafka-test-deps
	@scripts/kafka/broker-fetch.sh >/dev/null

TEST_DEPS += kafka-vendor kafka-broker
# The images carry the same racecar (test/e2e/containers/context.ts), and the
# node suite runs the same broker for its consumer pods.
E2E_DEPS += kafka-vendor kafka-broker
