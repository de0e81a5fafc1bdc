# Two commands from a fresh clone: `make run` serves the demo, `make test` runs every test.
# Each target does its own set-up (uv, virtual environment, translations, database).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
JIFEN := $(VENV)/bin/jifen
# uv from the PATH, or installed once into .tools/ when the machine has none.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=

.PHONY: help run test lint messages bench setup venv translations

help:
	@echo "make run    serve Jifen with the demo programme at http://127.0.0.1:8000"
	@echo "make test   run every test (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make lint | make messages | make bench"

run: setup
	$(JIFEN) migrate --noinput
	$(JIFEN) demo --if-empty -v 0
	$(JIFEN) run

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

messages: setup
	$(JIFEN) makemessages -l zh_Hans -l fr --no-obsolete \
		--ignore=.venv --ignore=.tools --ignore=var --ignore=artifacts --ignore=tests

# bench/ledger.py fills a PostgreSQL database of its own: dropped and created anew on
# BENCH_SERVER at each run (the other benchmarks make their own throwaway databases).
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
bench: setup
	@$(UV) sync --frozen --group bench --quiet
	@for script in bench/*.py; do \
		case "$$script" in *_settings.py) continue;; esac; \
		echo "== $$script"; \
		if [ "$$script" = bench/ledger.py ]; then \
			psql -q "$(BENCH_SERVER)/postgres" -c "DROP DATABASE IF EXISTS jifen_bench" \
				-c "CREATE DATABASE jifen_bench" || exit 1; \
			DATABASE_URL="$(BENCH_SERVER)/jifen_bench" $(VENV)/bin/python "$$script" || exit 1; \
		else \
			$(VENV)/bin/python "$$script" || exit 1; \
		fi; \
	done

setup: venv translations

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

# Every time: a no-op in a fraction of a second when .venv already matches uv.lock.
venv: $(UV)
	@$(UV) sync --frozen --quiet

translations: venv
	@command -v msgfmt >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y -q gettext || { apt-get update -q && apt-get install -y -q gettext; }; \
		else \
			echo "gettext is missing (msgfmt): install it, e.g. sudo apt-get install gettext" >&2; \
			exit 1; \
		fi; }
	@if ls jifen/locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		cd jifen && ../$(VENV)/bin/django-admin compilemessages -v 0; \
	fi
