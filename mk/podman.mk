# The container e2e suite (test/e2e/containers): podman and runc from Debian,
# project-local containers.conf/storage.conf under .cache/podman, and the
# debootstrap base image, built once and kept in .cache/podman/storage.
# Both steps are idempotent; the base image is rebuilt only when
# scripts/podman/base-image.sh changes (its hash is in the image tag).
.PHONY: podman-setup podman-base-image

podman-setup:
	@scripts/podman/setup.sh

podman-base-image: podman-setup
	@scripts/podman/base-image.sh

E2E_DEPS += podman-base-image
