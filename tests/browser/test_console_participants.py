"""An open participant page picks up a version the organisers accepted, by itself."""

from __future__ import annotations

import json
import re
import time

from tourapp.testing import csrf_of, sign_in


def _save_start(app, start: str) -> str:
    """Change the walk's start time through the console, as an organiser; the new version."""
    client = app.test_client()
    sign_in(client)
    page = client.get("/fr/console/edit").text
    fields = dict(re.findall(r'<input id="[^"]+" name="([^"]+)" type="text" value="([^"]*)"',
                             page))
    fields.update(re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>',
                             page))
    fields = {k: v.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
              for k, v in fields.items()}
    fields.update({"csrf_token": csrf_of(page), "tour.tour_start": start,
                   "base": re.search(r'name="base" value="([^"]+)"', page)[1]})
    assert client.post("/fr/console/edit", data=fields).status_code == 303
    return client.get("/healthz").json["version"]


def _version(page) -> str:
    return json.loads(page.locator("#live").get_attribute("data-live"))["version"]


def _version_or_none(page) -> str | None:
    try:  # the page may be between two documents
        return json.loads(page.evaluate(
            "() => document.getElementById('live').getAttribute('data-live')"))["version"]
    except Exception:  # noqa: BLE001 - a navigation destroys the context: ask again
        return None


def test_an_open_page_shows_the_new_start_within_one_poll(page, live_server):
    page.goto(f"{live_server.url}/fr/")
    page.wait_for_selector(".stop-marker")
    before = _version(page)
    assert "13\u00a0h\u00a030" in page.locator(".tour-when").inner_text()
    new = _save_start(live_server.server.app, "14:00")
    assert new != before
    # One poll every 4 s: the page has the new version within 10 s, by itself.
    deadline = time.monotonic() + 10
    while _version_or_none(page) != new:
        assert time.monotonic() < deadline, "the open page never showed the new version"
        page.wait_for_timeout(100)
    assert "14\u00a0h\u00a000" in page.locator(".tour-when").inner_text()
    page.wait_for_selector(".stop-marker")
    assert page.errors == []
