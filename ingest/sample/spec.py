"""Parameters and fixed vocabulary of the sample device ecosystem (see docs/sample_data.md)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.errors import ConfigError

SOURCES: tuple[str, ...] = ("camera", "drone", "app", "shop", "crm")
CAMERA_MODELS: tuple[str, ...] = ("HERO11", "HERO12", "HERO13")
DRONE_MODELS: tuple[str, ...] = ("AVATA2", "MAVIC3")
PRODUCT_MODELS: tuple[str, ...] = CAMERA_MODELS + DRONE_MODELS
COUNTRIES: tuple[str, ...] = ("CH", "DE", "FR", "GB", "US", "JP", "BR", "AU")
LOCALES: dict[str, str] = {
    "CH": "de-CH",
    "DE": "de-DE",
    "FR": "fr-FR",
    "GB": "en-GB",
    "US": "en-US",
    "JP": "ja-JP",
    "BR": "pt-BR",
    "AU": "en-AU",
}
CURRENCIES: dict[str, str] = {
    "CH": "CHF",
    "DE": "EUR",
    "FR": "EUR",
    "GB": "GBP",
    "US": "USD",
    "JP": "JPY",
    "BR": "BRL",
    "AU": "AUD",
}


def camera_firmware(day_no: int) -> str:
    """Camera firmware in use on day `day_no` (1-based): 1.0.0 days 1-2, 1.1.0 days 3-4, 1.2.0 after."""
    if day_no <= 2:
        return "1.0.0"
    if day_no <= 4:
        return "1.1.0"
    return "1.2.0"


def drone_firmware(day_no: int) -> str:
    """Drone firmware in use on day `day_no` (1-based): 3.4.0 days 1-3, 3.5.0 from day 4."""
    return "3.4.0" if day_no < 4 else "3.5.0"


MAX_DAYS = 3660  # ten years: every file is built in memory before the first is written
_OPTIONS = {"days": "--days", "start_date": "--start", "scale": "--scale"}  # the `generate` options


class SampleArgumentError(ConfigError, ValueError):
    """An argument of the sample generator is out of range (exit 2; still a ValueError for callers)."""


def _bad(name: str, what: str, hint: str | None = None) -> SampleArgumentError:
    where = f"option {_OPTIONS[name]} of `ingest generate`" if name in _OPTIONS else f"argument `{name}`"
    return SampleArgumentError(f"sample generator: {what}", where=where, hint=hint)


@dataclass(frozen=True)
class SampleSpec:
    """Validated arguments of one `generate` call."""

    seed: int = 42
    days: int = 7
    start_date: date = date(2026, 1, 5)
    cameras: int = 6
    drones: int = 3
    users: int = 40
    contacts: int = 25
    scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("days", "cameras", "drones", "users", "contacts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _bad(name, f"`{name}` must be an integer >= 1, got {value!r}")
        if self.days > MAX_DAYS:
            raise _bad(
                "days",
                f"`days` must be at most {MAX_DAYS} (ten years), got {self.days}",
                hint=f"generate at most {MAX_DAYS} days at a time; a later --start adds more",
            )
        if self.cameras > 9999 or self.drones > 999 or self.users > 9999 or self.contacts > 9999:
            raise _bad("cameras", "at most 9999 cameras, 999 drones, 9999 users, 9999 contacts")
        if not isinstance(self.scale, int | float) or not math.isfinite(self.scale) or self.scale <= 0:
            raise _bad("scale", f"`scale` must be a finite number > 0, got {self.scale!r}")
        if not isinstance(self.start_date, date):
            raise _bad("start_date", f"`start_date` must be a date, got {self.start_date!r}")
        if (date.max - self.start_date).days < self.days - 1:
            raise _bad(
                "start_date",
                f"{self.days} days from {self.start_date.isoformat()} go past the last date "
                f"{date.max.isoformat()}",
                hint="give an earlier --start or fewer --days",
            )

    @property
    def dates(self) -> tuple[date, ...]:
        """The landing dates, day 1 first."""
        return tuple(self.start_date + timedelta(days=i) for i in range(self.days))

    def day_no(self, day: date) -> int:
        """1-based day number of `day` (day 1 = start_date)."""
        return (day - self.start_date).days + 1

    def scaled(self, count: int) -> int:
        """An event volume multiplied by `scale`, at least 1."""
        return max(1, round(count * self.scale))

    def rng(self, stream: str) -> random.Random:
        """An independent, seeded random stream per source, so sources do not shift each other."""
        return random.Random(f"{self.seed}/{stream}")
