# Platform mode (docs/platform.md): the same ingest and dbt code on a PostgreSQL Hive metastore,
# SeaweedFS S3 storage, a Spark standalone cluster and the Spark Thrift Server, all on 127.0.0.1.
# Included by the Makefile, which defines BIN, DBT, LANDING, REMOTE and the `venv` and `generate`
# targets.
PLATFORMCTL := $(BIN)/python platform/platformctl.py
PLATFORM_LANDING ?= s3a://landing

.PHONY: platform-up platform-down platform-status platform-compute-down platform-compute-up run-platform

platform-up: venv jars  ## start the platform (installs what is missing; idempotent)
	$(PLATFORMCTL) up
	@# The class archive of the platform driver's class path (once; ingest/class_archive.py).
	DAP_PROFILE=platform $(BIN)/python -m ingest.class_archive

platform-down:  ## stop every platform service (data stays under .state/platform)
	@if [ -x $(BIN)/python ]; then $(PLATFORMCTL) down; else echo "no venv: nothing to stop"; fi

platform-status:  ## each service (PostgreSQL, SeaweedFS, Spark master and workers, Thrift Server): health, port, pid
	$(PLATFORMCTL) status

platform-compute-down:  ## stop only the Spark cluster and the Thrift Server (storage and metastore stay)
	$(PLATFORMCTL) compute-down

platform-compute-up:  ## start the Spark cluster and the Thrift Server again
	$(PLATFORMCTL) compute-up

run-platform: platform-up generate  ## the whole pipeline on the platform: landing on S3, ingest, dbt via Thrift
	$(PLATFORMCTL) upload $(LANDING) $(PLATFORM_LANDING)
	DAP_PROFILE=platform DAP_LANDING=$(PLATFORM_LANDING) \
		$(BIN)/python -m ingest.sample.ftp_server --root $(REMOTE) -- $(BIN)/ingest run --pull --config ingest.yml
	$(PLATFORMCTL) exec -- $(DBT) build --target thrift
	$(PLATFORMCTL) exec -- $(DBT) docs generate --target thrift
	$(PLATFORMCTL) exec -- $(DBT) run-operation print_pipeline_summary --target thrift --quiet || true
	@echo "SQL clients: jdbc:hive2://127.0.0.1:10000/default as user analyst (see docs/platform.md)"
