#!/usr/bin/env bash
# Exit 0 and print the kubeconfig path if the local control plane is healthy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_healthy || { log "not running (make cluster-up)"; exit 1; }
echo "$KUBECONFIG_PATH"
