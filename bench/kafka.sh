#!/usr/bin/env bash
# Messages per second of one racecar consumer (the fixture app's
# NewDocumentNotificationConsumer, one INSERT per message) through the runtime
# (`railyard run`, as the rendered Deployment runs it) against plain
# `bundle exec racecar`, alternating in the same run against the same Kafka 4.1
# broker (SASL_PLAINTEXT) and MariaDB; and SIGTERM to exit with offsets
# committed, against the rendered grace period. Medians over ROUNDS (3) pairs of
# MESSAGES (20,000)/2 messages each. It builds dist/ first and prints the commit.
# Usage: bench/kafka.sh [RESULTS_DIR]   (needs what make test installs: mk/kafka.mk, mk/rails.mk)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
results=${1:-.cache/bench}
mkdir -p "$results"
results=$(cd "$results" && pwd)
make --no-print-directory kafka-vendor kafka-broker rails-test-deps
bench_build
commit=$(bench_commit)
npx esbuild bench/kafka/measure.ts --bundle --platform=node --format=esm --packages=external \
  --outfile=.cache/bench-kafka/measure.mjs --log-level=warning
node .cache/bench-kafka/measure.mjs | tee "$results/kafka.jsonl"
echo "commit measured: $commit"
