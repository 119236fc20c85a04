# Shared by up.sh, down.sh and status.sh. Sourced, not run.
# shellcheck shell=bash
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/cluster/versions.env"

CACHE=${RAILYARD_CLUSTER_CACHE:-$root/.cache/cluster}
BIN=$CACHE/bin
RUN=${RAILYARD_CLUSTER_RUN:-$CACHE/run}
# Uncommon ports so a developer's own cluster (6443, 2379) is left alone.
API_PORT=${RAILYARD_CLUSTER_API_PORT:-26443}
ETCD_PORT=${RAILYARD_CLUSTER_ETCD_PORT:-23790}
ETCD_PEER_PORT=${RAILYARD_CLUSTER_ETCD_PEER_PORT:-23800}
KUBECONFIG_PATH=$RUN/admin.kubeconfig

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

kc() { kubectl --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# start NAME COMMAND ARGS…: runs detached in its own session, logs to
# $RUN/logs/NAME.log, pid in $RUN/pids/NAME.
start() {
  local name=$1; shift
  setsid "$@" >"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/pids/$name"
}

# wait_for WHAT SECONDS COMMAND…: polls COMMAND every 0.2s. On timeout, says
# which component died (if one did) and shows the tail of its log.
wait_for() {
  local what=$1 limit=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    local f
    for f in "$RUN"/pids/*; do
      [[ -e $f ]] || continue
      if ! kill -0 "$(cat "$f")" 2>/dev/null; then
        log "$(basename "$f") exited while waiting for $what; last log lines:"
        tail -n 20 "$RUN/logs/$(basename "$f").log" >&2 || true
        exit 1
      fi
    done
    ((SECONDS < deadline)) || die "timed out after ${limit}s waiting for $what (logs in $RUN/logs)"
    sleep 0.2
  done
}

cluster_healthy() {
  [[ -f $KUBECONFIG_PATH && -f $RUN/pki/ca.crt ]] || return 1
  local f
  for f in etcd kube-apiserver kube-controller-manager kube-scheduler kwok containerd kubelet kube-proxy; do
    [[ -f $RUN/pids/$f ]] && kill -0 "$(cat "$RUN/pids/$f")" 2>/dev/null || return 1
  done
  curl -sf --max-time 5 --cacert "$RUN/pki/ca.crt" --cert "$RUN/pki/admin.crt" --key "$RUN/pki/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null
}

# A throwaway CA and P-256 certificates (fast to make; every component accepts
# ECDSA). The CA key never leaves $RUN/pki.
make_pki() {
  local d=$RUN/pki
  [[ -f $d/admin.crt ]] && return
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$d/ca.key" -out "$d/ca.crt" -days 365 \
    -subj "/CN=railyard-local-ca" 2>/dev/null
  # issue NAME SUBJECT EXTENSIONS
  issue() {
    openssl req -new "${ec[@]}" -keyout "$d/$1.key" -out "$d/$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
      -days 365 -out "$d/$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
    rm -f "$d/$1.csr"
  }
  issue apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
    'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' \
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local')"
  local client=$'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
  issue admin "/O=system:masters/CN=railyard-admin" "$client"
  issue controller-manager "/CN=system:kube-controller-manager" "$client"
  issue scheduler "/CN=system:kube-scheduler" "$client"
  # The real node (node.sh): the kubelet's identity, which the Node authorizer
  # and NodeRestriction recognise by this exact subject; kube-proxy's, bound by
  # the default system:node-proxier binding; the kubelet's serving certificate
  # for its node IP; and the API server's client certificate for logs and exec.
  issue kubelet "/O=system:nodes/CN=system:node:${RAILYARD_NODE_NAME:-railyard-node}" "$client"
  issue kube-proxy "/CN=system:kube-proxy" "$client"
  issue kubelet-serving "/CN=${RAILYARD_NODE_NAME:-railyard-node}" "$(printf '%s\n' \
    'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' \
    "subjectAltName=IP:10.245.0.1,DNS:${RAILYARD_NODE_NAME:-railyard-node}")"
  issue apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" "$client"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$d/sa.key" 2>/dev/null
  openssl pkey -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
}

write_kubeconfigs() {
  local name
  for name in admin controller-manager scheduler kubelet kube-proxy; do
    kubeconfig "$name" >"$RUN/$name.kubeconfig"
    chmod 600 "$RUN/$name.kubeconfig"
  done
}

kubeconfig() {
  local d=$RUN/pki
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: railyard-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$d/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 "$d/$1.crt")
    client-key-data: $(base64 -w0 "$d/$1.key")
contexts:
- name: railyard-local
  context: {cluster: railyard-local, user: $1}
current-context: railyard-local
EOF
}
