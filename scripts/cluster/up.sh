#!/usr/bin/env bash
# Starts the local control plane: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (fake nodes), all on 127.0.0.1. Returns once /readyz
# is healthy, the nodes are Ready and the default ServiceAccount exists, and
# prints the admin kubeconfig path on stdout (everything else goes to stderr).
#
# Idempotent: if the cluster is already up and healthy it only prints the path.
# Binaries come from scripts/cluster/build.sh (make cluster-build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/node.sh"

t0=$(date +%s.%N)

if cluster_healthy; then
  log "already up"
  echo "$KUBECONFIG_PATH"
  exit 0
fi
# A half-started or crashed cluster: clear it before starting again.
"$here/down.sh" >/dev/null 2>&1 || true

for b in kube-apiserver kube-controller-manager kube-scheduler kwok kubelet kube-proxy; do
  [[ -x $BIN/$b ]] || die "$BIN/$b is missing: run make cluster-build first"
done
command -v etcd >/dev/null || die "etcd is not installed: run make cluster-build (it installs Debian's etcd-server)"
command -v containerd >/dev/null || die "containerd is not installed: run make cluster-build (it installs Debian's containerd)"
[[ $(id -u) == 0 ]] || die "the real node (kubelet, containerd, iptables) needs root"

mkdir -p "$RUN/pki" "$RUN/logs" "$RUN/pids"
make_pki
write_kubeconfigs

# etcd's data lives on tmpfs: the cluster is disposable and fsync on a shared
# disk is the slowest part of every write.
etcd_dir=$(mktemp -d /dev/shm/railyard-etcd.XXXXXX)
echo "$etcd_dir" >"$RUN/etcd-dir"

start etcd etcd \
  --name railyard \
  --data-dir "$etcd_dir" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "railyard=http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster-state new \
  --logger zap --log-level warn
wait_for "etcd" 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 \
  --secure-port "$API_PORT" \
  --tls-cert-file "$RUN/pki/apiserver.crt" \
  --tls-private-key-file "$RUN/pki/apiserver.key" \
  --client-ca-file "$RUN/pki/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$RUN/pki/sa.pub" \
  --service-account-signing-key-file "$RUN/pki/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction \
  --kubelet-preferred-address-types InternalIP \
  --kubelet-client-certificate "$RUN/pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$RUN/pki/apiserver-kubelet-client.key" \
  --endpoint-reconciler-type none \
  --allow-privileged=true \
  --profiling=false \
  --v=1
wait_for "kube-apiserver /readyz" 120 curl -sf --cacert "$RUN/pki/ca.crt" --cert "$RUN/pki/admin.crt" --key "$RUN/pki/admin.key" \
  "https://127.0.0.1:$API_PORT/readyz"
t_api=$(date +%s.%N)

start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig "$RUN/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 \
  --secure-port 0 \
  --leader-elect=false \
  --use-service-account-credentials \
  --service-account-private-key-file "$RUN/pki/sa.key" \
  --root-ca-file "$RUN/pki/ca.crt" \
  --cluster-signing-cert-file "$RUN/pki/ca.crt" \
  --cluster-signing-key-file "$RUN/pki/ca.key" \
  --profiling=false \
  --v=1

start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig "$RUN/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 \
  --secure-port 0 \
  --leader-elect=false \
  --profiling=false \
  --v=1

start kwok "$BIN/kwok" \
  --kubeconfig "$KUBECONFIG_PATH" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-lease-duration-seconds 40 \
  --cidr 10.244.0.1/16 \
  --node-ip 10.0.0.1 \
  --server-address "" \
  --config "$here/kwok-stages.yaml"

kc apply -f "$here/nodes.yaml" >&2
t_cp=$(date +%s.%N)
node_start "$t_cp"
wait_for "nodes Ready" 60 kc wait --for=condition=Ready node --all --timeout=2s
# kwok's node-initialize stage reports no ephemeral-storage, so a pod that
# requests some (every railyard pod does) would never schedule on a kwok node.
# Added once kwok has initialised the nodes; its heartbeat keeps it.
for n in kwok-node-0 kwok-node-1; do
  kc patch node "$n" --subresource=status --type=merge -p '{"status":{"capacity":{"ephemeral-storage":"1Ti"},"allocatable":{"ephemeral-storage":"1Ti"}}}' >&2
done
# Pods cannot be created in a namespace before its default ServiceAccount
# exists; waiting here means tests never race the controller-manager.
wait_for "default ServiceAccount" 60 kc get serviceaccount default -n default
t1=$(date +%s.%N)

log "$(awk -v a="$t0" -v b="$t_api" -v c="$t1" 'BEGIN { printf "API healthy after %.1fs, cluster ready after %.1fs", b - a, c - a }')"
echo "$KUBECONFIG_PATH"
