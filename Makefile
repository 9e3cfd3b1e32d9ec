# The README's two commands are `make demo` and `make test`. Both install what they need on a
# fresh clone: node_modules (npm install of the lock file) and a Python venv under the repo
# (.venv); `make test` also checkov's own venv (.venv-checkov; its pins clash with moto/awscli).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The Python the jobs run under on EMR (constructs/contract/emr-release.json, read with node, which
# every target needs anyway): the venv is made with the same minor version, so what imports here
# imports on the cluster.
EMR_RELEASE := constructs/contract/emr-release.json
EMR_PY_VERSION := $(shell node -p 'require("./$(EMR_RELEASE)").python.version' 2>/dev/null)
EMR_PY_PATH := $(shell node -p 'require("./$(EMR_RELEASE)").python.path' 2>/dev/null)
PYTHON ?= python$(EMR_PY_VERSION)
py_minor = $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])'
VENV := .venv
CHECKOV_VENV := .venv-checkov
export CHECKPOINT_DISABLE := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help prereqs-demo prereqs-test install build synth synth-hcl demo e2e test test-unit lint typecheck emr-parity jest pytest terraform-check deploy-emulated checkov review bench clean

help:
	@echo "make demo   - run the whole pipeline locally and show what a deploy would create"
	@echo "make test   - lint, type-check, unit/integration tests, terraform plans, emulated deploy, checkov, e2e"
	@echo "make bench  - benchmarks (synth vs barrel import, transform throughput, CLI, Spark jobs)"

install: node_modules/.installed $(VENV)/.installed $(CHECKOV_VENV)/.installed

# What the machine must have (Node, Java, and for the tests terraform with the provider mirror,
# curl, unzip, sha256sum): one line per missing piece before anything is installed.
prereqs-demo prereqs-test:
	@bash scripts/check-prereqs.sh $(@:prereqs-%=%)

# Not `npm ci`: the registry reachable here serves only the Linux builds of @swc/core's optional
# platform packages, so the lock file cannot list the darwin/win32 ones and `npm ci` refuses it
# ("Missing: @swc/core-darwin-arm64@ from lock file"). `npm install --no-save` installs exactly the
# locked versions without rewriting the lock.
node_modules/.installed: package.json package-lock.json
	npm install --no-save --no-audit --no-fund
	@touch $@

$(VENV)/.installed: requirements.txt $(EMR_RELEASE)
	@[[ -n "$(EMR_PY_VERSION)" ]] || { echo "make: cannot read python.version from $(EMR_RELEASE) (is node installed?)" >&2; exit 1; }
	@command -v $(PYTHON) > /dev/null || { echo "make: $(PYTHON) not found: the jobs run on EMR under Python $(EMR_PY_VERSION) ($(EMR_RELEASE)); install it or set PYTHON=<a Python $(EMR_PY_VERSION)>" >&2; exit 1; }
	@got=$$($(call py_minor,$(PYTHON)) 2> /dev/null) || { echo "make: $(PYTHON) does not run; the jobs run on EMR under Python $(EMR_PY_VERSION) ($(EMR_RELEASE)): set PYTHON=<a Python $(EMR_PY_VERSION)>" >&2; exit 1; }; [[ $$got == "$(EMR_PY_VERSION)" ]] || { echo "make: $(PYTHON) is Python $$got, but the jobs run on EMR under Python $(EMR_PY_VERSION) ($(EMR_RELEASE)): set PYTHON=<a Python $(EMR_PY_VERSION)>" >&2; exit 1; }
	@if [[ -x $(VENV)/bin/python && $$($(call py_minor,$(VENV)/bin/python)) != "$(EMR_PY_VERSION)" ]]; then echo "make: $(VENV) is not Python $(EMR_PY_VERSION): recreating it" >&2; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

build: node_modules/.installed
	npm run --silent build

synth: build
	npx cdktf synth --output cdktf.out > /dev/null
	@ls cdktf.out/stacks

# The same stacks as formatted HCL, one directory each: the exit path (docs/operations.md).
synth-hcl: build
	bash scripts/export-hcl.sh cdktf.out/hcl

typecheck: node_modules/.installed
	npx tsc --noEmit

lint: node_modules/.installed $(VENV)/.installed
	npx eslint .
	npx prettier --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

jest: build $(VENV)/.installed
	npx jest

pytest: $(VENV)/.installed
	$(VENV)/bin/pytest -q jobs

# Nothing newer than the EMR release's Python in jobs/ (the jobs, their helpers and tools): vermin
# finds constructs and library APIs newer than it; compiling with the venv's Python (the same
# minor) finds the syntax vermin cannot parse there. test/emr-parity.test.ts (jest) checks the
# release's other facts.
emr-parity: $(VENV)/.installed
	@$(VENV)/bin/vermin --no-tips --violations --eval-annotations -q -t=$(EMR_PY_VERSION)- jobs || { echo "emr-parity: the files above need a Python newer than $(EMR_PY_VERSION), the one that runs the jobs on EMR ($(EMR_PY_PATH), $(EMR_RELEASE))" >&2; exit 1; }
	@find jobs -name '*.py' -not -path '*/__pycache__/*' -print0 | xargs -0 $(VENV)/bin/python -m py_compile || { echo "emr-parity: Python $(EMR_PY_VERSION) ($(VENV)/bin/python, as $(EMR_PY_PATH) on EMR) cannot compile the file above" >&2; exit 1; }
	@echo "emr-parity: jobs/ runs on Python $(EMR_PY_VERSION) (vermin $$($(VENV)/bin/vermin --version))"

terraform-check: synth synth-hcl
	bash scripts/terraform-check.sh cdktf.out/stacks/*
	node --import tsx scripts/hcl-check.ts cdktf.out/stacks cdktf.out/hcl

checkov: synth-hcl $(CHECKOV_VENV)/.installed
	bash scripts/checkov-check.sh cdktf.out/hcl/*

# The dev stack applied with terraform to a local moto server, re-planned (no change allowed)
# and destroyed; prints one JSON summary line. See scripts/deploy-emulated.sh.
deploy-emulated: synth $(VENV)/.installed
	bash scripts/deploy-emulated.sh cdktf.out/stacks/pipeline-dev

test: prereqs-test install typecheck lint emr-parity jest pytest terraform-check deploy-emulated checkov e2e

# `make demo EVENTS=200000` scales the demo.
demo: prereqs-demo node_modules/.installed $(VENV)/.installed build
	bash scripts/demo.sh $(if $(EVENTS),--events $(EVENTS))

# The end-to-end test: a small demo run whose outputs are checked against counts computed
# independently from the generated input.
e2e: node_modules/.installed $(VENV)/.installed build
	bash scripts/demo.sh --events 3000 --hours 3 --out build/e2e --skip-synth --check

# `make review ENV=dev`: synth → offline plan (against the stack's local state when one exists) →
# plan-review; exits with plan-review's code (0 nothing, 2 warnings, 3 a block).
review: synth
	bash scripts/plan-review/review.sh $(or $(ENV),dev)

bench: install build
	bash scripts/bench.sh

# Keeps cdktf.out/stacks/*/terraform.*.tfstate*: without remote state that is where a local
# deploy's state lives, and losing it orphans every resource the stack created.
clean:
	rm -rf dist demo-output coverage
	if [ -d cdktf.out ]; then find cdktf.out -type f ! -name 'terraform.*.tfstate*' -delete; find cdktf.out -type d -empty -delete; fi
