"""Compile the project's own Java sources into a jar, with the JDK's ``javac``.

Used for ingest's SQL functions (``ingest.jvm_functions``: ``ingest/java``) and the platform's
helpers (``platform/dap_platform/install.py``: ``platform/java``). The jar is rebuilt only when
its sources changed: a ``<jar>.sha256`` stamp beside it holds their digest. Its entries are sorted
and carry a fixed date, so the same sources give the same bytes (the class archive's fingerprint,
``ingest.class_archive``, reads the jars it maps). Java 8 bytecode: Spark 3.5 runs on 8 and up.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import StateError

_ENTRY_DATE = (2026, 1, 1, 0, 0, 0)  # any fixed date: zip entries otherwise carry the build time


def sources_digest(sources: Sequence[Path], root: Path) -> str:
    """One digest over the sources' paths (relative to ``root``) and contents."""
    digest = hashlib.sha256()
    for source in sorted(sources):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def build_jar(jar: Path, sources: Sequence[Path], class_path: Sequence[Path | str], *, root: Path) -> bool:
    """Compile ``sources`` (under ``root``) against ``class_path`` into ``jar``, unless the jar was
    built from the same sources. True when it compiled; an up-to-date jar older than one of its
    sources (a checkout rewrote it unchanged) is touched instead, so make sees it newer, and any
    other is left as it is: a class archive made with the jar on its class path holds only while
    the jar's time of change does (``ingest.class_archive``). A missing ``javac`` or a compile
    error is a StateError that says what to do."""
    stamp = jar.with_name(f"{jar.name}.sha256")
    digest = sources_digest(sources, root)
    if jar.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        if jar.stat().st_mtime_ns < max(source.stat().st_mtime_ns for source in sources):
            jar.touch()
        return False
    if shutil.which("javac") is None:
        raise StateError(
            f"javac is not on PATH: {jar.name} is compiled from {root} with the JDK's javac",
            where="the JDK (Java 17 runs Spark; its javac compiles the project's Java sources)",
            hint="install a JDK, e.g. `apt-get install openjdk-17-jdk-headless`",
        )
    jar.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as classes:
        compiled = subprocess.run(
            ["javac", "--release", "8", "-nowarn", "-Xlint:none", "-d", classes]
            + ["-cp", ":".join(map(str, class_path)), *map(str, sorted(sources))],
            capture_output=True,
            text=True,
            check=False,
        )
        if compiled.returncode != 0:
            raise StateError(
                f"javac could not compile {jar.name} (exit {compiled.returncode}):\n"
                + (compiled.stderr or compiled.stdout).strip()[-3000:],
                where=str(root),
                hint="the messages above name the file and line; fix the source, or the class path it needs",
            )
        partial = jar.with_name(f".{jar.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                zipfile.ZipInfo("META-INF/MANIFEST.MF", _ENTRY_DATE), "Manifest-Version: 1.0\n\n"
            )
            for path in sorted(Path(classes).rglob("*.class")):
                entry = zipfile.ZipInfo(path.relative_to(classes).as_posix(), _ENTRY_DATE)
                archive.writestr(entry, path.read_bytes(), zipfile.ZIP_DEFLATED)
        partial.replace(jar)
    stamp.write_text(digest + "\n")
    return True
