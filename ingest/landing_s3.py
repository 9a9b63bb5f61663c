"""The landing zone on S3: discover files (paginated listing, ETag and size) and upload sample data.

Patterns are ``s3://bucket/prefix`` or ``s3a://bucket/prefix`` (every object below the prefix, as
a directory) or a glob over keys (``s3a://landing/camera/*/*.jsonl*``: ``*`` and ``?`` stay within
one path segment, ``**`` crosses segments). Discovered URIs always use ``s3a://``, the scheme Spark
reads. Keys with a path segment (below the pattern's fixed prefix) that starts with ``_`` or ``.``
are skipped, as on local disk: ``_SUCCESS`` markers, ``_ground_truth/``, hidden files.

The endpoint and credentials come from ``ingest.platform_conf`` (``DAP_S3_ENDPOINT``, the AWS
credential chain, or the local platform's dev secrets).
"""

from __future__ import annotations

import fnmatch
import glob
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import InputError
from ingest.landing import LandingFile
from ingest.platform_conf import PlatformConfig, export_dev_secrets, load_platform_config

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)

_SCHEMES = ("s3://", "s3a://")
_PAGE_SIZE = 1000


@dataclass(frozen=True)
class S3Pattern:
    """A parsed landing pattern: bucket, the fixed key prefix, and an optional glob."""

    bucket: str
    prefix: str  # listing prefix: the key up to the first glob character
    matcher: re.Pattern[str] | None  # full-key matcher when the pattern has glob characters
    base: str  # the fixed directory part; skip rules apply to segments below it

    @classmethod
    def parse(cls, pattern: str) -> S3Pattern:
        if not pattern.startswith(_SCHEMES):
            raise InputError(f"not an S3 URI: {pattern}", where=pattern, hint="use s3a://bucket/prefix")
        bucket, _, key = pattern.split("://", 1)[1].partition("/")
        if not bucket:
            raise InputError(
                f"S3 URI without a bucket: {pattern}", where=pattern, hint="use s3a://bucket/prefix"
            )
        if glob.has_magic(key):
            first = min(key.index(c) for c in "*?[" if c in key)
            prefix = key[:first]
            base = prefix[: prefix.rfind("/") + 1]
            return cls(bucket, prefix, re.compile(_glob_to_regex(key)), base)
        directory = key.rstrip("/") + "/" if key.strip("/") else ""
        return cls(bucket, directory, None, directory)

    def wants(self, key: str) -> bool:
        if key.endswith("/") or not key.startswith(self.prefix):
            return False  # a folder marker, not a file; or outside the pattern
        if self.matcher is not None and not self.matcher.fullmatch(key):
            return False
        below = key[len(self.base) :].split("/")
        return not any(part.startswith(("_", ".")) for part in below) and not key.endswith(".part")


def _glob_to_regex(pattern: str) -> str:
    """Translate a key glob: ``**`` crosses ``/``, ``*`` and ``?`` do not."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])  # the class alone
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def s3_client(config: PlatformConfig | None = None) -> Any:
    """A boto3 S3 client for the platform's endpoint (path-style where configured)."""
    import boto3
    from botocore.config import Config

    config = config or load_platform_config()
    export_dev_secrets(config)
    client_config = Config(
        s3={"addressing_style": "path" if config.s3_path_style else "auto"},
        retries={"max_attempts": 5, "mode": "standard"},
        # The CSV heads' 8 threads and the count's 4 share one client (record_count.SharedFetches):
        # more connections than botocore's default 10, or it drops and reopens them.
        max_pool_connections=16,
        connect_timeout=10,
        read_timeout=60,
    )
    # A session of its own: clients made on two threads at once from boto3's shared default
    # session can fail (boto/boto3#1592); the CSV heads and the record count each make one.
    return boto3.session.Session().client(
        "s3", endpoint_url=config.s3_endpoint, region_name=config.s3_region, config=client_config
    )


def iter_objects(client: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """Every object under ``prefix``, one page (``_PAGE_SIZE`` keys) at a time."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": _PAGE_SIZE}):
        yield from page.get("Contents", [])


def discover_s3(pattern: str, client: Any | None = None) -> list[LandingFile]:
    """Landing files matching ``pattern``, sorted by URI, fingerprinted by ETag.

    Raises ``InputError`` when the bucket does not exist or a prefix pattern matches no object,
    because a typo in a path must not look like "no new data".
    """
    from botocore.exceptions import ClientError

    parsed = S3Pattern.parse(pattern)
    client = client or s3_client()
    files = []
    seen_any = False
    try:
        for obj in iter_objects(client, parsed.bucket, parsed.prefix):
            seen_any = True
            key = obj["Key"]
            if parsed.wants(key):
                etag = str(obj["ETag"]).strip('"')
                modified = obj["LastModified"].timestamp()
                uri = f"s3a://{parsed.bucket}/{key}"
                files.append(LandingFile(uri, int(obj["Size"]), f"etag:{etag}", modified))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise InputError(
            f"cannot list {pattern}: {code or error}",
            where=pattern,
            hint="check the bucket name, DAP_S3_ENDPOINT and the S3 credentials (AWS chain)",
        ) from error
    if not seen_any and parsed.matcher is None:
        raise InputError(
            f"landing path does not exist: {pattern}",
            where=pattern,
            hint="check the path (or the source's 'path' in the config); upload data with upload_dir",
        )
    files.sort(key=lambda f: f.uri)
    log.debug("discovered %d files under %s", len(files), pattern)
    return files


def current_etags(uris: list[str], client: Any | None = None) -> dict[str, str]:
    """``{uri: "etag:..."}`` of the objects that exist now.

    Each folder's objects are listed (1,000 a request) over the range of keys the wanted ones
    span, instead of one HEAD per object: HEADs of 20,000 small files on the local platform took
    about 20 s, the listing 1.1 s (bench/RESULTS.md, session 41). Once a folder's listing has
    cost as many requests as HEADs of the keys it has not reached would, those are HEADed
    instead, so a few new files in a folder of millions cost no more than before.
    """
    client = client or s3_client()
    folders: dict[tuple[str, str], dict[str, str]] = {}  # (bucket, folder prefix) -> {key: uri}
    for uri in uris:
        bucket, _, key = uri.split("://", 1)[1].partition("/")
        folders.setdefault((bucket, key[: key.rfind("/") + 1]), {})[key] = uri
    found: dict[str, str] = {}
    for (bucket, prefix), wanted in folders.items():
        etags = _listed_etags(client, bucket, prefix, set(wanted))
        found.update({wanted[key]: f"etag:{etag}" for key, etag in etags.items()})
    return found


def _listed_etags(client: Any, bucket: str, prefix: str, wanted: set[str]) -> dict[str, str]:
    """ETags of ``wanted`` keys (all directly under ``prefix``) that exist; see ``current_etags``."""
    from botocore.exceptions import ClientError

    found: dict[str, str] = {}
    left = set(wanted)
    last = max(wanted)
    params: dict[str, Any] = {
        "Bucket": bucket,
        "Prefix": prefix,
        "Delimiter": "/",  # this folder's objects, not its subfolders'
        "StartAfter": min(wanted)[:-1],  # sorts before the first wanted key (S3 lists in key order)
        "MaxKeys": _PAGE_SIZE,
    }
    requests = 0
    while left and requests < len(left):
        page = client.list_objects_v2(**params)
        requests += 1
        contents = page.get("Contents", [])
        for item in contents:
            if item["Key"] in left:
                found[item["Key"]] = str(item["ETag"]).strip('"')
                left.discard(item["Key"])
        if not page.get("IsTruncated") or (contents and contents[-1]["Key"] >= last):
            return found  # listed past the last wanted key: the ones left do not exist
        params["ContinuationToken"] = page["NextContinuationToken"]
    for key in sorted(left):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError:
            continue  # gone: not in the result, so it counts as changed
        found[key] = str(head["ETag"]).strip('"')
    return found


def upload_dir(local_dir: str | os.PathLike[str], s3_uri: str, client: Any | None = None) -> int:
    """Upload every file under ``local_dir`` to ``s3_uri`` (keys keep the relative paths).

    Uses boto3's transfer manager (multipart for large files, several files in flight); an
    identical re-upload yields the same ETag, so the ingest manifest sees no new file.
    Returns the number of files uploaded.
    """
    from boto3.s3.transfer import TransferConfig, create_transfer_manager

    root = Path(local_dir)
    if not root.is_dir():
        raise InputError(f"not a directory: {root}", where=str(root), hint="generate the sample data first")
    parsed = S3Pattern.parse(s3_uri)
    if parsed.matcher is not None:
        raise InputError(f"upload target must be a prefix, not a glob: {s3_uri}", where=s3_uri)
    client = client or s3_client()
    config = TransferConfig(max_concurrency=8, multipart_threshold=64 * 1024 * 1024)
    paths = sorted(p for p in root.rglob("*") if p.is_file())
    with create_transfer_manager(client, config) as manager:
        futures = [
            manager.upload(str(path), parsed.bucket, parsed.prefix + path.relative_to(root).as_posix())
            for path in paths
        ]
        for future in futures:
            future.result()
    log.info("uploaded %d files from %s to %s", len(paths), root, s3_uri)
    return len(paths)
