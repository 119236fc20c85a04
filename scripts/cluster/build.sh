#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and, for the
# real node, kubelet and kube-proxy from the
# Go module proxy (k8s.io/kubernetes at one pinned release) plus kwok, into
# .cache/cluster/bin. Re-running is free once the binaries for the pinned
# versions exist.
#
# k8s.io/kubernetes' go.mod points the staging modules (k8s.io/api, …) at
# ./staging/src/…, which the module zip does not contain, and requires them at
# v0.0.0. Replaces in a dependency's go.mod are ignored, so a small wrapper
# module whose own replaces map every staging module to its published
# v0.X.Y release is enough for `go build` to resolve everything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache=${RAILYARD_CLUSTER_CACHE:-$root/.cache/cluster}
bin=$cache/bin
mkdir -p "$bin"

log() { printf '[cluster-build] %s\n' "$*" >&2; }

build_kubernetes() {
  local stamp=$bin/.kubernetes-$K8S_VERSION
  if [[ -f $stamp && -x $bin/kube-apiserver && -x $bin/kube-controller-manager && -x $bin/kube-scheduler \
        && -x $bin/kubelet && -x $bin/kube-proxy ]]; then
    log "kubernetes $K8S_VERSION: cached"
    return
  fi
  local src=$cache/src/kubernetes-$K8S_VERSION
  mkdir -p "$src"
  log "kubernetes $K8S_VERSION: resolving module graph"
  # The staging list comes from the release's own go.mod, so a new release
  # that adds a staging module needs no edit here.
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f $gomod ]] || { log "could not download k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  local staging
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod")
  {
    echo "module railyard.local/cluster-build"
    echo
    echo "go $(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $K8S_STAGING_VERSION"; done
    echo ")"
  } >"$src/go.mod"
  : >"$src/go.sum"
  # Version stamps the upstream build (hack/lib/version.sh) would set; the
  # API server reports them and kubectl's skew warning reads them.
  local major minor
  major=${K8S_VERSION#v}; major=${major%%.*}
  minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  log "kubernetes $K8S_VERSION: building (go build -p ${BUILD_PARALLEL:-2})"
  local t0=$SECONDS
  (
    cd "$src"
    export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
    go build -p "${BUILD_PARALLEL:-2}" -trimpath -ldflags "$ld" -o "$bin/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubelet \
      k8s.io/kubernetes/cmd/kube-proxy
  )
  log "kubernetes $K8S_VERSION: built in $((SECONDS - t0))s"
  touch "$stamp"
}

# go_install NAME VERSION PACKAGE: a static binary into $bin, once per version.
go_install() {
  local name=$1 version=$2 pkg=$3
  local stamp=$bin/.$name-$version
  if [[ -f $stamp && -x $bin/$name ]]; then
    log "$name $version: cached"
    return
  fi
  log "$name $version: building"
  local t0=$SECONDS
  GOBIN=$bin GOFLAGS="-buildvcs=false" CGO_ENABLED=0 \
    go install -trimpath -ldflags "-s -w" "$pkg@$version"
  log "$name $version: built in $((SECONDS - t0))s"
  touch "$stamp"
}

build_kubernetes
go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
# The NetworkPolicy engine for the real node (test/e2e/node/hardening.test.ts
# runs its policy controller as a process for the length of that suite).
go_install kube-router "$KUBE_ROUTER_VERSION" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
du -sh "$bin" | sed 's/^/[cluster-build] binaries: /' >&2
