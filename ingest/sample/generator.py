"""`generate`: write the deterministic sample landing zone and its ground truth."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import MappingProxyType

from ingest.sample import ground_truth
from ingest.sample.app import app_files
from ingest.sample.binary import BINARY_SOURCES, binary_files
from ingest.sample.camera import camera_files
from ingest.sample.common import JsonObject
from ingest.sample.counts import counts_document
from ingest.sample.crm import build_contacts, crm_files
from ingest.sample.drone import drone_files
from ingest.sample.landing import LandingFile, write_bytes_atomic
from ingest.sample.parse import parse_landing
from ingest.sample.shop import shop_files
from ingest.sample.spec import SOURCES, SampleSpec

logger = logging.getLogger(__name__)

GROUND_TRUTH_DIR = "_ground_truth"
# The sources whose files `remote` can send to a server's directory: the line sources. The binary
# logs (BINARY_SOURCES) always land under the landing dir.
REMOTE_SOURCES: tuple[str, ...] = SOURCES


@dataclass(frozen=True)
class GenerateReport:
    """What one `generate` call wrote. Paths in `files` are relative to `landing_dir`."""

    landing_dir: Path
    files: Mapping[str, tuple[str, ...]]
    lines: Mapping[str, int]
    bad_lines: Mapping[str, int]
    distinct_events: Mapping[str, int]
    ground_truth: Mapping[str, Path]

    @property
    def total_files(self) -> int:
        """Number of landing files written (ground truth excluded)."""
        return sum(len(paths) for paths in self.files.values())

    def to_dict(self) -> JsonObject:
        """JSON-ready plain data."""
        return {
            "landing_dir": str(self.landing_dir),
            "files": {source: list(paths) for source, paths in self.files.items()},
            "lines": dict(self.lines),
            "bad_lines": dict(self.bad_lines),
            "distinct_events": dict(self.distinct_events),
            "ground_truth": {name: str(path) for name, path in self.ground_truth.items()},
        }


def build_landing(spec: SampleSpec) -> list[LandingFile]:
    """Every landing file of the data set, in memory (pure: no I/O)."""
    contacts = build_contacts(spec)
    return [
        *camera_files(spec),
        *drone_files(spec),
        *app_files(spec),
        *shop_files(spec, [contact.email for contact in contacts]),
        *crm_files(spec, contacts),
    ]


def generate(
    landing_dir: Path,
    *,
    seed: int = 42,
    days: int = 7,
    start_date: date = date(2026, 1, 5),
    cameras: int = 6,
    drones: int = 3,
    users: int = 40,
    contacts: int = 25,
    scale: float = 1.0,
    remote: Mapping[str, Path] = MappingProxyType({}),
) -> GenerateReport:
    """Write `<landing_dir>/<source>/<yyyy-mm-dd>/<file>` and `<landing_dir>/_ground_truth/`.

    Same arguments, same bytes. Files of an earlier run with other arguments are not removed;
    generate into an empty directory to get exactly one data set.

    ``remote`` maps a source (one of REMOTE_SOURCES) to a directory a server shares (the sample's
    pulled sources): its files go to `<dir>/<yyyy-mm-dd>/<file>` instead, dated midnight UTC of
    their folder's day, so writing them again leaves size and mtime as they were and a pull sees
    nothing new; another name is a ValueError.
    """
    spec = SampleSpec(seed, days, start_date, cameras, drones, users, contacts, scale)
    unknown = sorted(set(remote) - set(REMOTE_SOURCES))
    if unknown:
        raise ValueError(
            f"sample generator: `remote` takes the sources {', '.join(REMOTE_SOURCES)}, got {', '.join(unknown)}"
        )
    landing_dir = Path(landing_dir)
    files = build_landing(spec)
    landed = parse_landing(files)
    sessions = ground_truth.recording_sessions(landed.camera_events)
    flight_result = ground_truth.flights(landed.drone_events)
    counts = counts_document(spec, landed, sessions, flight_result)

    for file in files:
        if file.source in remote:
            path = Path(remote[file.source]) / file.rel_path.split("/", 1)[1]
            write_bytes_atomic(path, file.payload(), setting=f"--remote {file.source}=DIR")
            midnight = datetime.combine(file.folder_date, time(), tzinfo=UTC).timestamp()
            os.utime(path, (midnight, midnight))
        else:
            write_bytes_atomic(landing_dir / file.rel_path, file.payload())
    binary = binary_files(spec)  # GPMF and ULog: listed in `files`, not part of the line counts
    for rel_path, payload in binary:
        write_bytes_atomic(landing_dir / rel_path, payload)
    truth_dir = landing_dir / GROUND_TRUTH_DIR
    truth = {
        "recording_sessions": truth_dir / "recording_sessions.csv",
        "flights": truth_dir / "flights.csv",
        "counts": truth_dir / "counts.json",
    }
    write_bytes_atomic(truth["recording_sessions"], ground_truth.sessions_csv(sessions).encode("utf-8"))
    write_bytes_atomic(truth["flights"], ground_truth.flights_csv(flight_result.flights).encode("utf-8"))
    write_bytes_atomic(truth["counts"], (json.dumps(counts, indent=2) + "\n").encode("utf-8"))

    sources = counts["sources"]
    report = GenerateReport(
        landing_dir=landing_dir,
        files=MappingProxyType(
            {s: tuple(sorted(f.rel_path for f in files if f.source == s)) for s in SOURCES}
            | {s: tuple(sorted(p for p, _ in binary if p.startswith(s + "/"))) for s in BINARY_SOURCES}
        ),
        lines=MappingProxyType({s: int(sources[s]["lines"]) for s in SOURCES}),
        bad_lines=MappingProxyType({s: int(sources[s]["bad_lines"]) for s in SOURCES}),
        distinct_events=MappingProxyType({s: int(sources[s]["distinct_events"]) for s in SOURCES}),
        ground_truth=MappingProxyType(truth),
    )
    logger.info(
        "sample data: %d files, %d lines (%d bad), %d recording sessions, %d flights in %s",
        report.total_files,
        sum(report.lines.values()),
        sum(report.bad_lines.values()),
        len(sessions),
        len(flight_result.flights),
        landing_dir,
    )
    return report
