"""How small S3 objects could reach Spark: Spark's own S3A read beside the record count's GETs
(what ``ingest run`` does today) against the objects fetched once in Python, counted from memory
and handed to Spark. A probe for a design decision, not a pipeline path.

Needs the local platform (``make platform-up``) and objects already in the landing bucket, e.g.
W2's 20,000 files (``bench/ingest_bench.py`` leaves them under ``bench/.work/landing/w2``; upload
them with ``platform/platformctl.py upload``). Spark runs in the platform profile. Each round
prints both wall times; both sides read every byte and count every record, and print what they
read so the two can be compared.

    DAP_PROFILE=platform python bench/s3_prefetch_probe.py s3a://landing/PREFIX/ [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ingest.formats.record_count import RawOpener, count_input
from ingest.landing_s3 import iter_objects, s3_client
from ingest.settings import load_settings
from ingest.spark_session import build_spark

FETCH_THREADS = 8


def spark_reads(spark: SparkSession, uris: list[str]) -> tuple[int, int]:
    """Today: Spark reads the objects through S3A (whole, by folder) while the count GETs them."""
    folders = sorted({uri.rsplit("/", 1)[0] for uri in uris})
    with ThreadPoolExecutor(1) as pool:
        counting = pool.submit(count_input, uris, "json")
        chars = spark.read.text(folders, wholetext=True).select(F.sum(F.length("value"))).first()
        records = sum(counting.result().records.values())
    return int(chars[0] if chars else 0), records


def python_fetches(spark: SparkSession, uris: list[str]) -> tuple[int, int]:
    """The alternative: one GET per object in Python; the count reads the bytes from memory while
    Spark reads them from a local relation."""
    opener = RawOpener()

    def fetch(uri: str) -> tuple[str, bytes]:
        body = opener(uri)
        try:
            return uri, body.read()
        finally:
            body.close()

    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        fetched = list(pool.map(fetch, uris))
    held = dict(fetched)

    def from_memory(uri: str) -> IO[bytes]:
        return io.BytesIO(held[uri])

    schema = T.StructType([T.StructField("uri", T.StringType()), T.StructField("content", T.BinaryType())])
    with ThreadPoolExecutor(1) as pool:
        counting = pool.submit(count_input, uris, "json", opener=from_memory)
        frame = spark.createDataFrame(fetched, schema)
        chars = frame.select(F.sum(F.length(F.col("content").cast("string")))).first()
        records = sum(counting.result().records.values())
    return int(chars[0] if chars else 0), records


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("prefix", help="s3a://bucket/prefix/ of the objects")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    bucket, _, key_prefix = args.prefix.split("://", 1)[1].partition("/")
    uris = [f"s3a://{bucket}/{item['Key']}" for item in iter_objects(s3_client(), bucket, key_prefix)]
    print(f"{len(uris)} objects under {args.prefix}", flush=True)
    spark = build_spark(load_settings(), "s3-prefetch-probe")
    spark.range(1).count()  # the executors up before the first timing
    for round_ in range(1, args.rounds + 1):
        for name, read in (
            ("spark's S3A read + the count's GETs", spark_reads),
            ("fetched once in Python", python_fetches),
        ):
            started = time.monotonic()
            chars, records = read(spark, uris)
            print(
                f"round {round_}  {name:38s} {time.monotonic() - started:6.1f} s  ({chars} characters, {records} records)",
                flush=True,
            )
    spark.stop()


if __name__ == "__main__":
    main()
