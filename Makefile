# shop-analytics: every command a person needs. `make demo` and `make test` set up a fresh
# machine by themselves (Python venv, jars from Maven Central, local services).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.platform/dagster
DAGSTER_PORT ?= 3000

.PHONY: install demo test test-fast lint up down status jars dev bench clean

install: $(STAMP)

$(STAMP): setup.py
	@command -v java >/dev/null || { echo "error: Java 17+ is needed: apt-get install openjdk-17-jre-headless"; exit 2; }
	@command -v mvn >/dev/null || { echo "error: Maven is needed to fetch jars: apt-get install maven"; exit 2; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test,aws]'
	touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## The main job: platform up, stream events, materialize the asset graph, print counts.
demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/shop-analytics demo

## The test suite on real services (started and stopped by the tests themselves).
test: install $(DAGSTER_HOME)/dagster.yaml
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
