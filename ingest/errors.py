"""One exception family for the package: every error says what, where and what to do."""

from __future__ import annotations


class IngestError(Exception):
    """Base class. ``where`` names the file/line/setting; ``hint`` tells the user what to do."""

    exit_code = 1

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.what = what
        self.where = where
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.what]
        if self.where:
            parts.append(f"where: {self.where}")
        if self.hint:
            parts.append(f"what to do: {self.hint}")
        return "\n  ".join(parts)


def print_error(exc: IngestError) -> None:
    """``error: what`` and its where / what to do lines on stderr, as every entry point prints
    them (soft wrap: no line breaks inserted into the message; pipes keep whole lines)."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[bold red]error:[/] {escape(exc.render())}", soft_wrap=True)


class ConfigError(IngestError):
    """The configuration file or a CLI option is invalid (terminal: fix the config)."""

    exit_code = 2


class InputError(IngestError):
    """A landing path cannot be read at all: that source fails (exit 3) until the path is fixed;
    the other sources of the run still run."""

    exit_code = 3


class DataError(IngestError):
    """One source's data breaks a rule (counts do not reconcile, a schema contract): that source
    fails with nothing of it committed; the other sources still run (exit 1)."""

    exit_code = 1


class SchemaError(DataError):
    """A batch's schema breaks its source's ``schema_policy`` (``freeze``: a new column)."""


class StateError(IngestError):
    """The metastore or warehouse is in a state the run cannot continue from."""

    exit_code = 4


class ServiceError(IngestError):
    """A local service (the Kafka broker, the HTTP collector) could not be started, stopped or
    reached (exit 5, as platformctl's PlatformError): the message names its log file."""

    exit_code = 5


class PullError(IngestError):
    """A pull from a remote server failed (exit 1: that source failed, the others go on).

    ``retryable``: the same pull may succeed later (the server was busy or the file changed
    while it was read), as opposed to a refusal that needs a fix (credentials, a host key).
    """

    exit_code = 1

    def __init__(
        self, what: str, *, where: str | None = None, hint: str | None = None, retryable: bool = False
    ) -> None:
        self.retryable = retryable
        super().__init__(what, where=where, hint=hint)
