# shop-analytics: every command a person needs. `make demo` and `make test` set up a fresh
# machine by themselves (Python venv, jars from Maven Central, local services).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.platform/dagster
DAGSTER_PORT ?= 3000
DASHBOARD_PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo test test-fast lint up down status jars dev bench clean dashboard install-chromium

install: $(STAMP)

$(STAMP): setup.py
	@command -v java >/dev/null || { echo "error: Java 17+ is needed: apt-get install openjdk-17-jre-headless"; exit 2; }
	@command -v mvn >/dev/null || { echo "error: Maven is needed to fetch jars: apt-get install maven"; exit 2; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test,aws,dashboard]'
	touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## The main job: platform up, stream events, materialize the asset graph, print counts.
demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/shop-analytics demo

## The test suite on real services (started and stopped by the tests themselves).
test: install install-chromium $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check shop_analytics shop_analytics_tests bench

up: install
	$(BIN)/shop-analytics platform up
down:
	@test -x $(BIN)/shop-analytics && $(BIN)/shop-analytics platform down || true
status: install
	$(BIN)/shop-analytics platform status
jars: install
	$(BIN)/shop-analytics platform jars

## Dagster's UI on 127.0.0.1 (lineage graph, runs, sensors); the platform must be up.
dev: install up $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DAGSTER_PORT)

bench: install
	$(BIN)/python -m bench

clean: down
	rm -rf .platform dbt_models/target dbt_models/logs

## The dashboards on http://127.0.0.1:$(DASHBOARD_PORT): executive (/), operational, technical.
dashboard: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/shop-analytics dashboard --host 127.0.0.1 --port $(DASHBOARD_PORT)

## Debian's Chromium for the dashboard's browser test (nothing to do when it is there).
install-chromium:
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null || { echo "error: the browser test needs Chromium (Debian: apt-get install chromium)"; exit 2; }; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
