#!/usr/bin/env bash
# Stops the local control plane started by up.sh (only the processes whose
# pids it recorded) and deletes its state, so the next `up` starts empty.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/node.sh"

stop() {
  local f=$RUN/pids/$1 pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# The node first (its pods, mounts, network), then the clients, storage last.
node_stop
for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$c"; done
if [[ -f $RUN/etcd-dir ]]; then
  d=$(cat "$RUN/etcd-dir")
  [[ $d == /dev/shm/railyard-etcd.* ]] && rm -rf "$d"
fi
rm -rf "$RUN"
left=$(node_leftovers)
if [[ -n $left ]]; then
  log "error: the real node left these behind:"
  sed 's/^/  /' <<<"$left" >&2
  exit 1
fi
log "down"
