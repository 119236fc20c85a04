# `railyard init` (src/import, test/import): the schedule tests run the real
# whenever, Debian's ruby-whenever (1.0.0 in bookworm; it brings ruby and
# chronic), never a copy of its rules. No rubygems.org. Idempotent: when the
# package is installed it only asks dpkg.
IMPORT_TEST_PKGS := ruby-whenever
# bench/init.sh also needs hyperfine; `make bench-init-deps` installs both.
IMPORT_BENCH_PKGS := ruby-whenever hyperfine

# DPkg::Lock::Timeout: another area's install may hold the dpkg lock (make -j).
define import_apt_install
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -qx 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then echo "test/import needs Debian packages: sudo apt-get install --no-install-recommends $$missing" >&2; exit 1; fi; \
	echo "== apt-get install $$missing" >&2; \
	export DEBIAN_FRONTEND=noninteractive; \
	if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt-get update -q; fi; \
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing; }
endef

.PHONY: import-test-deps bench-init-deps
import-test-deps:
	$(call import_apt_install,$(IMPORT_TEST_PKGS))

bench-init-deps:
	$(call import_apt_install,$(IMPORT_BENCH_PKGS))

TEST_DEPS += import-test-deps
