# The runtime tests (test/runtime) run the runtime under tini, as the images do
# (tini is PID 1, the runtime its only child). Idempotent: asks dpkg first.
# MariaDB for the DB checks comes from mk/rails.mk (mariadb-server).
RUNTIME_TEST_PKGS := tini
# bench/runtime.sh also needs these; `make bench-runtime-deps` installs them.
RUNTIME_BENCH_PKGS := tini hyperfine wrk ruby ruby-webrick time mariadb-server

define runtime_apt_install
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -qx 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then echo "needs Debian packages: sudo apt-get install --no-install-recommends $$missing" >&2; exit 1; fi; \
	echo "== apt-get install $$missing" >&2; \
	export DEBIAN_FRONTEND=noninteractive; \
	if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt-get update -q; fi; \
	apt-get install -y -q --no-install-recommends $$missing \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }
endef

.PHONY: runtime-test-deps bench-runtime-deps
runtime-test-deps:
	$(call runtime_apt_install,$(RUNTIME_TEST_PKGS))

bench-runtime-deps:
	$(call runtime_apt_install,$(RUNTIME_BENCH_PKGS))

TEST_DEPS += runtime-test-deps
