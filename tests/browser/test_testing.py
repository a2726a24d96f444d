"""The shared phone context in Chromium: other hosts are cut off, loopback is served."""

from __future__ import annotations

from tourapp.testing import PHONE, LiveServer, phone_context

FETCH = """url => fetch(url, {mode: "no-cors"}).then(() => "reached", () => "failed")"""


def blank_site(environ, start_response):
    """A page with no Content-Security-Policy: only the harness stands in the way."""
    start_response("200 OK", [("Content-Type", "text/html")])
    return [b"<!doctype html><title>blank</title>"]


def test_requests_to_other_hosts_are_aborted_by_the_context(browser):
    context = phone_context(browser)
    try:
        with LiveServer(blank_site) as site:
            page = context.new_page()
            failures = []
            page.on("requestfailed", lambda r: failures.append((r.url, r.failure)))
            page.goto(site.url + "/")
            assert page.evaluate(FETCH, "https://example.org/x") == "failed"
            # Aborted by the route (net::ERR_FAILED), before any name lookup or network.
            assert failures == [("https://example.org/x", "net::ERR_FAILED")]
            assert page.evaluate(FETCH, site.url + "/other") == "reached"
            assert page.viewport_size == PHONE
            assert page.evaluate("navigator.maxTouchPoints") > 0
    finally:
        context.close()
