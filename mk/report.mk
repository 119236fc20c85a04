# `railyard report` (src/report, test/report): the browser test opens the report in
# Debian's headless Chromium (test/report/browser.test.ts). Installed only when
# missing; when installed this only asks dpkg.
REPORT_TEST_PKGS := chromium

.PHONY: report-deps
report-deps:
	@missing=$$(for p in $(REPORT_TEST_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -qx 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	[ -z "$$missing" ] || { echo "== apt-get install $$missing" >&2; export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $$missing >/dev/null; }

TEST_DEPS += report-deps
