"""Sync from another S3 bucket or endpoint with boto3: new or changed objects by ETag.

The remote has its own endpoint and credentials (``access_key_env`` / ``secret_key_env`` name
the environment variables), never the landing zone's. A partial download resumes with a ranged
GET that is valid only while the object's ETag is unchanged (``IfMatch``).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from ingest.errors import PullError
from ingest.pull.config import S3Pull, read_secret
from ingest.pull.files import RemoteFile

_BLOCK = 1 << 20


class S3Remote:
    kind = "s3"

    def __init__(self, source: str, config: S3Pull) -> None:
        import boto3
        from botocore.config import Config

        self.config = config
        self.prefix = config.path.strip("/") + "/" if config.path.strip("/") else ""
        keys: dict[str, Any] = {}
        if config.access_key_env and config.secret_key_env:
            keys = {
                "aws_access_key_id": read_secret(source, "access_key_env", config.access_key_env),
                "aws_secret_access_key": read_secret(source, "secret_key_env", config.secret_key_env),
            }
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.endpoint,
            region_name=config.region,
            config=Config(
                s3={"addressing_style": "path" if config.endpoint else "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=config.timeout,
                read_timeout=config.timeout,
            ),
            **keys,
        )

    def describe(self, rel: str) -> str:
        where = f"{self.config.endpoint.rstrip('/')}/" if self.config.endpoint else ""
        return f"s3://{where.split('://')[-1]}{self.config.bucket}/{self.prefix}{rel}"

    def _fail(self, what: str, exc: Exception, rel: str = "") -> PullError:
        from botocore.exceptions import ClientError

        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        terminal = code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket")
        return PullError(
            f"{what} {self.describe(rel)}: {code or exc}",
            where=self.describe(rel),
            hint="check the bucket, endpoint and the credentials in access_key_env / secret_key_env"
            if terminal
            else "pull again: a partial download resumes where it stopped",
            retryable=not terminal,
        )

    def list_files(self) -> list[RemoteFile]:
        from botocore.exceptions import BotoCoreError, ClientError

        found = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.config.bucket, Prefix=self.prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    key = str(obj["Key"])
                    if key.endswith("/"):
                        continue
                    found.append(
                        RemoteFile(key[len(self.prefix) :], int(obj["Size"]), str(obj["ETag"]).strip('"'))
                    )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("cannot list", exc) from None
        return found

    def fetch(self, item: RemoteFile, out: BinaryIO, offset: int) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        args: dict[str, Any] = {
            "Bucket": self.config.bucket,
            "Key": self.prefix + item.rel,
            "IfMatch": f'"{item.version}"',
        }
        if offset:
            args["Range"] = f"bytes={offset}-"
        try:
            body = self.client.get_object(**args)["Body"]
            for chunk in body.iter_chunks(_BLOCK):
                out.write(chunk)
        except (ClientError, BotoCoreError, OSError) as exc:
            raise self._fail("download of", exc, item.rel) from None

    def close(self) -> None:
        self.client.close()
