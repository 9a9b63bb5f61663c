"""File operations on the warehouse through Hadoop's FileSystem (local disk and s3a alike)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Entry:
    path: str
    name: str
    is_dir: bool
    size: int


def jvm(spark: SparkSession) -> Any:
    """The py4j view of the JVM (typed ``Any``: py4j has no stubs)."""
    return spark._jvm


def hadoop_conf(spark: SparkSession) -> Any:
    return spark._jsc.hadoopConfiguration()


class Storage:
    """A thin wrapper so the commit protocol reads as plain Python."""

    def __init__(self, spark: SparkSession) -> None:
        self._jvm = jvm(spark)
        self._conf = hadoop_conf(spark)

    def _path(self, path: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(path)

    def _fs(self, path: Any) -> Any:
        return path.getFileSystem(self._conf)

    def exists(self, path: str) -> bool:
        p = self._path(path)
        return bool(self._fs(p).exists(p))

    def list(self, path: str) -> list[Entry]:
        p = self._path(path)
        fs = self._fs(p)
        if not fs.exists(p):
            return []
        return sorted(
            (
                Entry(
                    str(s.getPath().toString()),
                    str(s.getPath().getName()),
                    bool(s.isDirectory()),
                    int(s.getLen()),
                )
                for s in fs.listStatus(p)
            ),
            key=lambda e: e.name,
        )

    def mkdirs(self, path: str) -> None:
        p = self._path(path)
        self._fs(p).mkdirs(p)

    def move(self, source: str, target: str) -> None:
        """Move a file; idempotent: if the target already exists the source is just removed.

        On a local disk this is one atomic rename; on S3 a copy then a delete, and a crash between
        the two leaves both, which the next attempt resolves the same way.
        """
        src, dst = self._path(source), self._path(target)
        fs = self._fs(src)
        if fs.exists(dst):
            fs.delete(src, False)
            return
        fs.mkdirs(dst.getParent())
        if not fs.rename(src, dst):
            raise OSError(f"could not move {source} to {target}")

    def delete(self, path: str) -> None:
        p = self._path(path)
        self._fs(p).delete(p, True)
