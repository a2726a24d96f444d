"""Offline, the stored walk answers for the walk's page only, and keeps ?at= (issue 12, point 10)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error

from .conftest import new_context
from .test_offline import wait_for_worker


@pytest.fixture
def offline_page(browser, live_server):
    """A page whose worker has stored the walk, then the network cut."""
    context = new_context(browser, service_workers="allow")
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    wait_for_worker(page)
    context.set_offline(True)
    yield page
    context.set_offline(False)
    context.close()


def test_preview_time_is_kept_offline(offline_page, live_server):
    offline_page.goto(f"{live_server.url}/fr/?at=14:20")
    offline_page.wait_for_selector(".follow-preview")
    assert "14\u00a0h\u00a020" in offline_page.locator(".follow-preview").inner_text()
    # The card follows the previewed time: at 14:20 the group walks to the MSH.
    assert offline_page.locator("#follow").get_attribute("data-next") == "msh-saint-charles"


@pytest.mark.parametrize("path", ["/fr/status", "/fr/legs/9.gpx"])
def test_other_addresses_never_get_the_participant_page(offline_page, live_server, path):
    try:
        response = offline_page.goto(live_server.url + path)
    except Error:  # the browser's own "no network" page: honest
        response = None
    assert offline_page.locator("#follow").count() == 0
    assert response is None or response.status != 200 or "text/html" not in (
        response.headers.get("content-type", "")
    )


@pytest.mark.parametrize(("locale", "lang"), [("fr-FR", "fr"), ("en-GB", "en")])
def test_the_server_root_leads_offline_to_the_walk_in_the_device_language(
    browser, live_server, locale, lang
):
    """As online (Accept-Language), offline the root sends the phone to its language's page
    (the stored page at its own address: issue 20, point 14), keeping ?at=."""
    context = new_context(browser, service_workers="allow", locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/")
    wait_for_worker(page)
    context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/?at=14:20")
        page.wait_for_selector(".stop-marker")
        assert page.url == f"{live_server.url}/{lang}/?at=14:20"
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("#follow").get_attribute("data-next") == "msh-saint-charles"
    finally:
        context.set_offline(False)
        context.close()
