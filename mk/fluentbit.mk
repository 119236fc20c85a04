# Fluent Bit, built from ../shared/vendor/fluent-bit-*-src.tar.gz (no Debian
# package, no reachable registry) into ~/.cache/railyard/fluent-bit-<hash16>,
# outside the clone, once per tarball (scripts/fluentbit/build.sh installs
# its Debian build dependencies when missing).
#   make fluent-bit   build it, or reuse the cached binary
# It is a TEST_DEPS step, not only an E2E one: `make test` runs
# `fluent-bit --dry-run` on every rendered config (test/render/fluent-bit-dry-run.test.ts),
# because a config Fluent Bit refuses is a rendering bug the fast suite must
# catch. That costs about 2 minutes once per machine; afterwards the step is a
# hash of the tarball (well under a second).
.PHONY: fluent-bit

fluent-bit:
	@scripts/fluentbit/build.sh >/dev/null

TEST_DEPS += fluent-bit
E2E_DEPS += fluent-bit
