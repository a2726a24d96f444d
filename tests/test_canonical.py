"""One URL per resource: other spellings redirect to it (issue 12, point 12)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("asked", "canonical"), [
    ("/fr/legs/01.gpx", "/fr/legs/1.gpx"),
    ("/en/legs/001.gpx", "/en/legs/1.gpx"),
    ("/fr/guides/", "/fr/guides"),
    ("/en/status/", "/en/status"),
    ("/fr", "/fr/"),
    ("/fr/guides/?print=1", "/fr/guides?print=1"),
])
def test_other_spellings_redirect_to_the_one_url(client, asked, canonical):
    response = client.get(asked)
    assert response.status_code == 308
    assert response.headers["Location"] == canonical
    assert client.get(canonical).status_code == 200


@pytest.mark.parametrize("url", ["/fr/", "/fr/?at=14:05", "/fr/legs/1.gpx", "/fr/guides", "/tour.geojson"])
def test_canonical_urls_answer_directly(client, url):
    assert client.get(url).status_code == 200


def test_a_missing_leg_is_a_404_however_written(client):
    assert client.get("/fr/legs/99.gpx").status_code == 404
    assert client.get("/fr/legs/099.gpx").headers["Location"] == "/fr/legs/99.gpx"


@pytest.fixture
def mounted(app):
    """The app mounted under /walk by a WSGI dispatcher (SCRIPT_NAME=/walk), as a proxy would."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    return Client(DispatcherMiddleware(Response("outside the app", 404), {"/walk": app}))


@pytest.mark.parametrize("url", ["/fr/", "/en/", "/fr/legs/1.gpx", "/fr/guides", "/fr/map.js",
                                 "/tour.geojson", "/healthz"])
def test_under_a_sub_path_canonical_urls_answer_directly(mounted, url):
    response = mounted.get("/walk" + url)
    assert response.status_code == 200, response.headers.get("Location")


def test_under_a_sub_path_the_page_links_inside_it_and_other_spellings_redirect_there(mounted):
    page = mounted.get("/walk/fr/").get_data(as_text=True)
    assert 'src="/walk/fr/map.js?v=' in page or "/walk/fr/map.js?v=" in page
    response = mounted.get("/walk/fr/legs/01.gpx?x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "/walk/fr/legs/1.gpx?x=1"
    assert mounted.get("/walk/fr").headers["Location"] == "/walk/fr/"
