"""Run the platform deployment on one machine: PostgreSQL metastore, SeaweedFS S3, Spark Thrift Server.

Used by ``platform/platformctl.py`` (and ``make platform-up``/``platform-down``/``platform-status``).
The Spark side of the same settings lives in ``ingest.platform_conf``.
"""
