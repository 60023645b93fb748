# Dalil — make targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.11 for knowledge/ + actions/, Python 3.10 for Rasa 3.6 (see README).
PY311 ?= $(shell for p in python3.11 $(HOME)/.pyenv/versions/3.11*/bin/python3.11 /usr/bin/python3.11; do $$p -c 'import sys; assert sys.version_info[:2]==(3,11)' 2>/dev/null && { command -v $$p || echo $$p; } && break; done)
PY310 ?= $(shell for p in python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do $$p -c 'import sys; assert sys.version_info[:2]==(3,10)' 2>/dev/null && { command -v $$p || echo $$p; } && break; done)
PIP_QUIET ?= -qq  # errors only: this machine's pip config warns once per package about a missing mirror
export PYTHONPATH := $(CURDIR)

.PHONY: help chromium services test-deps bench-e2e bench-load setup index model run test test-fast lint types bench bench-retrieval bench-entities bench-scale bench-nlu calibrate clean clean-data

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}'

.venv/.installed: requirements/knowledge.lock pyproject.toml
	@test -n "$(PY311)" || { echo "Python 3.11 is needed for the knowledge env (see README, Troubleshooting)"; exit 1; }
	@test -x .venv/bin/python || $(PY311) -m venv .venv
	.venv/bin/pip install $(PIP_QUIET) --upgrade pip
	@# --no-deps: the lock is the complete, exact set (torch pinned to the local CPU wheel).
	.venv/bin/pip install $(PIP_QUIET) --no-deps -r requirements/knowledge.lock
	.venv/bin/pip install $(PIP_QUIET) --no-deps -e .
	@touch $@

.venv-rasa/.installed: requirements/rasa.lock
	@test -n "$(PY310)" || { echo "Python 3.10 is needed for Rasa 3.6 (see README, Troubleshooting)"; exit 1; }
	@test -x .venv-rasa/bin/python || $(PY310) -m venv .venv-rasa
	.venv-rasa/bin/pip install $(PIP_QUIET) --upgrade pip
	@# camel-tools is in the lock at 1.5.7 and installed without its heavy deps: only its
	@# pure-Python normalization utilities are used on the Rasa side.
	.venv-rasa/bin/pip install $(PIP_QUIET) --no-deps -r requirements/rasa.lock
	@touch $@

chromium: ## install Debian's Chromium for the browser tests, if missing (needs root/apt)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the browser tests: install the 'chromium' package"; exit 1; fi; }

services: ## install Debian's PostgreSQL and Redis for the persistence tests, if missing (needs root/apt)
	@{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v redis-server >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null; \
	  else echo "PostgreSQL and Redis are needed for the persistence tests: install 'postgresql' and 'redis-server'"; exit 1; fi; }

setup: .venv/.installed .venv-rasa/.installed ## create both Python environments (idempotent)

test-deps: chromium services ## what only the tests need: Chromium, PostgreSQL, Redis

index: setup ## build the search index if missing or stale
	.venv/bin/dalil index build

model: setup ## train the Rasa model if missing or older than its inputs
	.venv/bin/python -m ops.servers model

run: index model ## start the Rasa, action and web servers, print the URLs; Ctrl-C stops all
	.venv/bin/python -m ops.run

lint: setup ## ruff over the whole repository
	.venv/bin/ruff check .

types: setup ## mypy over the Python packages
	.venv/bin/mypy knowledge actions web ops bench bot tests

test: lint types index model test-deps ## lint, types, then the whole test suite (what CI runs)
	.venv/bin/python -m pytest -q -p no:cacheprovider --durations=15 tests

test-fast: setup ## unit tests only (no servers)
	.venv/bin/python -m pytest -q tests -m "not e2e"

calibrate: index ## fit fusion weights and confidence threshold on the dev questions
	.venv/bin/dalil calibrate

bench-retrieval: index ## retrieval benchmark: own eval set + XQuAD-R (writes bench/results)
	.venv/bin/python -m bench.retrieval

bench-entities: setup ## entity recognition: precision/recall per type and slice (writes bench/results)
	.venv/bin/python -m bench.entities

bench-scale: index ## latency, build time and memory at 1k/10k/100k services (writes bench/results)
	.venv/bin/python -m bench.scale

bench-nlu: model ## NLU cross-validation, ArBanking77, Banking77 (tens of minutes; writes bench/results)
	.venv/bin/python -m bench.nlu

bench-load: model test-deps ## concurrent users through REST, 1 and 2 Rasa processes (writes bench/results)
	.venv/bin/python -m bench.load

bench-e2e: index model ## a sample of each held-out slice through the REST channel; single-message latency (writes bench/results)
	.venv/bin/python -m bench.e2e

bench: bench-retrieval bench-entities bench-e2e bench-scale bench-nlu bench-load ## all benchmarks

clean: ## remove built artifacts (index, models, logs, reports); keeps the environments and all data
	rm -rf var/index var/logs var/reports models .pytest_cache .mypy_cache .ruff_cache

clean-data: ## DELETE stored conversations, handoffs, feedback and versions (asks first)
	@read -p "delete var/ (conversations, handoffs, feedback, versions)? [y/N] " a && [ "$$a" = y ] && rm -rf var
