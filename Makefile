# Herald: `make run` starts everything locally; `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAGE ?= dev
# Release and template tools (SAM CLI, checkov, actionlint, uv) live in a virtualenv of their own.
TOOLS := .venv-tools
TOOL := $(TOOLS)/bin
export SAM_CLI_TELEMETRY := 0

.PHONY: run test lint typecheck cfn-lint template-checks sam-validate checkov actionlint pytest frontend frontend-test bench seed \
  build build-size lock deploy clean permissions cost

# The virtualenv is rebuilt whenever pyproject.toml changes.
$(VENV)/.stamp: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(TOOLS)/.stamp: pyproject.toml
	test -x $(TOOL)/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOL)/python -m pip install --quiet --upgrade pip
	$(TOOL)/python -m pip install --quiet --group tools
	touch $@

# The SPA is rebuilt when its sources or lock file change (npm ci only when the lock changed).
frontend/node_modules/.stamp: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.stamp pricing/prices.json bench/results/cost_model.json \
  $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build --silent

frontend: frontend/dist/index.html

frontend-test: frontend/node_modules/.stamp $(VENV)/.stamp
	cd frontend && npm test --silent
	cd frontend && npm run --silent api-types:check

run: $(VENV)/.stamp frontend
	HERALD_APP_URL=http://$(HOST):$(PORT) $(VENV)/bin/uvicorn localcloud.asgi:create_local_app --factory --reload \
	  --reload-dir app --reload-dir workers --reload-dir localcloud \
	  --host $(HOST) --port $(PORT)

lint: $(VENV)/.stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.stamp
	$(VENV)/bin/mypy

cfn-lint: $(VENV)/.stamp
	$(VENV)/bin/cfn-lint template.yaml

# SAM's own validation with its linter, checkov's security checks (every waiver is in the
# template with its reason), and actionlint over the workflows; side by side (about 8 s in all).
# None of them needs the network.
template-checks: $(TOOLS)/.stamp
	$(MAKE) --no-print-directory -j3 --output-sync=target sam-validate checkov actionlint

sam-validate: $(TOOLS)/.stamp
	$(TOOL)/sam validate --lint --template-file template.yaml --region eu-west-1

checkov: $(TOOLS)/.stamp
	$(TOOL)/checkov --file template.yaml --framework cloudformation --quiet --compact --skip-download

actionlint: $(TOOLS)/.stamp
	$(TOOL)/actionlint

pytest: $(VENV)/.stamp frontend
	$(VENV)/bin/pytest

test: lint typecheck cfn-lint template-checks frontend-test pytest

bench: $(VENV)/.stamp
	$(PY) bench/cold_start.py

# What Herald costs in AWS for a month (offline: the price table and the calibrated coefficients;
# recalibrate with `$(PY) bench/cost_calibration.py`). JSON=1 prints JSON.
SUBSCRIBERS ?= 10000
CAMPAIGNS ?= 4
ENGAGEMENT ?= 0
cost: $(VENV)/.stamp
	@$(PY) scripts/cost.py --subscribers $(SUBSCRIBERS) --campaigns $(CAMPAIGNS) --engagement $(ENGAGEMENT) \
	  $(if $(JSON),--json)

# A realistic local state (50k subscribers over three lists, sent campaigns) as the named
# snapshot `seed` of .localcloud: load it from the dev console's Snapshots.
# Each function's permissions: granted, used, never used, denied (from `make run` when it runs, else
# the template's grants only). JSON=1 prints the JSON the dev console serves at /_local/iam.
permissions: $(VENV)/.stamp
	$(PY) -m localcloud.iam --url http://$(HOST):$(PORT) $(if $(JSON),--json)

seed: $(VENV)/.stamp
	HERALD_APP_URL=http://$(HOST):$(PORT) $(PY) -m localcloud.seed

# --- release -------------------------------------------------------------------------
# Runtime-provided packages: the Lambda python3.13 runtime ships boto3 and what it depends on,
# so the layer leaves them out (README: "Dependencies and boto3").
RUNTIME_PROVIDED := boto3 botocore s3transfer jmespath python-dateutil six urllib3
LAMBDA_WHEELS := --platform manylinux2014_aarch64 --implementation cp --python-version 3.13 --only-binary=:all:

# requirements.lock: every runtime dependency pinned with its hashes, resolved for Lambda
# (Linux arm64, CPython 3.13) from PyPI. Run after editing requirements.txt; a unit test
# fails while the lock no longer satisfies it.
lock: $(TOOLS)/.stamp
	$(TOOL)/uv pip compile requirements.txt --quiet --generate-hashes --index-url https://pypi.org/simple \
	  --python-platform aarch64-manylinux2014 --python-version 3.13 --only-binary :all: \
	  $(foreach package,$(RUNTIME_PROVIDED),--no-emit-package $(package)) --output-file requirements.lock

# sam build calls build-<LogicalId> for each resource with BuildMethod: makefile. The layer:
# the locked wheels, hash-checked, under python/ (where Lambda looks in a layer).
build-DependenciesLayer:
	$(PYTHON) -m pip install --quiet --root-user-action=ignore --no-deps --no-compile --require-hashes $(LAMBDA_WHEELS) \
	  --target "$(ARTIFACTS_DIR)/python" -r requirements.lock

# Every function: its own code only.
build-ApiFunction build-OnUserConfirmedFunction build-OnTableChangeFunction build-SendWelcomeEmailFunction \
  build-SendConfirmationEmailFunction \
  build-OnImportUploadedFunction build-ExportFunction build-WsConnectFunction build-WsDisconnectFunction build-WsDefaultFunction \
  build-StartDeliveryFunction build-WaitForSenderFunction build-FinalizeDeliveryFunction \
  build-MarkDeliveryFailedFunction build-SendCampaignBatchFunction build-OnDeliveryEventFunction \
  build-DeliveryEndedFunction build-AuthorizerFunction build-WebhookFanOutFunction build-WebhookDeliverFunction:
	mkdir -p "$(ARTIFACTS_DIR)"
	tar --create --exclude='__pycache__' --exclude='*.pyc' app workers | tar --extract --directory "$(ARTIFACTS_DIR)"

build: $(TOOLS)/.stamp
	$(TOOL)/sam build --config-env $(STAGE)

# Artifact sizes and build time (bench/results/build_size.json); run under the shared lock.
build-size: $(TOOLS)/.stamp
	$(PY) bench/build_size.py

# Refuse placeholder parameters first (scripts/deploy_config.py prints the checked overrides),
# then the SPA, the build, the secrets CloudFormation cannot create, the stack, and the SPA
# upload with a CloudFront invalidation. PARAMS="SenderEmail=... AlarmEmail=..." adds or
# replaces samconfig.toml's overrides; CI passes SAM_DEPLOY_FLAGS=--no-confirm-changeset.
PARAMS ?=
SAM_DEPLOY_FLAGS ?=
deploy: $(VENV)/.stamp $(TOOLS)/.stamp
	overrides="$$($(PY) scripts/deploy_config.py --stage $(STAGE) $(PARAMS))" && \
	  $(MAKE) --no-print-directory frontend build && \
	  $(PY) scripts/ensure_secrets.py --stage $(STAGE) && \
	  $(TOOL)/sam deploy --config-env $(STAGE) --parameter-overrides "$$overrides" $(SAM_DEPLOY_FLAGS) && \
	  $(PY) scripts/publish_spa.py --stage $(STAGE)

clean:
	rm -rf .aws-sam .localcloud frontend/dist test-artifacts
