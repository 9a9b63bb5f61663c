"""Reconcile a run per file: records counted from the input = rows written + rows quarantined.

The expected counts come from ``ingest.formats.record_count`` (the raw bytes, independently of
the readers); written and quarantined come from what the run staged. A file that is missing from
``written``/``quarantined`` counts 0 there. Plain data in, plain data out: the pipeline decides
what a mismatch does (fail the source with ``ReconcileError``).
"""

from __future__ import annotations

from typing import NamedTuple

from ingest.errors import DataError


class Mismatch(NamedTuple):
    file_uri: str
    expected: int  # records counted in the file
    written: int
    quarantined: int

    @property
    def missing(self) -> int:
        """Records not accounted for (negative: more rows than records)."""
        return self.expected - self.written - self.quarantined

    def describe(self) -> str:
        what = "missing" if self.missing > 0 else "extra"
        return (
            f"{self.file_uri}: {self.expected} records in the file, {self.written} written + "
            f"{self.quarantined} quarantined ({abs(self.missing)} {what})"
        )


class ReconcileError(DataError):
    """Rows written + quarantined differ from the records in the input (terminal for the source)."""

    def __init__(self, mismatches: list[Mismatch]) -> None:
        self.mismatches = mismatches
        listed = "; ".join(m.describe() for m in mismatches[:5])
        more = f" (and {len(mismatches) - 5} more file(s))" if len(mismatches) > 5 else ""
        super().__init__(
            f"records read do not reconcile: {listed}{more}",
            where=mismatches[0].file_uri if mismatches else None,
            hint="nothing of this source was committed; report it as a bug with the file",
        )


def reconcile(
    expected: dict[str, int], written: dict[str, int], quarantined: dict[str, int]
) -> list[Mismatch]:
    """Every file (of any of the three) whose counts do not balance, sorted by file."""
    files = sorted(set(expected) | set(written) | set(quarantined))
    found = []
    for uri in files:
        item = Mismatch(uri, expected.get(uri, 0), written.get(uri, 0), quarantined.get(uri, 0))
        if item.missing != 0:
            found.append(item)
    return found
