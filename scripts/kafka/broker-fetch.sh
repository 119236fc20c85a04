#!/usr/bin/env bash
# Fetches the Apache Kafka broker (org.apache.kafka:kafka_2.13 and its runtime
# dependencies) from Maven Central with `mvn dependency:copy-dependencies`, once,
# into ~/.cache/railyard/kafka-<version>-<sha256[:16] of pom.xml>/libs, and
# prints that directory. test/support/kafka.ts runs it as
# `java -cp 'libs/*' kafka.Kafka server.properties` (KRaft, one process).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "kafka/broker-fetch: $*" >&2; }
for cmd in mvn java; do command -v $cmd >/dev/null || { log "$cmd is required (Debian: maven, openjdk-17-jre-headless)"; exit 2; }; done
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
cache=${RAILYARD_CACHE_HOME:-$HOME/.cache/railyard}
dir="$cache/kafka-$version-$(sha256sum "$here/pom.xml" | cut -c1-16)"
if [[ ! -f $dir/.fetched ]]; then
  log "fetching Apache Kafka $version from Maven Central into $dir"
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp"
  cp "$here/pom.xml" "$dir.tmp/pom.xml"
  mvn -q -B -f "$dir.tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$dir.tmp/libs" >"$dir.tmp/mvn.log" 2>&1 || { tail -40 "$dir.tmp/mvn.log" >&2; exit 1; }
  ls "$dir.tmp/libs"/kafka_2.13-"$version".jar >/dev/null
  mv "$dir.tmp" "$dir"
  touch "$dir/.fetched"
fi
echo "$dir"
