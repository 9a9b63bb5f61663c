"""Shop orders: one CSV per day whose header drifts (docs/sample_data.md, shop)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from ingest.sample.common import MS_H, csv_line, day_start_ms, iso_ms
from ingest.sample.landing import LandingFile
from ingest.sample.spec import COUNTRIES, CURRENCIES, PRODUCT_MODELS, SampleSpec

HEADER_DAYS_1_3: tuple[str, ...] = (
    "Order ID",
    "Order Date",
    "Customer Email",
    "Product SKU",
    "Quantity",
    "Unit Price",
    "Currency",
    "Country",
)
HEADER_DAYS_4_5: tuple[str, ...] = (*HEADER_DAYS_1_3, "Discount Code")
HEADER_DAYS_6_ON: tuple[str, ...] = (
    "Order Date",
    "Order ID",
    "Country",
    "Customer Email",
    "Product SKU",
    "Unit Price",
    "Quantity",
    "Discount Code",
)
BAD_ROW_DAY_NO = 5
_PRICES = {
    "HERO11": "299.00",
    "HERO12": "349.00",
    "HERO13": "429.00",
    "AVATA2": "999.00",
    "MAVIC3": "1599.00",
}
_DISCOUNTS = ("WINTER10", "NEWYEAR15", "BUNDLE5")


def shop_header(day_no: int) -> tuple[str, ...]:
    """The CSV header written on day `day_no` (1-based)."""
    if day_no <= 3:
        return HEADER_DAYS_1_3
    if day_no <= 5:
        return HEADER_DAYS_4_5
    return HEADER_DAYS_6_ON


def _order(rng: random.Random, order_no: int, ts: int, emails: Sequence[str], day_no: int) -> dict[str, str]:
    """One order keyed by header name (a superset of every day's header)."""
    country = rng.choice(COUNTRIES)
    sku = rng.choice(PRODUCT_MODELS)
    known = emails and rng.random() < 0.75
    email = rng.choice(emails) if known else f"guest{rng.randint(1000, 9999)}@example.org"
    discount = rng.choice(_DISCOUNTS) if day_no >= 4 and rng.random() < 0.25 else ""
    return {
        "Order ID": f"SO-{order_no}",
        "Order Date": iso_ms(ts),
        "Customer Email": email,
        "Product SKU": sku,
        "Quantity": str(rng.choice((1, 1, 1, 1, 2, 2, 3))),
        "Unit Price": _PRICES[sku],
        "Currency": CURRENCIES[country],
        "Country": country,
        "Discount Code": discount,
    }


def shop_files(spec: SampleSpec, emails: Sequence[str]) -> list[LandingFile]:
    """`shop/<day>/orders_<yyyymmdd>.csv` for every day; one row with a wrong field count planted."""
    rng = spec.rng("shop")
    order_no = 100_001
    bad_day_no = min(BAD_ROW_DAY_NO, spec.days)
    files = []
    for d, day in enumerate(spec.dates):
        day_no = d + 1
        header = shop_header(day_no)
        day_ms = day_start_ms(day)
        count = spec.scaled(rng.randint(12, 24))
        times = sorted(rng.sample(range(day_ms + 6 * MS_H, day_ms + 23 * MS_H), count))
        rows = []
        for ts in times:
            order = _order(rng, order_no, ts, emails, day_no)
            order_no += 1
            rows.append(csv_line([order[name] for name in header]))
        bad = 0
        if day_no == bad_day_no:
            order = _order(rng, order_no, times[len(times) // 2], emails, day_no)
            order_no += 1
            rows.insert(len(rows) // 2 + 1, csv_line([order[name] for name in header[:-2]]))
            bad = 1
        name = f"orders_{day:%Y%m%d}.csv"
        files.append(LandingFile("shop", day, name, (csv_line(header), *rows), header_lines=1, bad_lines=bad))
    return files
