"""One URL per resource: other spellings redirect to it (issue 12, point 12)."""

from __future__ import annotations

import pytest

from tourapp.testing import sign_in


@pytest.mark.parametrize(("asked", "canonical"), [
    ("/fr/legs/01.gpx", "/fr/legs/1.gpx"),
    ("/en/legs/001.gpx", "/en/legs/1.gpx"),
    ("/fr/guides/", "/fr/guides"),
    ("/en/status/", "/en/status"),
    ("/fr", "/fr/"),
    ("/fr/guides/?print=1", "/fr/guides?print=1"),
])
def test_other_spellings_redirect_to_the_one_url(client, asked, canonical):
    sign_in(client)  # /en/status is for organisers
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
