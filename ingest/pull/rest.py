"""Pull a paginated REST API (httpx) into JSON-lines page files, incrementally.

Each page of records lands as one file ``<yyyy-mm-dd>/page-<seq>-<tag>.jsonl`` (one record per
line; an empty page lands nothing). Its journal record carries the cursor state *after* the
page (``RestState``, JSON):

- ``since``: the incremental value this pull asked from (the largest ``incremental.field`` of
  the pulls before it), sent as ``incremental.param`` on the first request;
- ``next``: the request of the next page, or null when the page was the last one;
- ``max_seen``: the largest ``incremental.field`` of every record landed so far.

A pull starts from the newest landed page's state: with ``next`` set, the previous pull stopped
(or crashed) mid-way and this one goes on from that page with the same ``since``; otherwise a
new pull asks for records newer than ``max_seen``. Since the state is written before the page's
rename (``ingest.pull.landing_writer``), a crash can cost at most one page request again, and
never lands a page twice.

Requests that meet 429, 5xx or a connection error are retried by tenacity with exponential
backoff, or after the time ``Retry-After`` names (capped at ``retry.max``). Credentials come from
the environment variables the config names; they are sent as headers, which nothing logs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ingest.errors import PullError
from ingest.pull.config import (
    Backoff,
    BasicAuth,
    CursorPages,
    NextLinkPages,
    NumberedPages,
    RestPull,
    read_secret,
)
from ingest.pull.files import Progress, SourcePull, now_utc
from ingest.pull.landing_writer import LandingTarget, PullRecord, tag_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    url: str
    params: dict[str, str]

    def describe(self) -> str:
        return self.url + ("?" + urlencode(self.params) if self.params else "")


@dataclass(frozen=True)
class RestState:
    since: Any = None
    next: Request | None = None
    max_seen: Any = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str | None) -> RestState:
        data = json.loads(text or "{}")
        following = data.get("next")
        return cls(data.get("since"), Request(**following) if following else None, data.get("max_seen"))


class _Busy(Exception):
    """A 429 or 5xx answer: retried."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.status = response.status_code
        self.retry_after = _retry_after(response.headers.get("Retry-After"))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _wait(backoff: Backoff) -> Any:
    exponential = wait_exponential(multiplier=backoff.initial, max=backoff.max)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Busy) and error.retry_after is not None:
            return min(error.retry_after, backoff.max)
        return float(exponential(state))

    return wait


def dig(value: Any, path: str | None) -> Any:
    """The value at a dotted path (``meta.next``); None when any step is missing."""
    for key in path.split(".") if path else []:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _later(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, int | float) and isinstance(b, int | float):
        return max(a, b)
    return max(str(a), str(b))


class RestPuller:
    def __init__(self, source: str, config: RestPull, target: LandingTarget, progress: Progress) -> None:
        self.source = source
        self.config = config
        self.target = target
        self.progress = progress
        headers = {"Accept": "application/json"}
        auth: httpx.Auth | None = None
        if isinstance(config.auth, BasicAuth):
            auth = httpx.BasicAuth(
                read_secret(source, "auth.username_env", config.auth.username_env),
                read_secret(source, "auth.password_env", config.auth.password_env),
            )
        elif config.auth is not None:
            headers["Authorization"] = "Bearer " + read_secret(
                source, "auth.token_env", config.auth.token_env
            )
        self.client = httpx.Client(headers=headers, auth=auth, timeout=config.timeout, follow_redirects=True)

    def close(self) -> None:
        self.client.close()

    # -- requests --------------------------------------------------------------------------------
    def first_request(self, since: Any) -> Request:
        params = dict(self.config.params)
        if self.config.incremental and since is not None:
            params[self.config.incremental.param] = str(since)
        pages = self.config.pagination
        if isinstance(pages, NumberedPages):
            params[pages.page_param] = str(pages.first)
            if pages.size_param:
                params[pages.size_param] = str(pages.size)
        return Request(self.config.url, params)

    def next_request(
        self, request: Request, body: Any, response: httpx.Response, count: int
    ) -> Request | None:
        pages = self.config.pagination
        if isinstance(pages, CursorPages):
            cursor = dig(body, pages.next_cursor)
            if cursor in (None, "") or count == 0:
                return None
            return Request(request.url, {**request.params, pages.cursor_param: str(cursor)})
        if isinstance(pages, NextLinkPages):
            link = (
                dig(body, pages.next_link) if pages.next_link else response.links.get("next", {}).get("url")
            )
            if not link or count == 0:
                return None
            url = urljoin(str(response.url), str(link))
            if _origin(url) != _origin(self.config.url):  # the credentials are for this API only
                raise PullError(
                    f"the next page link points to another server: {url}",
                    where=self.config.url,
                    hint="next links must stay on the API's scheme, host and port",
                )
            return Request(url, {})
        if isinstance(pages, NumberedPages):
            if count < pages.size:
                return None
            page = int(request.params.get(pages.page_param, pages.first))
            return Request(request.url, {**request.params, pages.page_param: str(page + 1)})
        return None

    def get(self, request: Request) -> httpx.Response:
        def once() -> httpx.Response:
            response = self.client.get(
                request.url, params=request.params or None
            )  # {} would drop the URL's query
            if response.status_code == 429 or response.status_code >= 500:
                log.info("%s answered %s; retrying", request.describe(), response.status_code)
                raise _Busy(response)
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.config.retry.attempts),
            wait=_wait(self.config.retry),
            retry=retry_if_exception_type((_Busy, httpx.TransportError)),
            reraise=True,
        )
        try:
            response: httpx.Response = retrying(once)
        except _Busy as exc:
            raise PullError(
                f"GET {request.describe()} answered {exc.status} {self.config.retry.attempts} times",
                where=request.describe(),
                hint="the server is busy or failing; pull again later (the pull goes on from this page)",
                retryable=True,
            ) from None
        except httpx.InvalidURL as exc:  # e.g. a next link the server sent: not retried
            raise PullError(
                f"source {self.source!r}: cannot request {request.describe()}: {exc}",
                where=f"sources.{self.source}.pull.url ({self.config.url})",
                hint="fix the url of the pull block (scheme, host, a numeric port)",
            ) from None
        except httpx.TransportError as exc:
            raise PullError(
                f"GET {request.describe()} failed: {exc}",
                where=request.describe(),
                hint="check the url and that the server is up",
                retryable=True,
            ) from None
        if response.status_code in (401, 403):
            raise PullError(
                f"GET {request.describe()} answered {response.status_code}: not authorised",
                where=f"sources.{self.source}.pull.auth",
                hint="check the credentials in the environment variables the auth block names",
            )
        if response.status_code >= 400:
            raise PullError(
                f"GET {request.describe()} answered {response.status_code}: {response.text[:200]}",
                where=request.describe(),
                hint="check the url and params of the pull",
            )
        return response

    # -- the pull --------------------------------------------------------------------------------
    def pull(self, report: SourcePull) -> None:
        """Land every new page; ``report`` counts as it goes (a failure keeps what landed)."""
        landed = sorted(self.target.committed().values(), key=lambda r: r.seq)
        last = landed[-1] if landed else None
        seq = last.seq if last else 0
        state = RestState.from_json(last.cursor) if last else RestState()
        if state.next is not None:
            since, request = state.since, state.next
            report.resumed = 1
            self.progress(self.source, f"going on with an unfinished pull at {request.describe()}")
        else:
            initial = self.config.incremental.initial if self.config.incremental else None
            since = state.max_seen if state.max_seen is not None else initial
            request = self.first_request(since)
        max_seen = state.max_seen
        pages = 0
        next_request: Request | None = request
        while next_request is not None and pages < self.config.max_pages:
            request = next_request
            response = self.get(request)
            try:
                body = response.json()
            except ValueError:
                raise PullError(
                    f"GET {request.describe()} did not answer JSON",
                    where=request.describe(),
                    hint="check the url (it must return JSON)",
                ) from None
            records = dig(body, self.config.records)
            if not isinstance(records, list):
                raise PullError(
                    f"GET {request.describe()}: no record list at {self.config.records or 'the top level'!r}",
                    where=f"sources.{self.source}.pull.records",
                    hint="set records to the dotted path of the list in the response",
                )
            pages += 1
            if self.config.incremental:
                for record in records:
                    max_seen = _later(max_seen, dig(record, self.config.incremental.field))
            next_request = self.next_request(request, body, response, len(records))
            if not records:
                continue
            seq += 1
            after = RestState(since, next_request, max_seen)
            self._land(report, seq, request, records, after)

    def _land(
        self, report: SourcePull, seq: int, request: Request, records: list[Any], after: RestState
    ) -> None:
        tag = tag_of(self.source, str(seq), request.describe())
        part = self.target.open_part(tag, request.describe(), tag)
        data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
        part.path.write_bytes(data.encode("utf-8"))
        record = PullRecord(
            source=self.source,
            kind="rest",
            tag=tag,
            remote=request.describe(),
            size=part.path.stat().st_size,
            version=tag,
            landed=f"{now_utc().date().isoformat()}/page-{seq:06d}-{tag}.jsonl",
            pulled_at=now_utc().isoformat(),
            records=len(records),
            cursor=after.to_json(),
            seq=seq,
        )
        self.target.commit(part.path, record)
        report.files.append(self.target.uri(record.landed))
        report.bytes += record.size
        report.records += len(records)
        self.progress(self.source, f"page {seq}: {len(records)} record(s) -> {record.landed}")


def _origin(url: str) -> tuple[str, str | None, int | None]:
    """Scheme, host and port: where a bearer token may be sent."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port
