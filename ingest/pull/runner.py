"""Pull every selected source that has a ``pull:`` block; one failing source does not stop the others."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.config import SourceConfig
from ingest.errors import ConfigError, IngestError
from ingest.pull.config import FtpPull, RestPull, S3Pull, SftpPull
from ingest.pull.files import FileRemote, Progress, SourcePull, pull_files
from ingest.pull.landing_writer import LandingTarget, target_for

log = logging.getLogger(__name__)


@dataclass
class PullReport:
    sources: list[SourcePull] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.sources)

    @property
    def exit_code(self) -> int:
        """The CLI's exit code, as for ``ingest run``: 0 if no source failed, else the highest of
        the failed sources' (3: a landing directory that cannot be written; 1: a remote refused)."""
        return max((s.exit_code for s in self.sources if s.status == "failed"), default=0)

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "sources": [asdict(s) for s in self.sources]}


def pulled_sources(sources: list[SourceConfig], *, explicit: bool) -> list[SourceConfig]:
    """The sources that have a pull block; naming one that has none (``-s``) is a ConfigError."""
    if explicit:
        without = [s.name for s in sources if s.pull is None]
        if without:
            raise ConfigError(
                f"source(s) without a pull block: {', '.join(without)}",
                hint="add a `pull:` block to the source in the config (see README, 'Pulls')",
            )
    return [s for s in sources if s.pull is not None]


def _remote(source: SourceConfig) -> FileRemote:
    config = source.pull
    if isinstance(config, FtpPull):
        from ingest.pull.ftp import FtpRemote

        return FtpRemote(source.name, config)
    if isinstance(config, SftpPull):
        from ingest.pull.sftp import SftpRemote

        return SftpRemote(source.name, config)
    if isinstance(config, S3Pull):
        from ingest.pull.s3sync import S3Remote

        return S3Remote(source.name, config)
    raise AssertionError(f"not a file pull: {config!r}")


def pull_source(source: SourceConfig, target: LandingTarget, report: SourcePull, progress: Progress) -> None:
    config = source.pull
    assert config is not None
    if isinstance(config, RestPull):
        from ingest.pull.rest import RestPuller

        puller = RestPuller(source.name, config, target, progress)
        try:
            puller.pull(report)
        finally:
            puller.close()
        return
    remote = _remote(source)
    try:
        pull_files(remote, target, report, include=config.include, folders=config.folders, progress=progress)
    finally:
        remote.close()


def pull_sources(sources: list[SourceConfig], *, work_dir: Path, progress: Progress) -> PullReport:
    """Pull each source into its landing directory. A ConfigError (a secret not set) stops all."""
    report = PullReport()
    for source in sources:
        assert source.pull is not None and isinstance(source.path, str)
        progress(source.name, f"pulling ({source.pull.kind}) into {source.path}")
        result = SourcePull(source.name, source.pull.kind)
        report.sources.append(result)
        try:
            target = target_for(source.name, source.path, work_dir)
            with target.locked():
                pull_source(source, target, result, progress)
            result.status = "pulled" if result.files else "noop"
        except ConfigError:
            raise
        except IngestError as exc:
            log.debug("pull of %s failed", source.name, exc_info=True)
            result.status, result.error, result.exit_code = "failed", exc.render(), exc.exit_code
    return report
