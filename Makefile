# railyard. Two commands set everything up from a fresh clone:
#   make demo   render and check the Storecove example
#   make test   install what the tests need, then run them
# Slow suites (podman images, a local Kubernetes control plane): make e2e
SHELL := /bin/bash
.DEFAULT_GOAL := demo
export PATH := $(CURDIR)/.cache/bin:$(CURDIR)/node_modules/.bin:$(PATH)

NODE_OK := $(shell node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null && echo yes)

# Each area adds its own setup steps to TEST_DEPS / E2E_DEPS in mk/<area>.mk,
# and what to stop afterwards (a cluster it started) to E2E_CLEANUP.
TEST_DEPS :=
E2E_DEPS :=
E2E_CLEANUP :=
-include mk/*.mk

.PHONY: demo test e2e build deps check-node typecheck clean

check-node:
	@test "$(NODE_OK)" = yes || { echo "railyard needs Node.js >= 20 (found $$(node --version 2>/dev/null || echo none))" >&2; exit 2; }

node_modules/.installed: package.json package-lock.json | check-node
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

build: deps
	npm run build --silent

typecheck: deps
	npx tsc --noEmit

demo: build
	@echo "== railyard synth examples/storecove" >&2
	node bin/railyard.js synth examples/storecove --out out/storecove --image-tag demo0000000
	@echo "== railyard synth examples/storecove-gateway" >&2
	node bin/railyard.js synth examples/storecove-gateway --out out/storecove-gateway --image-tag demo0000000 --quiet
	@if node bin/railyard.js check --help >/dev/null 2>&1; then echo "== railyard check examples/storecove" >&2; node bin/railyard.js check examples/storecove; fi

# The JSON report feeds scripts/test/failures.mjs, which repeats the failed
# tests' names as the run's last lines (CI shows only the tail of a log).
VITEST_REPORT = --reporter=default --reporter=json --outputFile.json=.cache/vitest-$@.json

test: build typecheck $(TEST_DEPS)
	@mkdir -p .cache; npx vitest run $(VITEST_REPORT) || { node scripts/test/failures.mjs .cache/vitest-$@.json; exit 1; }

# The cleanup runs whatever the tests did, and fails the run when it cannot
# leave the machine as it found it (cluster-down lists what it left behind).
e2e: build $(E2E_DEPS)
	@mkdir -p .cache; RAILYARD_E2E=1 npx vitest run $(VITEST_REPORT); rc=$$?; \
	  $(if $(strip $(E2E_CLEANUP)),$(MAKE) --no-print-directory $(E2E_CLEANUP) || rc=1;) \
	  if [ $$rc -ne 0 ]; then node scripts/test/failures.mjs .cache/vitest-$@.json; fi; \
	  exit $$rc

clean:
	rm -rf dist out .cache

.PHONY: golden
golden: build ## re-render the golden files and the JSON Schema after an intended change
	node bin/railyard.js schema --output schema/railyard.schema.json
	node bin/railyard.js synth examples/storecove --out test/golden/storecove --image-tag golden0000000 --quiet --no-runtime
	node bin/railyard.js synth examples/storecove-gateway --out test/golden/storecove-gateway --image-tag golden0000000 --quiet --no-runtime
