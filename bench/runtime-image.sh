#!/usr/bin/env bash
# The runtime's RSS where it runs: inside the image, on the base image's node
# (the e2e base image: Debian bookworm's nodejs 18), with 44 pool slots, next to
# its floors measured in the same container (an idle empty node; node with mysql2
# loaded). The DB port is closed here (no MariaDB in the container): the check
# still loads mysql2 and runs, and fails fast.
# Usage: bench/runtime-image.sh [RUNS]   (default 5). Needs make e2e's podman setup.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
scripts/podman/setup.sh >/dev/null 2>&1
scripts/podman/base-image.sh >/dev/null
. scripts/podman/env.sh
. bench/lib.sh
bench_build
echo "commit measured: $(bench_commit)"
podman run --rm --network none -v "$PWD:/w:ro" -e RUNS="$runs" "$(base_image_tag)" bash /w/bench/runtime/in-image.sh
