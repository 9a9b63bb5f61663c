"""The docs site as a user opens it: served on 127.0.0.1, read in headless Chromium.

On the session's end-to-end pipeline (``pipeline.py``; its drift step added
``properties_campaign_code`` to ``raw.app_events`` by dynamic DDL, and the carry-through brought it
into ``fct_app_events`` with no YAML entry), ``ingest.dbt_docs`` (what ``make docs`` runs)
generated the site, in the process of the pipeline's last dbt runs. The test serves it, searches for ``fct_app_events``, opens it and
finds the new column listed with its original path (``properties.campaign.code``) and the run
that first saw it. A screenshot of the model page is left in the test's temp dir.

Chromium is Debian's (``make browser`` installs it), driven by Playwright's Python package.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.pipeline import NEW_COLUMN, Pipeline

pytestmark = [pytest.mark.slow, pytest.mark.spark]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEW_COLUMN_PATH = "properties.campaign.code"


@pytest.fixture(scope="module")
def docs_dir(pipeline: Pipeline) -> Path:
    """The site ``make docs`` generated, in the pipeline's dbt target path."""
    target = pipeline.state / "dbt-target"
    assert (target / "index.html").is_file()
    return target


@pytest.fixture(scope="module")
def site_url(docs_dir: Path) -> Iterator[str]:
    """``docs_dir`` over HTTP on 127.0.0.1, a free port (``make docs-serve`` does the same)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(docs_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_model_page_lists_a_dynamic_ddl_column_with_its_original_path_and_first_run(
    pipeline: Pipeline, site_url: str, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian package chromium)", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(site_url)
            page.fill("#search", "fct_app_events")
            # The results also list its tests and every model that mentions it: click the one whose
            # title is exactly the model's name (the results overlay stays open otherwise).
            page.locator(".search-result").get_by_text("fct_app_events", exact=True).first.click()
            page.wait_for_url("**/model.device_analytics.fct_app_events**")
            expect(page.locator("h1").first).to_contain_text("fct_app_events")

            row = page.locator("tr.column-row").filter(has=page.get_by_text(NEW_COLUMN, exact=True))
            expect(row).to_be_visible()
            row.click()  # expands the column: its meta and the full description
            details = page.locator("tr.column-row-selected + tr td.column-expanded")
            expect(details).to_contain_text(f"original path {NEW_COLUMN_PATH}")
            expect(details).to_contain_text(f"in run {pipeline.drift_run_id}")
            expect(details).to_contain_text(
                "first_run_id", ignore_case=True
            )  # the column's meta, listed as Details
            details.scroll_into_view_if_needed()
            screenshot = tmp_path / "fct_app_events.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")
