"""The jars of Spark's Kafka source (pinned with their sums in ``jars/jars.lock``; ``make jars``)."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import StateError

# spark-sql-kafka 3.5.7 with pyspark 3.5.9: Maven Central has no 3.5.8 or 3.5.9 of the connector.
KAFKA_JARS = (
    "spark-sql-kafka-0-10_2.12-3.5.7.jar",
    "spark-token-provider-kafka-0-10_2.12-3.5.7.jar",
    "kafka-clients-3.4.1.jar",
    "commons-pool2-2.11.1.jar",
)


def require_kafka_jars(jars_dir: Path) -> None:
    """A clear error, before Spark starts, when the Kafka source's jars are missing."""
    missing = [jar for jar in KAFKA_JARS if not (jars_dir / jar).is_file()]
    if missing:
        raise StateError(
            f"Spark's Kafka source jars are missing: {', '.join(missing)}",
            where=f"the jars dir {jars_dir} (DAP_JARS_DIR, default <state dir>/jars)",
            hint="run `make jars` (fetches the pinned jars from Maven Central and checks their sums)",
        )
