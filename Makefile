# One-command setup: every target below creates what it needs and is a fast
# no-op when it is already there.
SHELL := /bin/bash
.DEFAULT_GOAL := validate

include tools/versions.env

VENV      := .venv
PY        := $(VENV)/bin/python
TOOLS_BIN := $(CURDIR)/.tools/bin
# The venv stamp depends on pyproject.toml, so a pin change reinstalls.
VENV_STAMP := $(VENV)/.installed
TOOL_STAMP := .tools/.installed-$(KUSTOMIZE_VERSION)-$(KUBECONFORM_VERSION)
# Pinned upstream manifests (argocd/install/upstream.toml), into Go's module cache.
UPSTREAM_STAMP := .tools/.upstream-$(shell cat argocd/install/upstream.toml 2>/dev/null | cksum | cut -d' ' -f1)
export PATH := $(CURDIR)/$(VENV)/bin:$(TOOLS_BIN):$(PATH)

.PHONY: setup validate test bench hooks schemas docs clean

setup: $(VENV_STAMP) $(TOOL_STAMP) $(UPSTREAM_STAMP)

$(VENV_STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# `kustguard tools install` (the command other repositories use) into .tools/bin.
# As before, a machine without Go still gets a working setup: the command says
# what still works, and setup goes on.
$(TOOL_STAMP): $(VENV_STAMP) tools/versions.env
	@$(VENV)/bin/kustguard tools install --bin-dir $(TOOLS_BIN) || true
	@rm -f .tools/.installed-* && touch $@

$(UPSTREAM_STAMP): $(VENV_STAMP)
	@$(PY) -m kustguard.upstream fetch
	@mkdir -p .tools && rm -f .tools/.upstream-* && touch $@

validate: setup
	@$(VENV)/bin/kustguard validate

test: setup
	@$(PY) -m pytest -n 2 -q

hooks: setup
	@$(VENV)/bin/pre-commit install

# Regenerate the committed CRD schemas from the upstream CRDs beside the repo.
SHARED := ../shared
schemas: setup
	@$(VENV)/bin/kustguard schemas import $(SHARED)/argocd/v3.2.12/crds/*.yaml --origin "argo-cd v3.2.12 manifests/crds"
	@$(VENV)/bin/kustguard schemas import $(SHARED)/metallb/v0.15.3/crds/*.yaml --origin "metallb v0.15.3 config/crd/bases"
	@k8s_api=v0.$$(. e2e/versions.env; echo "$${K8S_VERSION#v1.}") && \
	  dir=$$(go mod download -json "k8s.io/api@$$k8s_api" | $(PY) -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') && \
	  $(VENV)/bin/kustguard schemas enums "$$dir" --module-version "$$k8s_api"

# Regenerate docs/checks.md from the check registry (a test keeps it current).
docs: setup
	@$(PY) -m kustguard.checks._docs > docs/checks.md

clean:
	rm -rf $(VENV) .tools .cache

# Bootstrap a local k3d cluster with Argo CD (needs Docker and k3d).
# DRY_RUN=1 prints every command instead of running it.
.PHONY: k3d-up k3d-down
k3d-up:
	@bash scripts/k3d-up.sh $(if $(DRY_RUN),--dry-run)
k3d-down:
	@bash scripts/k3d-down.sh $(if $(DRY_RUN),--dry-run)

# End-to-end tests on a real control plane run as plain processes: Kubernetes
# (kube-apiserver, controller-manager, scheduler, etcd), kwok and Argo CD
# (docs/e2e.md). The pinned binaries are built once from the Go module proxy
# into a cache outside the repository. E2E_PYTEST_ARGS picks scenarios, e.g.
#   make e2e E2E_PYTEST_ARGS='-k "dry_run or gitops_loop or decrypted"'
# The browser scenarios (tests/e2e/test_ui.py) take the README's screenshots;
# `make e2e-screenshots` runs them alone and writes the PNGs into docs/images.
E2E_TESTS ?= tests/e2e
.PHONY: e2e e2e-screenshots
e2e: setup
	@bin=$$(nice -n 10 bash e2e/build-binaries.sh) && \
	  KUSTGUARD_E2E_BIN="$$bin" $(PY) -m pytest -m e2e -q -rA --durations=0 $(E2E_TESTS) $(E2E_PYTEST_ARGS)

e2e-screenshots:
	@KUSTGUARD_E2E_SCREENSHOTS=$(CURDIR)/docs/images $(MAKE) --no-print-directory e2e E2E_TESTS=tests/e2e/test_ui.py

# Benchmarks against the peers, side by side (docs/bench.md): installs them
# pinned into .tools, generates the corpora, writes bench/RESULTS.md.
# Options through BENCH_ARGS, e.g. make bench BENCH_ARGS='--size quick --only schema,full'
bench: setup
	@$(PY) bench/run.py $(BENCH_ARGS)
