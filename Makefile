# The README's two commands are `make demo` and `make test`. Both install what they need on a
# fresh clone: node_modules (npm install of the lock file) and a Python venv under the repo
# (.venv); `make test` also checkov's own venv (.venv-checkov; its pins clash with moto/awscli).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
export CHECKPOINT_DISABLE := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help install build synth demo e2e test test-unit lint typecheck jest pytest terraform-check checkov bench clean

help:
	@echo "make demo   - run the whole pipeline locally and show what a deploy would create"
	@echo "make test   - lint, type-check, unit/integration tests, terraform validate+plan, checkov"
	@echo "make bench  - benchmarks (synth vs barrel import, transform throughput, CLI, Spark jobs)"

install: node_modules/.installed $(VENV)/.installed $(CHECKOV_VENV)/.installed

# Not `npm ci`: the registry reachable here serves only the Linux builds of @swc/core's optional
# platform packages, so the lock file cannot list the darwin/win32 ones and `npm ci` refuses it
# ("Missing: @swc/core-darwin-arm64@ from lock file"). `npm install --no-save` installs exactly the
# locked versions without rewriting the lock.
node_modules/.installed: package.json package-lock.json
	npm install --no-save --no-audit --no-fund
	@touch $@

$(VENV)/.installed: requirements.txt
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

terraform-check: synth
	bash scripts/terraform-check.sh cdktf.out/stacks/*

checkov: synth $(CHECKOV_VENV)/.installed
	bash scripts/checkov-check.sh cdktf.out/stacks/*

test: install typecheck lint jest pytest terraform-check checkov e2e

# `make demo EVENTS=200000` scales the demo.
demo: node_modules/.installed $(VENV)/.installed build
	bash scripts/demo.sh $(if $(EVENTS),--events $(EVENTS))

# The end-to-end test: a small demo run whose outputs are checked against counts computed
# independently from the generated input.
e2e: node_modules/.installed $(VENV)/.installed build
	bash scripts/demo.sh --events 3000 --hours 3 --out build/e2e --skip-synth --check

bench: install build
	bash scripts/bench.sh

clean:
	rm -rf dist cdktf.out demo-output coverage
