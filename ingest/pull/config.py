"""The ``pull:`` block of a source: typed, one model per protocol, chosen by ``kind``.

Secrets never appear in the YAML: a setting that ends in ``_env`` names the environment variable
that holds the value (``token_env: DAP_API_TOKEN``), read when the pull runs.

```yaml
sources:
  orders:
    path: orders                       # the landing directory pulled files go to
    table: raw.orders
    format: json
    pull:
      kind: rest                       # rest | ftp | sftp | s3
      url: https://api.example.com/v1/orders
      records: data                    # where the records are in a response (dotted path)
      pagination: {type: cursor, cursor_param: cursor, next_cursor: meta.next}
      incremental: {field: updated_at, param: updated_since}
      auth: {type: bearer, token_env: ORDERS_API_TOKEN}
```
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingest.errors import ConfigError

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(f"must name an environment variable (like DAP_API_TOKEN), got {value!r}")
    return value


def read_secret(source: str, setting: str, name: str) -> str:
    """The value of the environment variable ``name``; unset or empty is a ConfigError (exit 2)."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(
            f"source {source!r}: environment variable {name} is {'empty' if value == '' else 'not set'}",
            where=f"sources.{source}.pull.{setting}",
            hint=f"export {name}=... before the pull (secrets never go into the YAML)",
        )
    return value


def _checked_url(value: str) -> str:
    """``value`` when httpx can send a request to it (a host, a numeric port, closed brackets)."""
    import httpx

    try:
        host = httpx.URL(value).host
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a valid URL ({exc}), got {value!r}") from None
    if not host:
        raise ValueError(f"the URL names no host, got {value!r}")
    return value


def _endpoint_url(value: str | None) -> str | None:
    """An S3 endpoint as botocore accepts it: scheme, host and optionally a port."""
    if value is None:
        return None
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    if not (is_valid_endpoint_url(value) or is_valid_ipv6_endpoint_url(value)):
        raise ValueError(
            f"endpoint must be a URL like https://s3.example.com or http://127.0.0.1:9000, got {value!r}"
        )
    return value


class Backoff(_Strict):
    """Retries on 429, 5xx and connection errors: exponential, or as long as ``Retry-After`` says."""

    attempts: int = Field(default=6, ge=1, le=50)
    initial: float = Field(default=1.0, gt=0)  # seconds before the first retry, doubled each time
    max: float = Field(default=60.0, gt=0)  # seconds: no wait is longer (Retry-After included)


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token_env: str

    _check = field_validator("token_env")(_env_name)


class BasicAuth(_Strict):
    type: Literal["basic"]
    username_env: str
    password_env: str

    _check = field_validator("username_env", "password_env")(_env_name)


class CursorPages(_Strict):
    """The response names the next page's cursor; it is sent back as ``cursor_param``."""

    type: Literal["cursor"]
    cursor_param: str = "cursor"
    next_cursor: str = "next_cursor"  # dotted path in the response; null or missing: last page


class NextLinkPages(_Strict):
    """The response names the next page's URL: a dotted path in the body, or the ``Link`` header."""

    type: Literal["next_link"]
    next_link: str | None = None  # dotted path in the body; None: the `Link: <...>; rel="next"` header


class NumberedPages(_Strict):
    """Pages 1, 2, 3...; a page with fewer than ``size`` records (or none) is the last."""

    type: Literal["page"]
    page_param: str = "page"
    size_param: str | None = "per_page"
    size: int = Field(default=100, ge=1)
    first: int = 1


class Incremental(_Strict):
    """Only records newer than the last pull: the largest ``field`` seen, sent as ``param``."""

    field: str  # dotted path in a record
    param: str  # query parameter that asks for records with field greater than the value
    initial: str | None = None  # the value of the first pull (None: no filter, everything)


class RestPull(_Strict):
    kind: Literal["rest"]
    url: str
    params: dict[str, str] = Field(default_factory=dict)  # fixed query parameters (no secrets)
    records: str | None = None  # dotted path of the record list; None: the body is the list
    pagination: Annotated[CursorPages | NextLinkPages | NumberedPages, Field(discriminator="type")] | None = (
        None
    )
    incremental: Incremental | None = None
    auth: Annotated[BearerAuth | BasicAuth, Field(discriminator="type")] | None = None
    retry: Backoff = Backoff()
    timeout: float = Field(default=30.0, gt=0)
    max_pages: int = Field(default=10_000, ge=1)  # per pull: a guard against a server that never ends

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, got {value!r}")
        return _checked_url(value)


Folders = Literal["pull_date", "remote"]


class _FilePull(_Strict):
    """What the file protocols share: which remote files, and where they land."""

    path: str = "/"  # remote directory, walked recursively
    include: list[str] = Field(default_factory=lambda: ["*"])  # globs on the file name
    # pull_date: <landing>/<yyyy-mm-dd of the pull>/...; remote: keep the remote sub-folders
    # (use it when the remote already has yyyy-mm-dd folders)
    folders: Folders = "pull_date"
    timeout: float = Field(default=30.0, gt=0)


class FtpPull(_FilePull):
    kind: Literal["ftp"]
    host: str
    port: int = Field(default=21, ge=1, le=65535)
    tls: bool = False  # FTPS (explicit TLS)
    username_env: str | None = None  # None: anonymous
    password_env: str | None = None

    _check = field_validator("username_env", "password_env")(_env_name)


class SftpPull(_FilePull):
    kind: Literal["sftp"]
    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str  # a login name is not a secret
    known_hosts: str  # OpenSSH known_hosts file holding the server's key: the host key is always checked
    password_env: str | None = None
    key_file: str | None = None  # private key file (its passphrase in passphrase_env)
    passphrase_env: str | None = None

    _check = field_validator("password_env", "passphrase_env")(_env_name)


class S3Pull(_FilePull):
    kind: Literal["s3"]
    bucket: str
    endpoint: str | None = None  # None: AWS
    region: str = "us-east-1"
    access_key_env: str | None = None  # None (both): the AWS default chain of this process
    secret_key_env: str | None = None
    path: str = ""  # key prefix

    _check = field_validator("access_key_env", "secret_key_env")(_env_name)
    _check_endpoint = field_validator("endpoint")(_endpoint_url)


PullConfig = Annotated[RestPull | FtpPull | SftpPull | S3Pull, Field(discriminator="kind")]
