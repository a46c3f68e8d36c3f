# como — `make demo` runs the platform with demo data; `make test` proves it works.
# Both bootstrap everything they need on a machine with only Python 3.11.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
MANAGE := $(BIN)/python manage.py
# Where `make demo` serves; e.g. `make demo PORT=8080`.
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Extra pytest arguments, e.g. `make pytest PYTEST_ARGS="-k tenancy -x"`.
PYTEST_ARGS ?=
# Everything make runs is a development machine's: the built-in secret key is allowed and
# cookies work over plain http. Production (the default without make) refuses both.
export COMO_ENV ?= development

.DEFAULT_GOAL := help
.PHONY: help bootstrap services services-stop migrate seed demo test lint typecheck \
        check-migrations pytest browser bench compose-config lock clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "  Variables: PORT=$(PORT) HOST=$(HOST) PYTHON=$(PYTHON) PYTEST_ARGS=..."

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

bootstrap: $(STAMP) ## Create .venv and install the pinned dependencies

# Importing the settings starts exactly what they would use: the embedded PostgreSQL when
# DATABASE_URL is unset, the embedded Redis when REDIS_URL is unset (also read from .env).
services: bootstrap ## Start embedded PostgreSQL/Redis where DATABASE_URL/REDIS_URL are unset
	@$(BIN)/python -c 'import urllib.parse, como.settings as s; db = s.DATABASES["default"]; \
	r = urllib.parse.urlsplit(s.REDIS_URL); \
	print("postgres:", db["NAME"], "at", db["HOST"] or "localhost", db["PORT"] or ""); \
	print("redis:   ", f"{r.hostname}:{r.port}{r.path}")'

services-stop: ## Stop the embedded PostgreSQL and Redis (their data stays in .data/)
	@$(BIN)/python -m como.embedded stop

migrate: services ## Apply database migrations
	$(MANAGE) migrate --no-input

seed: migrate ## Seed (or reuse) the demo workspaces, contacts, events, logins and keys
	$(MANAGE) seed_demo --base-url http://$(HOST):$(PORT)

demo: seed ## Everything above, then run web + Celery worker + beat (Ctrl-C stops)
	$(MANAGE) run_demo --host $(HOST) --port $(PORT)

lint: bootstrap ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: bootstrap ## mypy with the Django and DRF plugins
	$(BIN)/mypy .

check-migrations: services ## Fail when a model change has no migration
	$(MANAGE) makemigrations --check --dry-run

pytest: services ## Run the test suite only
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck check-migrations ## ruff, mypy, makemigrations --check, then pytest (Chromium, every bench --smoke)
	-@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory pytest

# The browser tests (tests/e2e) drive Debian's Chromium through Playwright and skip without it.
browser: ## Install Chromium for the browser tests (Debian/Ubuntu, as root)
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
		echo "chromium: already installed"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
		&& echo "chromium: installed"; \
	else \
		echo "chromium: install it with your package manager; the browser tests skip without it"; \
		exit 1; \
	fi

bench: migrate ## Run the benchmarks (see bench/README.md)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/actions.py
	$(BIN)/python bench/compliance.py
	$(BIN)/python bench/inventory.py
	$(BIN)/python bench/console.py
	$(BIN)/python bench/sequences.py
	$(BIN)/python bench/intent.py
	$(BIN)/python bench/accounts.py
	$(BIN)/python bench/http_events.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/attribution.py

# The file requires DJANGO_SECRET_KEY; validating it needs none, so a placeholder stands in.
compose-config: export DJANGO_SECRET_KEY ?= compose-config-only
compose-config: ## Validate docker/compose.yaml (needs docker compose or docker-compose)
	@if docker compose version >/dev/null 2>&1; then docker compose -f docker/compose.yaml config -q; \
	else docker-compose -f docker/compose.yaml config -q; fi && echo "docker/compose.yaml is valid"

lock: ## Re-resolve and pin dependencies into requirements.lock
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e ".[dev]"
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .venv-lock

clean: ## Stop the embedded servers, remove the virtualenv and .data/ (the demo's data too)
	@if test -x $(BIN)/python; then $(BIN)/python -m como.embedded stop; fi
	rm -rf $(VENV) .data
