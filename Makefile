# como — `make demo` runs the platform with demo data; `make test` proves it works.
# Both bootstrap everything they need on a machine with only Python 3.11.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help
.PHONY: help bootstrap services services-stop migrate demo seed test lint typecheck pytest bench lock clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

bootstrap: $(STAMP) ## Create .venv and install the pinned dependencies

services: bootstrap ## Start embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set
	@$(BIN)/python -m como.embedded

services-stop: ## Stop the embedded PostgreSQL and Redis (data is kept in .data/)
	@$(BIN)/python -m como.embedded stop

migrate: services ## Apply database migrations
	$(MANAGE) migrate --no-input

seed: migrate ## Seed (or reuse) the demo workspaces, contacts, events and admin login
	$(MANAGE) seed_demo

demo: seed ## Set up everything, seed demo data, run web + worker + beat
	$(MANAGE) run_demo

lint: bootstrap ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: bootstrap ## mypy with the Django and DRF plugins
	$(BIN)/mypy .

pytest: services ## Run the test suite
	$(BIN)/pytest

test: lint typecheck services ## Lint, type-check, check migrations and run the tests
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

bench: migrate ## Run the benchmarks (see bench/README.md)
	$(BIN)/python bench/ingest.py

lock: ## Re-resolve and pin dependencies into requirements.lock
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e ".[dev]"
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .venv-lock

clean: services-stop ## Remove the virtualenv and the embedded servers' data
	rm -rf $(VENV) .data
