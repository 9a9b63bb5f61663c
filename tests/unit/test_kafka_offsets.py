"""A Kafka micro-batch is checked against the offsets Spark planned for it, not against itself.

The checkpoint files are written here as Spark 3.5 writes them (``offsets/<batch id>``: ``v1``, the
batch metadata, one line per source; ``sources/0/0``: a NUL byte, ``v1``, the initial offsets).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import DataError, StateError
from ingest.reconcile import reconcile
from ingest.sources.kafka_offsets import (
    OffsetRange,
    SeenOffsets,
    check_read,
    parse_offsets,
    planned_ranges,
    read_mismatches,
    read_planned_ranges,
)

EVENTS, DEAD = "dap.events.cam", "dap.deadletter.cam"
METADATA = {
    "batchWatermarkMs": 0,
    "batchTimestampMs": 1796130040263,
    "conf": {"spark.sql.shuffle.partitions": "4"},
}


def write_batch(checkpoint: Path, batch_id: int, offsets: dict[str, dict[str, int]]) -> None:
    path = checkpoint / "offsets" / str(batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"v1\n{json.dumps(METADATA)}\n{json.dumps(offsets)}", encoding="utf-8")


def write_initial(checkpoint: Path, offsets: dict[str, dict[str, int]]) -> None:
    path = checkpoint / "sources" / "0" / "0"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0v1\n" + json.dumps(offsets).encode())


def test_first_batch_starts_at_the_initial_offsets(tmp_path: Path) -> None:
    write_initial(tmp_path, {EVENTS: {"1": 0, "0": 0}, DEAD: {"0": 0}})
    write_batch(tmp_path, 0, {EVENTS: {"1": 3091, "0": 3859}, DEAD: {"0": 0}})
    assert read_planned_ranges(tmp_path, 0) == [  # no dead letters yet: not part of the batch
        OffsetRange(EVENTS, 0, 0, 3859),
        OffsetRange(EVENTS, 1, 0, 3091),
    ]


def test_a_later_batch_starts_where_the_previous_one_ended(tmp_path: Path) -> None:
    write_batch(tmp_path, 6, {EVENTS: {"1": 3091, "0": 3859}, DEAD: {"0": 2}})
    write_batch(tmp_path, 7, {EVENTS: {"1": 5290, "0": 3859}, DEAD: {"0": 5}})
    ranges = read_planned_ranges(tmp_path, 7)
    assert [(r.uri, r.start, r.until, r.messages, r.fingerprint) for r in ranges] == [
        ("kafka://dap.deadletter.cam/0", 2, 5, 3, "offsets:2-4"),
        ("kafka://dap.events.cam/1", 3091, 5290, 2199, "offsets:3091-5289"),
    ]  # partition 0 of the events has nothing new: not part of the batch


def test_a_partition_added_since_the_previous_batch_starts_at_zero() -> None:
    assert planned_ranges({(EVENTS, 0): 10}, {(EVENTS, 0): 12, (EVENTS, 1): 4}) == [
        OffsetRange(EVENTS, 0, 10, 12),
        OffsetRange(EVENTS, 1, 0, 4),
    ]


def test_offsets_that_go_back_are_a_state_error() -> None:
    with pytest.raises(StateError, match=r"kafka://dap.events.cam/0 went back from 10 to 3"):
        planned_ranges({(EVENTS, 0): 10}, {(EVENTS, 0): 3})


@pytest.mark.parametrize(
    "text",
    ["", "v2\n{}\n{}", "v1\n{}\n-", "v1\n{}\n{}\n{}", 'v1\n{}\n{"t": [1]}', 'v1\n{}\n{"t": {"0": "x"}}'],
)
def test_a_damaged_offset_log_is_a_state_error_naming_the_file(text: str) -> None:
    with pytest.raises(StateError) as info:
        parse_offsets(text, "/state/streams/cam/kafka/offsets/3")
    assert info.value.exit_code == 4
    assert info.value.where == "/state/streams/cam/kafka/offsets/3"


def test_a_missing_previous_entry_is_a_state_error(tmp_path: Path) -> None:
    write_batch(tmp_path, 7, {EVENTS: {"0": 10}})
    with pytest.raises(StateError) as info:
        read_planned_ranges(tmp_path, 7)
    assert info.value.where == str(tmp_path / "offsets" / "6")
    assert "micro-batch 7 needs this file" in info.value.what


PLANNED = [OffsetRange(EVENTS, 0, 100, 110), OffsetRange(EVENTS, 1, 50, 53)]


def test_exactly_the_planned_offsets_pass() -> None:
    seen = {
        "kafka://dap.events.cam/0": SeenOffsets(10, 10, 100, 109),
        "kafka://dap.events.cam/1": SeenOffsets(3, 3, 50, 52),
    }
    assert read_mismatches(PLANNED, seen) == []
    check_read(PLANNED, seen, Path("/cp"))  # no error


@pytest.mark.parametrize(
    ("seen", "problem"),
    [
        # A message lost in the middle: 9 read from 100 to 109 (a gap; count != last - first + 1).
        (SeenOffsets(9, 9, 100, 109), "read 9 (9 distinct) from 100 to 109"),
        # The last message lost: count == last - first + 1 still holds, only the plan tells.
        (SeenOffsets(9, 9, 100, 108), "read 9 (9 distinct) from 100 to 108"),
        # The first message lost.
        (SeenOffsets(9, 9, 101, 109), "read 9 (9 distinct) from 101 to 109"),
        # One message twice and another lost: the count alone balances.
        (SeenOffsets(10, 9, 100, 109), "read 10 (9 distinct) from 100 to 109"),
    ],
)
def test_a_lost_or_doubled_message_is_caught_even_when_the_batch_agrees_with_itself(
    seen: SeenOffsets, problem: str
) -> None:
    observed = {"kafka://dap.events.cam/0": seen, "kafka://dap.events.cam/1": SeenOffsets(3, 3, 50, 52)}
    assert read_mismatches(PLANNED, observed) == [
        f"kafka://dap.events.cam/0: offsets 100-109 planned (10), {problem}"
    ]
    with pytest.raises(DataError) as info:
        check_read(PLANNED, observed, Path("/state/streams/cam/kafka"))
    assert info.value.exit_code == 1
    assert info.value.what == (
        "the messages read are not the micro-batch's planned offsets: "
        f"kafka://dap.events.cam/0: offsets 100-109 planned (10), {problem}"
    )
    assert info.value.where == "/state/streams/cam/kafka/offsets"
    assert info.value.hint is not None and "nothing of this micro-batch was committed" in info.value.hint


def test_a_partition_not_read_at_all_or_read_without_a_plan_is_caught() -> None:
    observed = {
        "kafka://dap.events.cam/0": SeenOffsets(10, 10, 100, 109),
        "kafka://dap.events.cam/7": SeenOffsets(2, 2, 0, 1),
    }
    assert read_mismatches(PLANNED, observed) == [
        "kafka://dap.events.cam/1: offsets 50-52 planned (3), none read",
        "kafka://dap.events.cam/7: none planned, read 2 from 0 to 1",
    ]


def test_rows_are_reconciled_with_the_planned_count_not_with_what_was_read() -> None:
    """The pipeline's count check gets the planned counts: a message that never became a row
    (written or quarantined) is missing against the plan."""
    expected = {r.uri: r.messages for r in PLANNED}
    (mismatch,) = reconcile(expected, {"kafka://dap.events.cam/0": 9, "kafka://dap.events.cam/1": 3}, {})
    assert (mismatch.file_uri, mismatch.expected, mismatch.missing) == ("kafka://dap.events.cam/0", 10, 1)
