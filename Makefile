# Device Analytics Pipeline: every set-up step lives here, so a fresh machine needs only
# `make run` (the whole pipeline on the embedded default) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STATE ?= $(CURDIR)/.state
LANDING ?= $(STATE)/landing
# What the sample's remote FTP server shares: the shop exports that `make run` pulls.
REMOTE ?= $(STATE)/remote
export DAP_STATE_DIR ?= $(STATE)
export DAP_LANDING ?= $(LANDING)
export DBT_PROFILES_DIR ?= $(CURDIR)/profiles
DBT := $(BIN)/dbt

JARS_DIR ?= $(STATE)/jars
JARS := $(JARS_DIR)/.verified
export DAP_JARS_DIR ?= $(JARS_DIR)
# The Kafka broker's own jars (Scala 2.13): a separate dir, never on Spark's class path.
KAFKA_JARS_DIR ?= $(JARS_DIR)/kafka-broker
KAFKA_JARS := $(KAFKA_JARS_DIR)/.verified
export DAP_KAFKA_JARS_DIR ?= $(KAFKA_JARS_DIR)
# `make docs-serve` serves the docs site on 127.0.0.1 at this port.
export DAP_DOCS_PORT ?= 8080
# `make test` runs the suite in this many pytest-xdist workers (each with its own Spark session).
TEST_WORKERS ?= 2
# The docs-site browser test drives Debian's Chromium (Playwright's own browser download is not used).
CHROMIUM ?= /usr/bin/chromium

.PHONY: help venv jars class-archive browser run generate ingest dbt-build docs docs-serve lint lint-dbt test bench bench-dlt bench-dbt bench-csv clean \
	stream-up stream-down stream-status bench-stream

help:  ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# uv (pinned) installs the pinned set on both cores, bytecode compiled as pip would: 28 s against
# pip's 37-39 s on 2 cores, the same packages and versions (bench/RESULTS.md, session 42).
UV_VERSION := 0.9.13
$(BIN)/ingest: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -c constraints.txt -e '.[dbt,dev,platform,stream]'
	@touch $@

venv: $(BIN)/ingest  ## create .venv with the pinned dependencies

$(JARS): jars/jars.lock jars/fetch.sh
	jars/fetch.sh $(JARS_DIR)
	@touch $@

$(KAFKA_JARS): jars/kafka-broker.lock jars/fetch.sh
	jars/fetch.sh --lock jars/kafka-broker.lock $(KAFKA_JARS_DIR)
	@touch $@

# Ingest's own SQL functions (ingest/java), compiled against pyspark's jars with the JDK's javac.
FUNCTIONS_JAR := $(JARS_DIR)/dap-ingest-functions.jar
$(FUNCTIONS_JAR): $(wildcard ingest/java/dap/ingest/*.java) | $(BIN)/ingest
	$(BIN)/python -m ingest.jvm_functions --build $(JARS_DIR)

jars: $(JARS) $(KAFKA_JARS) $(FUNCTIONS_JAR)  ## fetch the pinned jars (Iceberg, s3a; the Kafka broker) from Maven Central, verify their sha256; build ingest's functions jar

# Spark's classes parsed once into a JDK class-data-sharing archive (.state/cds): every later
# Spark JVM (ingest, dbt, the tests') starts about 6 s sooner. Made once per JDK and class path.
class-archive: venv jars  ## make the class archive the Spark JVMs start from (once, about a minute)
	$(BIN)/python -m ingest.class_archive

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

browser: $(CHROMIUM)  ## install Debian's chromium (headless) for the docs-site browser test, if missing

generate: venv  ## write the sample landing data (the shop exports to $(REMOTE), for the FTP pull)
	$(BIN)/ingest generate --landing $(LANDING) --remote shop=$(REMOTE)/shop

ingest: venv jars class-archive  ## pull the shop exports from a local FTP server, then ingest every configured source
	$(BIN)/python -m ingest.sample.ftp_server --root $(REMOTE) -- $(BIN)/ingest run --pull --config ingest.yml

# ingest.dbt_console: dbt's progress in about ten lines instead of two per node (full log: logs/).
dbt-build: venv jars class-archive  ## seeds, models, snapshots and tests on the embedded Spark
	$(BIN)/python -m ingest.dbt_console build --target local

docs: venv jars class-archive  ## generate the docs site in target/ (dbt docs + where each raw column came from)
	$(BIN)/python -m ingest.dbt_docs --target local

docs-serve:  ## serve target/ on http://127.0.0.1:$DAP_DOCS_PORT (run `make docs` first)
	@test -f target/index.html || { echo "no target/index.html: run 'make docs' first"; exit 1; }
	@echo "docs: http://127.0.0.1:$(DAP_DOCS_PORT)/  (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(DAP_DOCS_PORT) --bind 127.0.0.1 --directory target

run: generate ingest dbt-build docs  ## the whole pipeline end to end, source freshness, then a summary
	@# A stale source past warn_after is a WARN and dbt exits 0, so the run goes on; past
	@# error_after (a week without data) dbt exits 1 and the run stops here.
	$(BIN)/python -m ingest.dbt_console source freshness --target local
	DAP_JVM_OPTIONS="$$($(BIN)/python -m ingest.class_archive --jvm-options)" \
		$(DBT) run-operation print_pipeline_summary --target local --quiet || true

lint: venv  ## ruff (lint + format check), mypy strict, sqlfluff, dbt-score (dbt conventions)
	$(BIN)/ruff check ingest tests bench platform dbt_score_rules
	$(BIN)/ruff format --check ingest tests bench platform dbt_score_rules
	$(BIN)/mypy ingest platform bench dbt_score_rules
	$(BIN)/sqlfluff lint models macros tests/dbt --processes 2
	$(MAKE) --no-print-directory lint-dbt

# dbt parse needs no warehouse: the manifest goes to its own target path, so target/ (the docs
# site) is left alone. Rules: [tool.dbt-score] in pyproject.toml and dbt_score_rules/.
lint-dbt: venv  ## dbt-score over the parsed project (descriptions, primary-key tests, names)
	$(DBT) parse --target local --quiet --target-path $(STATE)/dbt-lint
	$(BIN)/dbt-score lint --manifest $(STATE)/dbt-lint/manifest.json

# The suite is CPU-bound, yet its workers leave about a tenth of 2 cores idle while they wait on
# services and subprocesses. So: pip beside the jar fetch (one core each); then lint at idle
# priority (nice 19) beside the class archive and the whole suite, soaking up that idle time
# instead of holding the suite back; its output is shown whole after the tests'.
LINT_LOG := $(STATE)/lint.log
test: browser  ## the whole test suite (lint, unit, Spark integration, dbt end to end, docs site in Chromium, platform)
	@$(MAKE) --no-print-directory -j2 --output-sync=target venv $(JARS) $(KAFKA_JARS)
	@$(MAKE) --no-print-directory jars
	@mkdir -p $(STATE); echo "lint: running at idle priority beside the tests (output at the end)"; \
	{ nice -n 19 $(MAKE) --no-print-directory lint; linted=$$?; \
		echo "lint: exit $$linted after $$SECONDS s"; exit $$linted; \
	} >$(LINT_LOG) 2>&1 & lint=$$!; \
	trap 'kill $$lint 2>/dev/null' INT TERM; \
	$(MAKE) --no-print-directory class-archive && \
		$(BIN)/python -m pytest tests -n $(TEST_WORKERS) --dist loadscope --durations=25; tests=$$?; \
	wait $$lint; linted=$$?; echo "== make lint =="; cat $(LINT_LOG); \
	if (( linted )); then echo "make test: lint failed (exit $$linted; see above)"; fi; \
	if (( tests )); then echo "make test: the tests failed (exit $$tests)"; fi; \
	exit $$(( tests ? tests : linted ))

DLT_VENV := $(STATE)/bench-dlt

$(DLT_VENV)/bin/dlt: bench/dlt-constraints.txt
	$(PYTHON) -m venv $(DLT_VENV)
	$(DLT_VENV)/bin/pip install --quiet -c bench/dlt-constraints.txt 'dlt[parquet]'
	@touch $@

bench-dlt: $(DLT_VENV)/bin/dlt  ## a separate venv with dlt (pinned in bench/dlt-constraints.txt) for the benchmark

bench: venv jars bench-dlt  ## floor vs ingest vs dlt, quick size; full size: bench/ingest_bench.py (bench/RESULTS.md)
	$(BIN)/python bench/ingest_bench.py --quick --dlt-python $(DLT_VENV)/bin/python

bench-csv: venv jars class-archive  ## CSV: floor vs ingest, 1M rows x 12 columns in 20 files, 500,000 rows in 20,000 files, 2,000 rows x 600 columns (bench/RESULTS.md)
	$(BIN)/python bench/csv_bench.py --work $(STATE)/csv-bench

# The real-time path on the embedded default: one Kafka broker (KRaft) on 127.0.0.1:$DAP_KAFKA_PORT
# (default 19092), data under $(STATE)/kafka, a topic per JSON source of ingest.yml.
stream-up: venv jars  ## start the Kafka broker and create the sources' topics (idempotent)
	$(BIN)/ingest broker start --config ingest.yml

stream-down:  ## stop the Kafka broker (its data stays under .state/kafka)
	@if [ -x $(BIN)/ingest ]; then $(BIN)/ingest broker stop; else echo "no venv: nothing to stop"; fi

stream-status: venv  ## the Kafka broker: running, reachable, topics
	$(BIN)/ingest broker status

bench-stream: venv jars  ## real-time path: POST at 2,000 events/s -> collector -> Kafka -> ingest stream; latency p50/p95
	$(BIN)/python bench/stream_bench.py

bench-dbt: venv jars  ## dbt build after one new day on 30 days vs 3 days from scratch (see bench/RESULTS.md)
	$(BIN)/python bench/dbt_bench.py --work $(STATE)/dbt-bench

clean:  ## remove generated state (warehouse, metastore, landing data, dbt target)
	rm -rf $(STATE) target logs dbt_packages

include platform/platform.mk
