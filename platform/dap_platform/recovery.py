"""Storage clean-up after killed compute: empty folders and the debris of aborted writes.

Spark writes a new table's files under ``<location>/_temporary/`` (or ``.spark-staging-*``) before
it registers the table in the metastore. A process killed in between leaves a directory that no
table owns and that holds nothing but that debris; the next CREATE TABLE then fails with
LOCATION_ALREADY_EXISTS. ``recover_warehouse`` removes exactly those directories (unregistered,
debris only). Registered tables and any real data file are never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


def _is_debris(relative_key: str) -> bool:
    return any(part.startswith(("_", ".")) for part in relative_key.split("/"))


def list_folders(client: Any, bucket: str, prefix: str) -> list[str]:
    folders: list[str] = []
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        folders += [entry["Prefix"] for entry in page.get("CommonPrefixes", [])]
    return folders


def prune_empty_folders(client: Any, bucket: str, prefix: str, depth: int = 0) -> bool:
    """Delete the empty folders under ``prefix`` (post-order); True if ``prefix`` itself is gone."""
    holds_objects = False
    all_gone = True
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        if any(obj["Key"] != prefix for obj in page.get("Contents", [])):
            holds_objects = True
        for entry in page.get("CommonPrefixes", []):
            if entry["Prefix"] != prefix and (
                depth > 100 or not prune_empty_folders(client, bucket, entry["Prefix"], depth + 1)
            ):
                all_gone = False
    if holds_objects or not all_gone or not prefix:
        return False
    client.delete_object(Bucket=bucket, Key=prefix)  # SeaweedFS keeps a non-empty folder anyway
    return True


@dataclass
class RecoveryReport:
    removed_dirs: list[str] = field(default_factory=list)
    kept_dirs: list[str] = field(default_factory=list)


def _key_of(location: str, bucket: str) -> str | None:
    scheme, _, rest = location.partition("://")
    if scheme not in ("s3", "s3a", "s3n") or not rest.startswith(bucket + "/"):
        return None
    return rest[len(bucket) + 1 :].rstrip("/") + "/"


def recover_warehouse(client: Any, warehouse_uri: str, registered: Iterable[str]) -> RecoveryReport:
    """Remove unregistered table dirs that hold only write debris; prune empty folders."""
    bucket, _, root = warehouse_uri.split("://", 1)[1].partition("/")
    root = root.strip("/") + "/" if root.strip("/") else ""
    owned = {key for key in (_key_of(loc, bucket) for loc in registered) if key}
    report = RecoveryReport()
    candidates = []
    for folder in list_folders(client, bucket, root):
        name = folder[len(root) :].rstrip("/")
        if name.startswith(("_", ".")):
            continue  # not a table: e.g. ingest's own _ingest_staging, recovered by ingest
        if name.endswith(".db"):
            candidates += list_folders(client, bucket, folder)
        else:
            candidates.append(folder)  # a table of the default database
    for table_dir in candidates:
        if table_dir in owned or any(key.startswith(table_dir) for key in owned):
            continue
        keys = [
            obj["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=table_dir)
            for obj in page.get("Contents", [])
        ]
        if all(_is_debris(key[len(table_dir) :]) or key == table_dir for key in keys):
            for start in range(0, len(keys), 1000):
                batch = [{"Key": key} for key in keys[start : start + 1000]]
                if batch:
                    client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            prune_empty_folders(client, bucket, table_dir)
            report.removed_dirs.append(f"s3a://{bucket}/{table_dir}")
        else:
            report.kept_dirs.append(f"s3a://{bucket}/{table_dir}")
            log.warning("s3a://%s/%s holds data but no table owns it; left as is", bucket, table_dir)
    return report
