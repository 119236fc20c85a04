#!/usr/bin/env bash
# Runs inside the e2e base image (bench/runtime-image.sh mounts the repository at /w):
# the RSS of the runtime with 44 pool slots, and of its floors, on the image's own node.
set -euo pipefail
runs=${RUNS:-5}
status() { grep -E "^$2:" "/proc/$1/status" | awk '{print $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # measure LABEL -- COMMAND…: start it, let it settle, read VmRSS/RssAnon (KiB)
  local label=$1; shift 2
  local rss=() anon=()
  for _ in $(seq "$runs"); do
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep 2
    # 20 probes over 1.2 s, as the host bench does: mysql2 is loaded and the DB check runs,
    # but against a closed port (no MariaDB in this container), so every check fails fast.
    [ -n "${HEALTH_PORT:-}" ] && node -e 'const h=require("http");let n=0;const go=()=>h.get("http://127.0.0.1:"+process.env.HEALTH_PORT+"/health",r=>{r.resume();r.on("end",()=>{if(++n<20)setTimeout(go,60)})}).on("error",()=>{});go()'
    sleep 0.5
    rss+=("$(status $pid VmRSS)"); anon+=("$(status $pid RssAnon)")
    kill -TERM $pid; wait $pid 2>/dev/null || true
  done
  printf '| %s | %.1f MiB | %.1f MiB |\n' "$label" "$(printf '%s\n' "${rss[@]}" | median | awk '{print $1/1024}')" "$(printf '%s\n' "${anon[@]}" | median | awk '{print $1/1024}')"
}
echo "node $(node --version) in the image; medians of $runs runs"
echo
echo '| process | VmRSS | of which RssAnon |'
echo '| --- | --- | --- |'
measure 'floor: an idle empty `node`' -- node -e 'setInterval(() => {}, 1000)'
measure 'floor: an idle `node` that has loaded mysql2' -- node -e 'require("/w/node_modules/mysql2"); setInterval(() => {}, 1000)'
export RAILS_ENV=production DATABASE_URL=mysql2://bench:bench-password@127.0.0.1:1/bench \
  PROCESS_TARGET=worker-secondary HEALTH_PORT=3999 POD_NAME=bench POD_NAMESPACE=bench \
  DELAYED_JOB_POOLS='--pool=*:20 --pool=mail,sms:10 --pool=peppol:14' RAILYARD_WORKER_COMMAND='sleep 3600' RAILYARD_STAGGER_MS=5
measure 'runtime, worker with 44 slots (children excluded), after 20 probes with the DB port closed' -- node /w/dist/runtime.cjs worker-secondary
