# Sourced by the podman scripts and printed for the e2e suite: points podman at the
# project-local configuration and storage under .cache/podman, never the machine's.
_podman_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export RAILYARD_PODMAN_DIR="$_podman_root/.cache/podman"
export CONTAINERS_CONF="$RAILYARD_PODMAN_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$RAILYARD_PODMAN_DIR/storage.conf"
# The base image's tag changes when the script that builds it changes.
base_image_tag() {
  echo "localhost/railyard-e2e-base:bookworm-$(sha256sum "$_podman_root/scripts/podman/base-image.sh" | cut -c1-12)"
}
