# The real node: containerd (Debian) + kubelet and kube-proxy (built from the
# same k8s.io/kubernetes release as the control plane), registered beside the
# kwok nodes. Sourced by up.sh and down.sh after lib.sh. docs/CLUSTER.md says
# why each setting is there.
# shellcheck shell=bash

NODE_NAME=${RAILYARD_NODE_NAME:-railyard-node}
# The node's own bridge and address. The node IP lives on the bridge itself,
# so it is an address of this machine that only this machine routes: the API
# server reaches the kubelet there, and pods reach host services (MariaDB)
# through their gateway, which is the same address.
NODE_BRIDGE=railyard0
NODE_IP=10.245.0.1
POD_SUBNET=10.245.0.0/24
SERVICE_RANGE=10.96.0.0/16
# Pods that do not tolerate this taint never land on the real node, so the
# kwok suites are unchanged; the real-node suite tolerates it and selects the
# node by its label.
NODE_TAINT=railyard.dev/real-node
NODE_LABEL=railyard.dev/node=real
# Short paths: containerd's socket path must fit in sun_path (108 bytes),
# whatever folder the clone is in.
NODE_STATE=/var/lib/railyard-node
NODE_RUN=/run/railyard-node
CTR_SOCK=$NODE_RUN/containerd.sock
PAUSE_IMAGE=localhost/railyard/pause:1
NODE_PROCS=(kube-proxy kubelet containerd)
# Machine-wide folders the node's pieces create where they are absent (the
# kubelet's log folders, containerd's shim sockets, libcni's cache, the CNI
# network namespaces). Those that were absent before node_start are removed by
# node_stop; those that were there are left as they were.
NODE_SHARED_DIRS=(/var/log/containers /var/log/pods /run/containerd /run/netns /var/lib/cni)
NODE_CREATED=()

ctr_() { ctr --address "$CTR_SOCK" -n k8s.io "$@"; }

# The pause image, FROM scratch: one static binary, written as a docker-archive
# tarball by hand (manifest.json, config, one layer) so no image builder is needed.
node_pause_image() {
  local src=$root/scripts/cluster/pause.c
  local hash; hash=$(sha256sum "$src" | cut -c1-16)
  local out=$CACHE/pause-$hash.tar
  if [[ ! -f $out ]]; then
    local d; d=$(mktemp -d)
    gcc -static -Os -Wall -Werror -o "$d/pause" "$src"
    strip "$d/pause"
    mkdir -p "$d/rootfs"; cp "$d/pause" "$d/rootfs/pause"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$d/rootfs" -cf "$d/layer.tar" pause
    local diff; diff=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
    printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"scripts/cluster/pause.c"}]}' "$diff" >"$d/config.json"
    printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$PAUSE_IMAGE" >"$d/manifest.json"
    tar -C "$d" -cf "$out.tmp" manifest.json config.json layer.tar
    mv "$out.tmp" "$out"
    rm -rf "$d"
  fi
  echo "$out"
}

node_write_config() {
  local etc=$NODE_RUN/etc
  mkdir -p "$etc/cni" "$NODE_STATE/kubelet" "$NODE_RUN/cni-ipam"
  # containerd's CRI plugin (config version 2, containerd 1.6).
  cat >"$etc/containerd.toml" <<EOF
version = 2
root = "$NODE_STATE/containerd"
state = "$NODE_RUN/containerd"
[grpc]
  address = "$CTR_SOCK"
[ttrpc]
  address = "$NODE_RUN/containerd-ttrpc.sock"
[debug]
  level = "warn"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM refuses a negative oom_score_adj; without this every sandbox fails
  # with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$NODE_RUN/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$etc/cni"
    max_conf_num = 1
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_STATE/opt"
EOF
  # One bridge for every pod; the node IP is its gateway. No ipMasq: nothing
  # leaves this machine (see node_network_up's FORWARD rule).
  cat >"$etc/cni/10-railyard.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "railyard",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_RUN/cni-ipam",
        "ranges": [[{"subnet": "$POD_SUBNET", "gateway": "$NODE_IP", "rangeStart": "10.245.0.10"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  # Pods get a resolver that answers nothing at once: no DNS query leaves the
  # machine, and a lookup fails fast instead of timing out.
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$etc/resolv.conf"
  cat >"$etc/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $RUN/pki/kubelet-serving.crt
tlsPrivateKeyFile: $RUN/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $RUN/pki/ca.crt}
# Only certificates of the local CA reach the kubelet at all (the API server's
# kubelet-client one in practice); a test node needs no per-request authorization.
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$CTR_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
resolvConf: $etc/resolv.conf
clusterDomain: cluster.local
registerWithTaints:
- {key: $NODE_TAINT, value: "true", effect: NoSchedule}
# The machine's disk and memory are shared with everything else on it; the
# node must not evict pods because of what other work uses.
evictionHard: {memory.available: "0%", nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%"}
# No registry can give an image back once collected.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
imageMinimumGCAge: 8760h
# Small and checked often, so the log-shipping suite sees the kubelet rotate
# files in seconds (every line must survive a rotation), not after 10Mi.
containerLogMaxSize: ${RAILYARD_NODE_LOG_MAX_SIZE:-1Mi}
containerLogMaxFiles: 5
containerLogMonitorInterval: 3s
maxPods: 110
serializeImagePulls: false
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
fileCheckFrequency: 10s
shutdownGracePeriod: 0s
EOF
  cat >"$etc/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $RUN/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_SUBNET
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts only on the node IP, never on the machine's own interfaces.
nodePortAddresses: ["$NODE_IP/32"]
# Leave the machine's conntrack sysctls alone (the VM may not allow them).
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {syncPeriod: 10s, minSyncPeriod: 0s}
EOF
}

# The bridge with the node IP, created before any pod so the kubelet can
# register with this address; the ClusterIP range routed onto it so a Service
# address kube-proxy has not programmed goes nowhere (never to the default
# route); and a FORWARD rule that keeps every pod packet on the bridge.
node_network_up() {
  cat /proc/sys/net/ipv4/ip_forward >"$NODE_RUN/ip_forward.before"
  ip link add "$NODE_BRIDGE" type bridge 2>/dev/null || true
  ip addr replace "$NODE_IP/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  ip route replace "$SERVICE_RANGE" dev "$NODE_BRIDGE" src "$NODE_IP"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  # Bridged pod-to-pod replies must pass iptables for Service NAT to be undone.
  [[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ]] && echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  iptables -w -N RAILYARD-NODE-FWD 2>/dev/null || iptables -w -F RAILYARD-NODE-FWD
  iptables -w -A RAILYARD-NODE-FWD -i "$NODE_BRIDGE" ! -o "$NODE_BRIDGE" -j REJECT
  iptables -w -C FORWARD -j RAILYARD-NODE-FWD 2>/dev/null || iptables -w -I FORWARD 1 -j RAILYARD-NODE-FWD
}

node_start() {
  local t0=$1
  mkdir -p "$NODE_RUN" "$NODE_STATE"
  local d
  for d in "${NODE_SHARED_DIRS[@]}"; do [[ -e $d ]] || echo "$d" >>"$NODE_RUN/created-dirs"; done
  node_write_config
  node_network_up
  local pause; pause=$(node_pause_image)
  start containerd containerd --config "$NODE_RUN/etc/containerd.toml"
  wait_for "containerd" 30 ctr_ version
  ctr_ images import --no-unpack "$pause" >/dev/null
  start kubelet "$BIN/kubelet" \
    --config "$NODE_RUN/etc/kubelet.yaml" \
    --kubeconfig "$RUN/kubelet.kubeconfig" \
    --root-dir "$NODE_STATE/kubelet" \
    --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_IP" \
    --node-labels "$NODE_LABEL" \
    --v=1
  start kube-proxy "$BIN/kube-proxy" --config "$NODE_RUN/etc/kube-proxy.yaml" --v=1
  wait_for "node $NODE_NAME Ready" 60 kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
  log "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "real node Ready %.1fs after the control plane", b - a }')"
}

# Images built by podman (make e2e) into containerd's k8s.io namespace, under
# the references the manifests use; IfNotPresent then finds them.
node_import() {
  local tar=$1
  ctr_ images import --no-unpack "$tar" >&2
}

# Everything node_start made, undone, in reverse: containers killed, mounts
# and network namespaces released, iptables chains and the bridge removed.
node_stop() {
  local p
  for p in "${NODE_PROCS[@]}"; do stop "$p"; done
  # Every process the kubelet started is in a kubepods cgroup; kill them all
  # (containerd's shims then exit on their own), then any shim left.
  local cg
  for cg in /sys/fs/cgroup/*/kubepods; do
    [[ -d $cg ]] || continue
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $CTR_SOCK" 2>/dev/null || true
  sleep 0.3
  # Mounts under the node's folders (secrets' tmpfs, sandbox shm, overlay
  # rootfs), deepest first, and the CNI network namespaces.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(node_mounts | sort -r)
  for m in /run/netns/cni-*; do
    [[ -e $m ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    rm -f "$m"
  done
  # The CNI library bind-mounts /run/netns on itself (shared propagation) when
  # it creates the folder; undo that when the folder is ours.
  if grep -qx /run/netns "$NODE_RUN/created-dirs" 2>/dev/null; then
    while awk '$5 == "/run/netns" { found = 1 } END { exit !found }' /proc/self/mountinfo; do umount /run/netns 2>/dev/null || umount -l /run/netns || break; done
  fi
  for cg in /sys/fs/cgroup/*/kubepods; do
    [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  node_iptables_clean
  # The hardening suite stops kube-router and removes its chains and ipsets;
  # a suite killed halfway cannot, so they go here.
  pkill -f "^$BIN/kube-router " 2>/dev/null || true
  if iptables-save -t filter 2>/dev/null | grep -qE '^:(KUBE-ROUTER|KUBE-NWPLCY|KUBE-POD-FW)-'; then
    "$root/scripts/cluster/kube-router-clean.sh"
    log "removed the kube-router chains and ipsets a stopped suite left behind"
  fi
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  ip route del "$SERVICE_RANGE" 2>/dev/null || true
  if [[ -f $NODE_RUN/ip_forward.before ]]; then cat "$NODE_RUN/ip_forward.before" >/proc/sys/net/ipv4/ip_forward; fi
  if [[ -f $NODE_RUN/created-dirs ]]; then
    mapfile -t NODE_CREATED <"$NODE_RUN/created-dirs"
    local d
    for d in "${NODE_CREATED[@]}"; do rm -rf "$d"; done
  fi
  rm -rf "$NODE_STATE" "$NODE_RUN"
}

# Drops every chain kube-proxy, the kubelet, CNI and this script made (KUBE-*,
# CNI-*, RAILYARD-*) and every rule that jumps to one, in one restore per table
# set, leaving all other rules as they were.
node_iptables_clean() {
  local cmd
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null || continue
    local before; before=$("$cmd-save" 2>/dev/null) || continue
    grep -qE '(KUBE|CNI|RAILYARD)-' <<<"$before" || continue
    grep -vE '^:(KUBE|CNI|RAILYARD)-|^-A (KUBE|CNI|RAILYARD)-|-j (KUBE|CNI|RAILYARD)-' <<<"$before" | "$cmd-restore" -w 2>/dev/null || true
  done
}

# Mount points the node made: under its own folders, and the CNI network namespaces.
node_mounts() {
  awk -v a="$NODE_STATE" -v b="$NODE_RUN" '$5 ~ "^" a "(/|$)" || $5 ~ "^" b "(/|$)" || $5 ~ "^/run/netns/cni-" { print $5 }' /proc/self/mountinfo
}

# What the node would leave behind, one line each; nothing when clean.
node_leftovers() {
  local p
  for p in kubelet kube-proxy; do pgrep -x "$p" >/dev/null && echo "process $p"; done
  pgrep -f "containerd --config $NODE_RUN" >/dev/null && echo "process containerd"
  pgrep -f "containerd-shim-runc-v2 .*-address $CTR_SOCK" >/dev/null && echo "process containerd-shim"
  node_mounts | sed 's/^/mount /'
  ls /run/netns/cni-* 2>/dev/null | sed 's/^/netns /'
  ip -br link show "$NODE_BRIDGE" 2>/dev/null | awk '{ print "interface " $1 }'
  ip -br link show type veth 2>/dev/null | awk '$1 ~ /^veth/ { print "interface " $1 }'
  local cmd
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null && "$cmd-save" 2>/dev/null | grep -E '^:(KUBE|CNI|RAILYARD)-' | sed "s/^:/$cmd chain /; s/ .*//"
  done
  local d
  for d in "$NODE_STATE" "$NODE_RUN" "${NODE_CREATED[@]}"; do [[ -e $d ]] && echo "folder $d"; done
  local cg
  for cg in /sys/fs/cgroup/*/kubepods; do [[ -d $cg ]] && echo "cgroup $cg"; done
  return 0
}
