# The Rails integration tests (test/rails) need a real MariaDB server and a
# Rails 6.1 stack that runs offline (`bundle install --local`), all from
# Debian's packages: no rubygems.org. Idempotent: when everything is
# installed it only asks dpkg. openssl makes the TLS test certificates.
RAILS_TEST_PKGS := mariadb-server ruby-rails ruby-delayed-job ruby-delayed-job-active-record \
	ruby-daemons puma ruby-mysql2 ruby-lograge bundler openssl

# DPkg::Lock::Timeout: another area's install may hold the dpkg lock (make -j).
.PHONY: rails-test-deps
rails-test-deps:
	@missing=$$(for p in $(RAILS_TEST_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -qx 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "test/rails needs Debian packages: sudo apt-get install --no-install-recommends $$missing" >&2; exit 1; fi; \
	echo "== apt-get install $$missing" >&2; \
	export DEBIAN_FRONTEND=noninteractive; \
	if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt-get update -q; fi; \
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing; }

TEST_DEPS += rails-test-deps
