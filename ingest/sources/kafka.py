"""A source's Kafka topic as a stream of JSON records.

Every message value is one JSON record: the collector (``ingest collect``) writes each line a
device posted as one message to ``dap.events.<source>``, and the lines it could not accept to
``dap.deadletter.<source>`` with the reason in the ``dap-error`` header. The query reads both:
an event goes through the batch path, a dead letter straight to quarantine with the collector's
reason, so nothing a device sent is lost between the collector and the tables.
Provenance is Kafka's own: a row's ``_source_file`` is ``kafka://<topic>/<partition>`` and its
``_source_line`` the message's offset, so a quarantined message, or any row, leads back to the
exact message. A message whose value is empty or NULL is a bad record like a non-JSON one.

Per micro-batch, the messages of each topic partition are checked against the offset range Spark
planned for it (``ingest.sources.kafka_offsets``) before anything parses them; that planned count,
not a count of the DataFrame, is what the rows written + quarantined must add up to (the count
check of ``ingest.reconcile``), and each partition's range is recorded in the commit
(``dap.kafka-offsets``). Spark's Kafka source keeps the offsets of each micro-batch in the query's
checkpoint, so a replayed batch has the same messages; the commit key (query id, batch id) makes
the replay add nothing to a table that already holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest.broker import deadletter_topic, events_topic, load_broker_settings
from ingest.broker.topics import HEADER_ERROR, compacted_topics
from ingest.config import SourceConfig
from ingest.errors import ConfigError, DataError, ServiceError
from ingest.formats.record_count import InputCount
from ingest.landing import LandingFile
from ingest.pipeline import REJECTED
from ingest.sources.kafka_offsets import OffsetRange, SeenOffsets, check_read


def bootstrap_servers(source: SourceConfig) -> str:
    """``stream.bootstrap_servers``, else the broker settings' (``DAP_KAFKA_BOOTSTRAP``...)."""
    return source.stream.bootstrap_servers or load_broker_settings().bootstrap


def topics(source: SourceConfig) -> tuple[str, str]:
    """(events topic, dead-letter topic) of the source."""
    return source.stream.topic or events_topic(source.name), deadletter_topic(source.name)


def refuse_compacted_topic(source: SourceConfig) -> None:
    """A ConfigError (before any Spark work) when the source's events topic is compacted: the
    count check holds a micro-batch to every offset Spark planned, and compaction leaves gaps."""
    events, _dead = topics(source)
    address = bootstrap_servers(source)
    try:
        policy = compacted_topics(address, [events]).get(events)
    except ServiceError as exc:
        if not source.stream.bootstrap_servers:
            raise  # the default broker: the error names DAP_KAFKA_BOOTSTRAP and how to start it
        raise ServiceError(
            exc.what,
            where=f"sources.{source.name}.stream.bootstrap_servers: {address}",
            hint="check the address and that those brokers run (this source does not use the local broker)",
        ) from None
    if policy:
        raise ConfigError(
            f"source {source.name}: topic {events} is compacted (cleanup.policy={policy}); ingest checks "
            "that each micro-batch holds every offset Spark planned, and compaction removes offsets",
            where=f"sources.{source.name}.stream.topic",
            hint="read a topic with cleanup.policy=delete (Kafka's default), or leave stream.topic out "
            "to read the collector's topic",
        )


def kafka_stream(spark: SparkSession, source: SourceConfig) -> DataFrame:
    """A streaming DataFrame of the source's topics: topic, partition, offset, timestamp, value, headers."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap_servers(source))
        .option("subscribe", ",".join(topics(source)))
        .option("startingOffsets", source.stream.starting_offsets)
        .option("includeHeaders", "true")
    )
    if source.stream.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(source.stream.max_offsets_per_trigger))
    return reader.load().select("topic", "partition", "offset", "timestamp", "value", "headers")


@dataclass
class KafkaBatch:
    """One micro-batch's messages as records, with what was counted before parsing."""

    records: (
        DataFrame  # _source_file, _source_line, _raw, _kafka_timestamp (persisted: released with the batch)
    )
    partitions: list[LandingFile]  # one per topic partition: uri, planned message count and offset range
    counted: InputCount  # the planned message count per partition (not a count of ``records``)
    oldest: float | None  # the oldest message's Kafka timestamp (seconds since the epoch)


def batch_records(
    messages: DataFrame, source: SourceConfig, planned: list[OffsetRange], checkpoint: Path
) -> KafkaBatch:
    """The micro-batch's messages as records, after checking they are exactly ``planned``."""
    _events, dead = topics(source)
    error = F.filter("headers", lambda h: h["key"] == F.lit(HEADER_ERROR))[0]["value"].cast("string")
    records = messages.select(
        F.concat(F.lit("kafka://"), F.col("topic"), F.lit("/"), F.col("partition").cast("string")).alias(
            "_source_file"
        ),
        F.col("offset").alias("_source_line"),
        F.coalesce(F.col("value").cast("string"), F.lit("")).alias("_raw"),
        F.col("timestamp").alias("_kafka_timestamp"),
        F.when(
            F.col("topic") == dead,
            F.concat(F.lit("dead letter of the collector: "), F.coalesce(error, F.lit("no reason given"))),
        ).alias(REJECTED),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    stats = (
        records.groupBy("_source_file")
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.count_distinct("_source_line").alias("distinct"),
            F.min("_source_line").alias("first"),
            F.max("_source_line").alias("last"),
            F.min("_kafka_timestamp").alias("oldest"),
        )
        .collect()
    )
    seen = {str(s["_source_file"]): SeenOffsets(s["n"], s["distinct"], s["first"], s["last"]) for s in stats}
    try:
        check_read(planned, seen, checkpoint)
    except DataError:
        records.unpersist()
        raise
    partitions = [LandingFile(r.uri, r.messages, r.fingerprint) for r in planned]
    oldest = min((s["oldest"].timestamp() for s in stats if s["oldest"] is not None), default=None)
    counted = InputCount({r.uri: r.messages for r in planned}, {})
    return KafkaBatch(records, partitions, counted, oldest)
