#!/usr/bin/env bash
# Builds every target of a rendered Dockerfile in ONE `podman build`, then tags
# each target's image.
#
# Why one build: the targets share every layer, but `podman build --target X`
# re-verifies all cached steps of the shared stages on each call (about 1.3 s
# here, more than a metadata-only target costs to build). One build with
# --skip-unused-stages=false builds each shared stage once and every target
# stage after it; BuildKit's `docker buildx bake` does the same for Docker.
#
# Usage: build-targets.sh [podman build flags…] -- CONTEXT TAG_TEMPLATE TARGET…
#   TAG_TEMPLATE names each image, with {} standing for the target, e.g.
#   localhost/app:{}  ->  localhost/app:rails, localhost/app:worker, …
# Sources scripts/podman/env.sh itself (project-local podman configuration).
# --format docker: podman's default OCI format drops SHELL, and the rendered
# Dockerfile's RUNs rely on its `-o pipefail`, as they do under Docker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ $# -ge 3 ] || { echo "usage: build-targets.sh [podman build flags…] -- CONTEXT TAG_TEMPLATE TARGET…" >&2; exit 2; }
context=$1 template=$2
shift 2
case $template in *'{}'*) ;; *) echo "build-targets.sh: TAG_TEMPLATE must contain {} (got $template)" >&2; exit 2 ;; esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# No --target: the last stage is the default, and with --skip-unused-stages=false
# every stage is built. --jobs 1 keeps the log in order, which the parse below needs.
if ! podman build --format docker --skip-unused-stages=false --jobs 1 "${flags[@]}" "$context" >"$log" 2>&1; then
  cat "$log" >&2
  echo "build-targets.sh: podman build failed" >&2
  exit 1
fi

# The image of each stage is the last `--> ID` printed while that stage ran:
#   [6/9] STEP 1/4: FROM <id> AS worker
#   [6/9] STEP 4/4: CMD ["worker"]
#   --> Using cache <64 hex>      or      --> <12 hex>
declare -A stage_id=()
while read -r name id; do stage_id[$name]=$id; done < <(awk '
  match($0, /^\[[0-9]+\/[0-9]+\] /) {
    stage = substr($0, 2, index($0, "/") - 2)
    if ($0 ~ /STEP 1\/[0-9]+: FROM / && toupper($(NF - 1)) == "AS") name[stage] = $NF
    next
  }
  /^--> Using cache [0-9a-f]+$/ { if (stage != "") id[stage] = $4; next }
  /^--> [0-9a-f]+$/ { if (stage != "") id[stage] = $2; next }
  END { for (s in name) if (s in id) print name[s], id[s] }
' "$log")

for target in "$@"; do
  id=${stage_id[$target]:-}
  if [ -z "$id" ]; then
    cat "$log" >&2
    echo "build-targets.sh: no stage named $target in the build's output" >&2
    exit 1
  fi
  podman tag "$id" "${template//\{\}/$target}"
done
