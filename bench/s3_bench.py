"""Ingest from S3 into an S3 warehouse vs from local disk into a local warehouse, one invocation.

Needs the local platform (``make platform-up``). The same sample landing data (``ingest
generate``) is ingested twice by the real CLI, each in a fresh process and a fresh state:
(a) embedded: local landing dir -> local warehouse, Derby metastore;
(b) platform: the landing uploaded to ``s3a://landing/<prefix>`` -> the ``s3a://warehouse`` Iceberg
    tables, PostgreSQL metastore, with the config's tables renamed into a fresh database so the
    run starts from nothing.
Prints both wall times (process start to exit, JVM start included in both) and the ratio
S3/local. Iceberg writes data files to their final keys and commits metadata, so no step copies
or renames objects on S3; the target is a ratio of at most 1.5.

    python bench/s3_bench.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return elapsed


def config_for(landing: str, database: str, target: Path) -> Path:
    text = (
        (ROOT / "ingest.yml").read_text().replace("${DAP_LANDING}", landing).replace("raw.", f"{database}.")
    )
    target.write_text(text)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work" / "s3")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    landing = args.work / "landing"
    base_env = {k: v for k, v in os.environ.items() if k not in ("DAP_PROFILE", "DAP_LANDING")}
    timed([str(BIN / "ingest"), "generate", "--landing", str(landing), "--scale", str(args.scale)], base_env)
    files = sum(1 for p in landing.rglob("*") if p.is_file() and not p.name.startswith("_"))
    print(f"sample landing: {files} files under {landing}")

    local_env = {**base_env, "DAP_STATE_DIR": str(args.work / "local-state")}
    local_config = config_for(str(landing), "raw", args.work / "local.yml")
    local_s = timed([str(BIN / "ingest"), "run", "-c", str(local_config)], local_env)
    print(f"local disk -> local warehouse : {local_s:7.1f} s")

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    ctl = [str(BIN / "python"), str(ROOT / "platform" / "platformctl.py")]
    timed([*ctl, "upload", str(landing), f"s3a://landing/{prefix}"], base_env)
    database = "bench_" + prefix.split("-")[1]
    s3_config = config_for(f"s3a://landing/{prefix}", database, args.work / "s3.yml")
    s3_s = timed([str(BIN / "ingest"), "run", "-c", str(s3_config)], {**base_env, "DAP_PROFILE": "platform"})
    print(f"S3 landing -> S3 warehouse    : {s3_s:7.1f} s  (tables in {database}.*)")
    print(f"ratio S3/local: {s3_s / local_s:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
