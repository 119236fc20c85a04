# Local Kubernetes control plane for the e2e tests (docs/CLUSTER.md).
#   make cluster-build   build/reuse kube-apiserver, -controller-manager, -scheduler, kwok in .cache/cluster/bin
#   make cluster-up      start it on 127.0.0.1 (prints the kubeconfig path; idempotent)
#   make cluster-down    stop it and delete its state
.PHONY: cluster-deps cluster-build cluster-up cluster-down cluster-status

# etcd comes from Debian (3.4.23 in bookworm); openssl and curl make the
# certificates and probe /readyz. The real node's runtime (containerd, runc,
# the CNI plugins), iptables and conntrack for kube-proxy, and gcc's static
# libc for the pause binary come from Debian too, and ipset for kube-router's
# policy controller (the hardening suite). Installed only when missing.
CLUSTER_PKGS := etcd-server openssl curl containerd runc containernetworking-plugins iptables conntrack gcc libc6-dev ipset
cluster-deps:
	@missing=$$(for p in $(CLUSTER_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -qx 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] || { echo "== apt-get install $$missing" >&2; export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing >/dev/null; }
	@command -v kubectl >/dev/null || { echo "kubectl is required (1.32 or 1.33 client)" >&2; exit 2; }
	@command -v go >/dev/null || { echo "Go is required to build the control plane (go 1.24 or newer)" >&2; exit 2; }

cluster-build: cluster-deps
	@scripts/cluster/build.sh

cluster-up: cluster-build
	@scripts/cluster/up.sh

cluster-down:
	@scripts/cluster/down.sh

cluster-status:
	@scripts/cluster/status.sh

E2E_DEPS += cluster-up
E2E_CLEANUP += cluster-down
