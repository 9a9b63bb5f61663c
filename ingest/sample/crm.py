"""CRM contacts: a full export on day 1 and an update export on day 4 (CSV)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from ingest.sample.common import csv_line, day_start_ms, iso_ms
from ingest.sample.landing import LandingFile
from ingest.sample.spec import COUNTRIES, SampleSpec

HEADER: tuple[str, ...] = (
    "contact_id",
    "email",
    "first_name",
    "last_name",
    "country",
    "created_at",
    "marketing_opt_in",
)
UPDATE_DAY_NO = 4
_FIRST: tuple[str, ...] = (
    "Anna",
    "Luca",
    "Zoë",
    "Noah",
    "Mia",
    "Léa",
    "Jonas",
    "Emma",
    "Hiro",
    "Yuki",
    "Ana",
    "João",
)
_FIRST += ("Olivia", "Jack", "Chloé", "Felix", "Sofia", "Liam", "Sakura", "Lucas")
_LAST: tuple[str, ...] = (
    "Müller",
    "Meier",
    "Martin",
    "Dubois",
    "Smith",
    "Jones",
    "Tanaka",
    "Sato",
    "Silva",
    "Santos",
)
_LAST += ("Schmid", "Keller", "Brown", "Wilson", "Bernard", "Weber", "Taylor", "Costa", "Nguyen", "O'Neill")
_CREATED_FROM = date(2024, 6, 1)


@dataclass(frozen=True)
class Contact:
    """One CRM contact as exported."""

    contact_id: str
    email: str
    first_name: str
    last_name: str
    country: str
    created_at_ms: int
    marketing_opt_in: bool

    def row(self) -> tuple[str, ...]:
        """CSV values in HEADER order."""
        return (
            self.contact_id,
            self.email,
            self.first_name,
            self.last_name,
            self.country,
            iso_ms(self.created_at_ms),
            "true" if self.marketing_opt_in else "false",
        )


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def build_contacts(spec: SampleSpec) -> list[Contact]:
    """The contacts of the day-1 export (their emails are also the shop's known customers)."""
    rng = spec.rng("crm")
    first_ms = day_start_ms(_CREATED_FROM)
    last_ms = day_start_ms(spec.start_date) - 1
    contacts = []
    for i in range(spec.contacts):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        contacts.append(
            Contact(
                contact_id=f"C-{i + 1:04d}",
                email=f"{_ascii(first)}.{_ascii(last)}{i + 1}@example.com",
                first_name=first,
                last_name=last,
                country=rng.choice(COUNTRIES),
                created_at_ms=rng.randint(first_ms, last_ms),
                marketing_opt_in=rng.random() < 0.6,
            )
        )
    return contacts


def _updates(rng: random.Random, contacts: list[Contact]) -> list[Contact]:
    """About a quarter of the contacts change their opt-in or country."""
    changed = []
    for contact in sorted(rng.sample(contacts, max(1, len(contacts) // 4)), key=lambda c: c.contact_id):
        if rng.random() < 0.5:
            changed.append(replace(contact, marketing_opt_in=not contact.marketing_opt_in))
        else:
            others = [country for country in COUNTRIES if country != contact.country]
            changed.append(replace(contact, country=rng.choice(others)))
    return changed


def crm_files(spec: SampleSpec, contacts: list[Contact]) -> list[LandingFile]:
    """`crm/<day 1>/contacts.csv` and, when the data set reaches day 4, `crm/<day 4>/contacts.csv`."""
    rng = spec.rng("crm-updates")
    exports = [(spec.start_date, contacts)]
    if spec.days >= UPDATE_DAY_NO:
        exports.append((spec.dates[UPDATE_DAY_NO - 1], _updates(rng, contacts)))
    return [
        LandingFile(
            "crm",
            day,
            "contacts.csv",
            (csv_line(HEADER), *(csv_line(contact.row()) for contact in rows)),
            header_lines=1,
        )
        for day, rows in exports
    ]
