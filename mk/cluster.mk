# Local Kubernetes control plane for the e2e tests (docs/CLUSTER.md).
#   make cluster-build   build/reuse kube-apiserver, -controller-manager, -scheduler, kwok in .cache/cluster/bin
#   make cluster-up      start it on 127.0.0.1 (prints the kubeconfig path; idempotent)
#   make cluster-down    stop it and delete its state
.PHONY: cluster-deps cluster-build cluster-up cluster-down cluster-status

# etcd comes from Debian (3.4.23 in bookworm); openssl and curl make the
# certificates and probe /readyz. Installed only when missing.
cluster-deps:
	@command -v etcd >/dev/null && command -v openssl >/dev/null && command -v curl >/dev/null || { \
	  echo "== installing etcd-server openssl curl (apt)" >&2; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server openssl curl >/dev/null; }
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
