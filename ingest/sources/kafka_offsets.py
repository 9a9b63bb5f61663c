"""What a Kafka micro-batch must hold, from the query's plan, and the check that it holds exactly that.

Why the plan: the count check (``ingest.reconcile``) compares the rows written + quarantined with a
count of the input taken apart from the readers. For a landing file that count comes from its
bytes. For a Kafka micro-batch, counting the messages of the DataFrame the batch ingests is not
apart: a message Spark's Kafka source did not deliver is missing from both sides, and the check
passes. The first and last offsets seen are not apart either (a lost first or last message moves
them). What is apart is the plan: before a micro-batch runs, Spark writes the offsets it reads up
to (exclusive) into the checkpoint's offset log, ``offsets/<batch id>`` (a write-ahead log: a
replayed batch reads the same entry), and where it starts is the previous batch's entry, or for
the first batch the initial offsets the Kafka source keeps in ``sources/0/0``. So per topic
partition a micro-batch holds ``until - start`` messages, offsets ``start`` to ``until - 1``:
the topics ingest reads are written by the collector's producer, which is idempotent and not
transactional (no control records take offsets), and they are not compacted (no offset goes
missing while its neighbours stay; ``ingest stream`` refuses a compacted ``stream.topic`` at
start), so their offsets are contiguous.

The check, per partition: the messages read are exactly the planned offsets (as many, none twice,
the first and the last planned ones), and the pipeline then reconciles rows written + quarantined
with the planned count. Plain Python over the checkpoint's text: no Spark.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from ingest.errors import DataError, StateError

# (topic, partition) -> offset, as one source's entry of Spark's offset log holds them
Offsets = dict[tuple[str, int], int]
_VERSION = "v1"


def partition_uri(topic: str, partition: int) -> str:
    """A partition as a micro-batch's input: the rows' ``_source_file``, the manifest's uri."""
    return f"kafka://{topic}/{partition}"


class OffsetRange(NamedTuple):
    """The messages one micro-batch reads from one topic partition: offsets ``start`` to ``until - 1``."""

    topic: str
    partition: int
    start: int
    until: int  # exclusive, as Spark's untilOffset

    @property
    def uri(self) -> str:
        return partition_uri(self.topic, self.partition)

    @property
    def messages(self) -> int:
        return self.until - self.start

    @property
    def fingerprint(self) -> str:
        """``offsets:<first>-<last>`` (inclusive): the manifest's fingerprint of the partition."""
        return f"offsets:{self.start}-{self.until - 1}"


class SeenOffsets(NamedTuple):
    """What a micro-batch's DataFrame holds of one partition, counted before parsing."""

    messages: int
    distinct: int  # distinct offsets
    first: int
    last: int


def parse_offsets(text: str, where: str) -> Offsets:
    """One Kafka source's offsets from an offset-log entry or the initial-offsets file.

    ``offsets/<batch id>``: ``v1``, a line of batch metadata, then one line per source of the
    query (ingest's queries have one). ``sources/0/0``: a NUL byte, ``v1``, then the offsets.
    The offsets line is ``{"<topic>": {"<partition>": <offset>, ...}, ...}``.
    """
    lines = text.lstrip("\0").splitlines()
    if len(lines) not in (2, 3) or lines[0] != _VERSION:
        raise _damaged(where, f"expected '{_VERSION}' and one Kafka source's offsets")
    try:
        raw = json.loads(lines[-1])
        return {
            (str(topic), int(partition)): int(offset)
            for topic, partitions in raw.items()
            for partition, offset in partitions.items()
        }
    except (ValueError, AttributeError, TypeError) as error:
        raise _damaged(where, f"the offsets line is not {{topic: {{partition: offset}}}} ({error})") from None


def _damaged(where: str, what: str) -> StateError:
    return StateError(
        f"the stream checkpoint's offset log cannot be read: {what}",
        where=where,
        hint="the checkpoint is damaged: restore it, or delete it together with a new topic or "
        "starting_offsets: latest (see README, 'Exactly once')",
    )


def planned_ranges(start: Offsets, end: Offsets, where: str = "") -> list[OffsetRange]:
    """The offset range of each partition that has messages in the batch, ordered by uri.

    A partition missing from ``start`` is new since the previous batch: Spark reads it from its
    first offset, 0 on a topic that is not compacted (and fails the query itself, as data loss,
    when retention removed the start of it first).
    """
    ranges = []
    for (topic, partition), until in end.items():
        first = start.get((topic, partition), 0)
        if until < first:
            raise StateError(
                f"the offsets of {partition_uri(topic, partition)} went back from {first} to {until}",
                where=where,
                hint="the topic was deleted and created again: delete the stream's checkpoint too",
            )
        if until > first:
            ranges.append(OffsetRange(topic, partition, first, until))
    return sorted(ranges, key=lambda r: r.uri)


def read_planned_ranges(checkpoint: Path, batch_id: int) -> list[OffsetRange]:
    """The micro-batch's offset ranges as Spark planned them, from the query's checkpoint.

    Spark writes ``offsets/<batch id>`` before it runs the batch and keeps the entry before it
    (it reads it itself to commit the previous batch), so both are there while a batch runs.
    """
    end_file = checkpoint / "offsets" / str(batch_id)
    start_file = (
        checkpoint / "offsets" / str(batch_id - 1) if batch_id > 0 else checkpoint / "sources" / "0" / "0"
    )
    offsets = []
    for path in (start_file, end_file):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _damaged(str(path), f"micro-batch {batch_id} needs this file ({error})") from None
        offsets.append(parse_offsets(text, str(path)))
    return planned_ranges(offsets[0], offsets[1], where=str(end_file))


def read_mismatches(planned: list[OffsetRange], seen: dict[str, SeenOffsets]) -> list[str]:
    """Each partition whose messages read are not exactly its planned offsets, described.

    Exactly: as many as planned, none twice, from the first planned offset to the last. With the
    count equal to the planned one, that leaves no room for a missing offset.
    """
    problems = []
    planned_uris = {r.uri for r in planned}
    for r in planned:
        got = seen.get(r.uri)
        if got is None:
            problems.append(f"{r.uri}: offsets {r.start}-{r.until - 1} planned ({r.messages}), none read")
        elif (got.messages, got.distinct, got.first, got.last) != (
            r.messages,
            r.messages,
            r.start,
            r.until - 1,
        ):
            problems.append(
                f"{r.uri}: offsets {r.start}-{r.until - 1} planned ({r.messages}), read {got.messages} "
                f"({got.distinct} distinct) from {got.first} to {got.last}"
            )
    for uri in sorted(set(seen) - planned_uris):
        got = seen[uri]
        problems.append(f"{uri}: none planned, read {got.messages} from {got.first} to {got.last}")
    return problems


def check_read(planned: list[OffsetRange], seen: dict[str, SeenOffsets], checkpoint: Path) -> None:
    """A ``DataError`` (the source fails, nothing of the batch committed) unless every partition
    read is exactly its planned offsets."""
    problems = read_mismatches(planned, seen)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise DataError(
            f"the messages read are not the micro-batch's planned offsets: {'; '.join(problems[:5])}{more}",
            where=str(checkpoint / "offsets"),
            hint="nothing of this micro-batch was committed. A topic written with transactions or "
            "compacted has gaps in its offsets and cannot be streamed with this check (the "
            "collector's topics have none); otherwise report it as a bug with the checkpoint",
        )
