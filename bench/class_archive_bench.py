"""Spark JVM starts with the class archive (ingest.class_archive) and without, side by side.

Runs ``ingest status`` against a state dir with the sample ingested (made here on the first run
unless ``--state`` names one), ``--rounds`` times each way, the two ways alternating so both see
the same machine; the archive is made first if missing (``make class-archive``):

    python bench/class_archive_bench.py [--rounds 3] [--state DIR]

Each run is a whole CLI process: Python, the JVM's start, Spark, the metastore, the status
queries. It ends with a line scripts can read: ``with/without R``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--state", type=Path, help="a state dir with data (default: a new one with the sample)"
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("DAP_JVM_OPTIONS", "DAP_CLASS_ARCHIVE")}
    subprocess.run([str(BIN / "python"), "-m", "ingest.class_archive"], cwd=ROOT, env=env, check=True)
    scratch = None if args.state else Path(tempfile.mkdtemp(prefix="dap-archive-bench-"))
    state = args.state or scratch / "state"  # type: ignore[operator]
    try:
        env["DAP_STATE_DIR"] = str(state)
        if scratch is not None:
            landing = scratch / "landing"
            print(f"ingesting the sample into {state} ...", flush=True)
            subprocess.run([str(BIN / "ingest"), "generate", "--landing", str(landing)], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            timed(
                [str(BIN / "ingest"), "run", "--config", "ingest.yml"], {**env, "DAP_LANDING": str(landing)}
            )
        seconds: dict[str, list[float]] = {"with": [], "without": []}
        for round_ in range(1, args.rounds + 1):
            for way, switch in (("with", "1"), ("without", "0")):
                took = timed([str(BIN / "ingest"), "status"], {**env, "DAP_CLASS_ARCHIVE": switch})
                seconds[way].append(took)
                print(f"round {round_}: ingest status {way} the archive {took:.1f} s", flush=True)
        median = {way: statistics.median(values) for way, values in seconds.items()}
        print(f"\nmedian: with {median['with']:.1f} s, without {median['without']:.1f} s")
        print(f"with/without {median['with'] / median['without']:.2f}")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
