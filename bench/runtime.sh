#!/usr/bin/env bash
# The runtime's figures for docs/PERFORMANCE.md (## runtime), each next to its
# anchor measured in the same run: the design document's WEBrick health server
# loading the fixture Rails app, tini, and a child piped straight to its reader.
# Usage: bench/runtime.sh [RESULTS_DIR]
# It builds dist/ first. Needs a real MariaDB and the Rails packages (make test's deps),
# hyperfine, wrk, tini, ruby-webrick (make bench-runtime-deps).
# Knobs: BENCH_RUNS (5), BENCH_SIGNAL_TRIALS (200), BENCH_LOG_LINES (1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-.cache/bench}
mkdir -p "$results"
. bench/lib.sh
bench_build
commit=$(bench_commit)
# The driver is TypeScript that reuses the test harnesses (MariaDB, fixture app);
# esbuild turns it into one ESM file inside the repo (its imports resolve from node_modules).
mkdir -p .cache/bench
node -e '
require("esbuild").buildSync({ entryPoints: ["bench/runtime/main.ts"], outfile: process.argv[1], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "warning" });
' .cache/bench/runtime-bench.mjs
BENCH_COMMIT=$commit node .cache/bench/runtime-bench.mjs | tee "$results/runtime.md"
