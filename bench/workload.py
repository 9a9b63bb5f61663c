"""Fast, seeded workloads for the ingest benchmark (pure stdlib).

- `write_workload`: `events` nested camera-like JSON lines in `files` files under
  `<dir>/<yyyy-mm-dd>/part-NNNN.jsonl`, spread over about 10 days. At `drift_points` evenly spaced
  file indices the schema drifts: from drift point k on, every line carries one more nested
  attribute `record.attributes.drift_<k>` (an object).
- `write_small_files`: many tiny files of the same shape (small-file handling).

Lines are built by %-formatting one prebuilt template per file with values drawn in bulk
(`random.choices`), and written with one large buffered write per file: 1M events take seconds.

    python bench/workload.py /tmp/bench-landing --events 1000000 --files 200 --drift-points 5
    python bench/workload.py /tmp/bench-small --small-files 20000 --events-per-file 5
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

logger = logging.getLogger(__name__)

START_DATE = date(2026, 2, 1)
SPAN_DAYS = 10
_BUFFER = 1 << 20
_TYPES = ("power_on", "power_off", "record_start", "record_stop", "settings_change", "settings_change")
_MODELS = ("HERO11", "HERO12", "HERO13")
_FIRMWARES = ("1.0.0", "1.1.0", "1.2.0")
_ISOS = (100, 200, 400, 800, 1600, 3200)
_EVS = ("-1.0", "-0.5", "0.0", "0.5", "1.0")
_RECORDS = tuple(
    f'"mode":"{mode}","resolution":"{resolution}","fps":{fps}'
    for mode in ("video", "photo", "timelapse")
    for resolution in ("4K", "2.7K", "1080p")
    for fps in (24, 30, 60, 120)
)
_DEVICES = tuple(
    f'{{"serial":"CAM-{n:05d}","model":"{_MODELS[n % 3]}","firmware":"{_FIRMWARES[n % 3]}"}}'
    for n in range(1, 2001)
)
_HMS = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))
_MILLIS = range(1000)
_BATTERY = range(5, 101)
_STORAGE = range(1_000, 128_000)


@dataclass(frozen=True)
class WorkloadReport:
    """What a workload writer produced."""

    root: Path
    files: int
    events: int
    bytes: int
    drift_file_indices: tuple[int, ...]
    drift_keys: tuple[str, ...]
    seconds: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready plain data."""
        return {
            "root": str(self.root),
            "files": self.files,
            "events": self.events,
            "bytes": self.bytes,
            "drift_file_indices": list(self.drift_file_indices),
            "drift_keys": list(self.drift_keys),
            "seconds": round(self.seconds, 3),
        }


def drift_file_indices(files: int, drift_points: int) -> tuple[int, ...]:
    """First file index of each drift point, evenly spaced strictly inside (0, files)."""
    if drift_points < 0 or (drift_points and drift_points >= files):
        raise ValueError(f"workload: need 0 <= drift_points < files, got {drift_points} and {files}")
    return tuple((k + 1) * files // (drift_points + 1) for k in range(drift_points))


def _template(drift_level: int) -> str:
    """One %-format line template with the first `drift_level` drift attributes baked in."""
    drift = "".join(f',"drift_{k}":{{"level":{k},"source":"bench"}}' for k in range(1, drift_level + 1))
    return (
        '{"event_id":"b-%012x","event_type":"%s","event_ts":"%s%s.%03dZ",'
        '"header":{"device":%s,"seq":%d},'
        '"record":{%s,"attributes":{"iso":%d,"ev":%s' + drift.replace("%", "%%") + "}},"
        '"battery_pct":%d,"storage_free_mb":%d}\n'
    )


def _file_text(rng: random.Random, count: int, day: date, first_seq: int, template: str) -> str:
    """`count` lines of one file, timestamps spread over `day` in order."""
    prefix = f"{day.isoformat()}T"
    seconds = [_HMS[i * 86_400 // count] for i in range(count)]
    columns = zip(
        range(first_seq, first_seq + count),
        rng.choices(_TYPES, k=count),
        seconds,
        rng.choices(_MILLIS, k=count),
        rng.choices(_DEVICES, k=count),
        rng.choices(_RECORDS, k=count),
        rng.choices(_ISOS, k=count),
        rng.choices(_EVS, k=count),
        rng.choices(_BATTERY, k=count),
        rng.choices(_STORAGE, k=count),
        strict=True,
    )
    return "".join(
        [
            template % (seq * 0x9E3779B1 % (1 << 48), kind, prefix, hms, ms, dev, seq, rec, iso, ev, bat, sto)
            for seq, kind, hms, ms, dev, rec, iso, ev, bat, sto in columns
        ]
    )


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    with open(path, "wb", buffering=_BUFFER) as handle:
        handle.write(data)
    return len(data)


def _day_of(index: int, files: int) -> date:
    return START_DATE + timedelta(days=index * SPAN_DAYS // files)


def write_workload(
    dir: Path, *, events: int = 1_000_000, files: int = 200, drift_points: int = 5, seed: int = 7
) -> WorkloadReport:
    """Write `events` lines in `files` files with schema drift at `drift_points` file indices."""
    if events < files or files < 1:
        raise ValueError(f"workload: need 1 <= files <= events, got files={files}, events={events}")
    started = time.perf_counter()
    drifts = drift_file_indices(files, drift_points)
    rng = random.Random(seed)
    width = max(4, len(str(files - 1)))
    written = seq = 0
    for index in range(files):
        count = events // files + (1 if index < events % files else 0)
        template = _template(sum(1 for start in drifts if index >= start))
        text = _file_text(rng, count, _day_of(index, files), seq, template)
        written += _write(
            Path(dir) / _day_of(index, files).isoformat() / f"part-{index:0{width}d}.jsonl", text
        )
        seq += count
    report = WorkloadReport(
        root=Path(dir),
        files=files,
        events=events,
        bytes=written,
        drift_file_indices=drifts,
        drift_keys=tuple(f"record.attributes.drift_{k}" for k in range(1, drift_points + 1)),
        seconds=time.perf_counter() - started,
    )
    logger.info("workload: %d events in %d files, %d bytes, %.2fs", events, files, written, report.seconds)
    return report


def write_small_files(
    dir: Path, *, files: int = 20_000, events_per_file: int = 5, seed: int = 7
) -> WorkloadReport:
    """Write `files` tiny files of `events_per_file` lines each (no drift)."""
    if files < 1 or events_per_file < 1:
        raise ValueError(
            f"workload: need files >= 1 and events_per_file >= 1, got {files}, {events_per_file}"
        )
    started = time.perf_counter()
    rng = random.Random(seed)
    template = _template(0)
    width = max(4, len(str(files - 1)))
    written = 0
    for index in range(files):
        day = _day_of(index, files)
        text = _file_text(rng, events_per_file, day, index * events_per_file, template)
        written += _write(Path(dir) / day.isoformat() / f"part-{index:0{width}d}.jsonl", text)
    report = WorkloadReport(
        root=Path(dir),
        files=files,
        events=files * events_per_file,
        bytes=written,
        drift_file_indices=(),
        drift_keys=(),
        seconds=time.perf_counter() - started,
    )
    logger.info("small files: %d files, %d events, %.2fs", files, report.events, report.seconds)
    return report


def main(argv: list[str] | None = None) -> int:
    """Command line entry: write one workload and print its report as JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dir", type=Path, help="output directory (files go to <dir>/<yyyy-mm-dd>/)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--drift-points", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--small-files", type=int, metavar="N", help="write N small files instead")
    parser.add_argument("--events-per-file", type=int, default=5, help="with --small-files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.small_files:
        report = write_small_files(
            args.dir, files=args.small_files, events_per_file=args.events_per_file, seed=args.seed
        )
    else:
        report = write_workload(
            args.dir, events=args.events, files=args.files, drift_points=args.drift_points, seed=args.seed
        )
    print(json.dumps(report.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
