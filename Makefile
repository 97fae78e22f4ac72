# Herald: `make run` starts everything locally; `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAGE ?= dev

.PHONY: run test lint typecheck cfn-lint pytest frontend frontend-test bench build deploy clean

# The virtualenv is rebuilt whenever pyproject.toml changes.
$(VENV)/.stamp: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The SPA is rebuilt when its sources or lock file change (npm ci only when the lock changed).
frontend/node_modules/.stamp: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.stamp $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
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

pytest: $(VENV)/.stamp frontend
	$(VENV)/bin/pytest

test: lint typecheck cfn-lint frontend-test pytest

bench: $(VENV)/.stamp
	$(PY) bench/cold_start.py

# --- release -------------------------------------------------------------------------
# sam build calls build-<Function> for every function with BuildMethod: makefile. All share
# one recipe: the code plus its dependencies as Linux arm64 wheels for Lambda's python3.13.
build-ApiFunction build-OnUserConfirmedFunction build-OnTableChangeFunction build-SendWelcomeEmailFunction \
  build-OnImportUploadedFunction build-WsConnectFunction build-WsDisconnectFunction build-WsDefaultFunction \
  build-StartDeliveryFunction build-WaitForSenderFunction build-FinalizeDeliveryFunction \
  build-MarkDeliveryFailedFunction build-SendCampaignBatchFunction build-OnDeliveryEventFunction \
  build-DeliveryEndedFunction:
	$(PYTHON) -m pip install --quiet --target "$(ARTIFACTS_DIR)" \
	  --platform manylinux2014_aarch64 --implementation cp --python-version 3.13 \
	  --only-binary=:all: -r requirements.txt
	cp -r app workers "$(ARTIFACTS_DIR)/"
	find "$(ARTIFACTS_DIR)" -name '__pycache__' -type d -prune -exec rm -rf {} +

build:
	sam build --config-env $(STAGE)

# Secrets CloudFormation cannot create, the stack, then the SPA and its config.json to the
# stack's bucket and a CloudFront invalidation.
deploy: $(VENV)/.stamp frontend build
	$(PY) scripts/ensure_secrets.py --stage $(STAGE)
	sam deploy --config-env $(STAGE)
	$(PY) scripts/publish_spa.py --stage $(STAGE)

clean:
	rm -rf .aws-sam .localcloud frontend/dist test-artifacts
