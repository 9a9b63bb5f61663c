# Device Analytics Pipeline: every set-up step lives here, so a fresh machine needs only
# `make run` (the whole pipeline on the embedded default) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STATE ?= $(CURDIR)/.state
LANDING ?= $(STATE)/landing
export DAP_STATE_DIR ?= $(STATE)
export DAP_LANDING ?= $(LANDING)
export DBT_PROFILES_DIR ?= $(CURDIR)/profiles
DBT := $(BIN)/dbt

JARS_DIR ?= $(STATE)/jars
JARS := $(JARS_DIR)/.verified
export DAP_JARS_DIR ?= $(JARS_DIR)

.PHONY: help venv jars run generate ingest dbt-build lint test bench clean

help:  ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/ingest: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dbt,dev,platform]'
	@touch $@

venv: $(BIN)/ingest  ## create .venv with the pinned dependencies

$(JARS): jars/jars.lock jars/fetch.sh
	jars/fetch.sh $(JARS_DIR)
	@touch $@

jars: $(JARS)  ## fetch the pinned jars (Iceberg, s3a) from Maven Central and verify their sha256

generate: venv  ## write the sample landing data
	$(BIN)/ingest generate --landing $(LANDING)

ingest: venv jars  ## ingest every configured source from the landing zone
	$(BIN)/ingest run --config ingest.yml

dbt-build: venv jars  ## seeds, models, snapshots and tests on the embedded Spark
	$(DBT) build --target local
	$(DBT) docs generate --target local

run: generate ingest dbt-build  ## the whole pipeline end to end, source freshness, then a summary
	@# A stale source past warn_after is a WARN and dbt exits 0, so the run goes on; past
	@# error_after (a week without data) dbt exits 1 and the run stops here.
	$(DBT) source freshness --target local
	$(DBT) run-operation print_pipeline_summary --target local --quiet || true

lint: venv  ## ruff (lint + format check), mypy strict, sqlfluff over the project
	$(BIN)/ruff check ingest tests bench platform
	$(BIN)/ruff format --check ingest tests bench platform
	$(BIN)/mypy ingest platform bench
	$(BIN)/sqlfluff lint models macros tests/dbt --processes 2

test: venv jars lint  ## the whole test suite (unit, Spark integration, dbt end to end, platform)
	$(BIN)/python -m pytest tests

bench: venv jars  ## ingest benchmark vs plain Spark, quick size (see bench/RESULTS.md)
	$(BIN)/python bench/ingest_bench.py --quick

clean:  ## remove generated state (warehouse, metastore, landing data, dbt target)
	rm -rf $(STATE) target logs dbt_packages

include platform/platform.mk
