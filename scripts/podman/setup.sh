#!/usr/bin/env bash
# Installs podman and runc from Debian and writes the project-local containers.conf
# and storage.conf. Idempotent: reruns only rewrite the two small config files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
need=()
for bin in podman runc debootstrap slirp4netns; do command -v "$bin" >/dev/null || need+=("$bin"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "podman setup: apt-get install podman runc debootstrap slirp4netns" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc debootstrap slirp4netns containernetworking-plugins uidmap iptables >/dev/null
fi
mkdir -p "$RAILYARD_PODMAN_DIR/storage" "$RAILYARD_PODMAN_DIR/run" "$RAILYARD_PODMAN_DIR/tmp"
cat >"$CONTAINERS_CONF.tmp" <<CONF
# Written by scripts/podman/setup.sh; podman reads it through CONTAINERS_CONF.
[containers]
# The design document's limits for the app processes.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
# No journald in this VM; podman logs are kept by the container's log file.
log_driver = "k8s-file"

[engine]
runtime = "runc"
# No systemd here: cgroups are managed through the filesystem.
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$RAILYARD_PODMAN_DIR/events.log"
tmp_dir = "$RAILYARD_PODMAN_DIR/tmp"
CONF
mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
cat >"$CONTAINERS_STORAGE_CONF.tmp" <<CONF
# Written by scripts/podman/setup.sh; podman reads it through CONTAINERS_STORAGE_CONF.
[storage]
driver = "overlay"
graphroot = "$RAILYARD_PODMAN_DIR/storage"
runroot = "$RAILYARD_PODMAN_DIR/run"
CONF
mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"
podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Store.GraphRoot}}' >&2
