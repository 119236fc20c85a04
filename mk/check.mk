# railyard check's peers, for test/check/peers.test.ts and bench/check.sh.
#   kube-score and kubeconform: built from the Go module proxy into .cache/bin.
#   kubeconform's JSON schemas: kubeconform downloads them from GitHub, which these
#   machines cannot reach; the kubernetes-validate wheel on PyPI ships the same
#   openapi2jsonschema output, and test/check/peers/extract-schemas.py unpacks one
#   Kubernetes version of it into .cache/kubeconform-schemas.
# Each step leaves a stamp named after its version, so re-running is a no-op and a
# version bump re-installs.
KUBE_SCORE_VERSION := v1.20.0
KUBECONFORM_VERSION := v0.7.0
KUBERNETES_VALIDATE_VERSION := 1.37.0
CHECK_SCHEMA_K8S_VERSION := 1.34.0
CHECK_STAMPS := .cache/stamps

$(CHECK_STAMPS)/kube-score-$(KUBE_SCORE_VERSION):
	@mkdir -p $(CHECK_STAMPS) .cache/bin
	GOBIN=$(CURDIR)/.cache/bin go install github.com/zegl/kube-score/cmd/kube-score@$(KUBE_SCORE_VERSION)
	@touch $@

$(CHECK_STAMPS)/kubeconform-$(KUBECONFORM_VERSION):
	@mkdir -p $(CHECK_STAMPS) .cache/bin
	GOBIN=$(CURDIR)/.cache/bin go install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	@touch $@

$(CHECK_STAMPS)/kubeconform-schemas-$(KUBERNETES_VALIDATE_VERSION)-$(CHECK_SCHEMA_K8S_VERSION): test/check/peers/extract-schemas.py
	@mkdir -p $(CHECK_STAMPS) .cache/pip
	python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest .cache/pip kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)
	rm -rf .cache/kubeconform-schemas
	python3 test/check/peers/extract-schemas.py .cache/pip/kubernetes_validate-$(KUBERNETES_VALIDATE_VERSION)-py3-none-any.whl $(CHECK_SCHEMA_K8S_VERSION) .cache/kubeconform-schemas
	@touch $@

.PHONY: check-peers
check-peers: $(CHECK_STAMPS)/kube-score-$(KUBE_SCORE_VERSION) $(CHECK_STAMPS)/kubeconform-$(KUBECONFORM_VERSION) $(CHECK_STAMPS)/kubeconform-schemas-$(KUBERNETES_VALIDATE_VERSION)-$(CHECK_SCHEMA_K8S_VERSION)

TEST_DEPS += check-peers
