"""Transfer efficiency: encodings negotiated, versioned URLs cached for a year, 304s, compress once."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from tourapp.render.i18n import best_language
from tourapp.web import assets, encoding

from .conftest import rewrite

BR = {"Accept-Encoding": "gzip, deflate, br"}


def decode(response) -> bytes:
    """The response body as the browser sees it after undoing Content-Encoding."""
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    assert encoding is None
    return response.data


def page_urls(client, lang="fr") -> dict[str, str]:
    """Local asset URLs of the page, by file name."""
    html = client.get(f"/{lang}/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/[^"]+\?v=[^"]+)"', html)
    return {u.split("?")[0].rsplit("/", 1)[-1]: u for u in urls}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("identity", None),
        (None, None),
    ],
)
@pytest.mark.parametrize("url", ["/fr/", "/en/", "/tour.geojson", "/fr/map.js", "tour.js"])
def test_encoding_follows_accept_encoding(client, accept, expected, url):
    if not url.startswith("/"):
        url = page_urls(client)[url]
    headers = {"Accept-Encoding": accept} if accept else {}
    plain = client.get(url)
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == expected
    assert "Accept-Encoding" in response.vary
    assert decode(response) == plain.data
    if expected:
        assert len(response.data) < len(plain.data) / 2


def test_versioned_assets_are_immutable_for_a_year(client):
    urls = page_urls(client)
    assert set(urls) >= {"tour.css", "tour.js", "map.js"}  # the bundles (bundles.py)
    for url in urls.values():
        response = client.get(url, headers=BR)
        cache = response.cache_control
        assert cache.max_age == 365 * 24 * 3600 and cache.immutable and not cache.no_cache, url
        assert cache.public
        # The version is the hash of the very bytes served.
        assert url.split("?v=")[1] == assets.version_of(decode(response)), url


def test_stale_or_missing_version_is_not_cached_for_a_year(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789ab", "/fr/map.js?v=old"):
        cache = client.get(url).cache_control
        assert not cache.immutable and cache.max_age <= 3600, url


def test_map_script_version_changes_with_the_tour(client, tour_file):
    before = page_urls(client)["map.js"]
    renamed = tour_file.read_text(encoding="utf-8").replace("Musée Fabre", "Fabre Museum")
    rewrite(tour_file, renamed)  # the same size: only the time stamp tells the change
    after = page_urls(client)["map.js"]
    assert before != after
    assert "Fabre Museum" in client.get(after).get_data(as_text=True)


@pytest.mark.parametrize("url", ["/fr/", "/tour.geojson", "/fr/map.js", "tour.css", "tour.js"])
@pytest.mark.parametrize("accept", ["br", "gzip", None])
def test_etag_per_encoding_answers_304(client, url, accept):
    if not url.startswith("/"):
        url = page_urls(client)[url]
    headers = {"Accept-Encoding": accept} if accept else {}
    first = client.get(url, headers=headers)
    etag = first.headers["ETag"]
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    if accept:
        # A compressed copy's ETag does not validate another encoding.
        other = {"Accept-Encoding": "gzip"} if accept == "br" else {}
        assert client.get(url, headers={**other, "If-None-Match": etag}).status_code == 200


def test_pages_are_compressed_once_per_version(client, monkeypatch):
    calls = []
    real = encoding.compress  # the one compressor, for pages and files alike
    monkeypatch.setattr(encoding, "compress", lambda data, enc: calls.append(enc) or real(data, enc))
    for n in range(5):
        for url in ("/fr/", "/en/", "/fr/map.js", "/tour.geojson", "/static/css/app.css"):
            # A new query string each time, so no response is replayed whole: the view
            # runs and its body must come from the compressed-body cache.
            response = client.get(f"{url}?n={n}", headers=BR)
            assert response.headers["Content-Encoding"] == "br"
    assert calls == ["br"] * 5  # one per URL, not one per request


def test_static_file_change_gives_new_version(app, client, tmp_path):
    assets.versioned_files(app, "static", tmp_path)
    app.view_functions["static"] = lambda filename: assets.send_file(tmp_path, filename)
    (tmp_path / "x.css").write_text("a{}" * 300)
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="x.css")
        rewrite(tmp_path / "x.css", "b{}" * 300)  # the same size: a newer time stamp
        second = url_for("static", filename="x.css")
    assert first != second
    assert decode(client.get(second, headers=BR)) == b"b{}" * 300
    assert client.get(first).cache_control.max_age == 3600


def test_small_and_binary_files_are_not_compressed(client):
    response = client.get("/static/vendor/leaflet/images/layers.png", headers=BR)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.mimetype == "image/png"


@pytest.mark.parametrize(
    "url", ["/static/../pyproject.toml", "/static/nope.css", "/static/vendor/leaflet/x.js"]
)
def test_no_file_outside_the_asset_folders(client, url):
    assert client.get(url).status_code == 404


def test_healthz_is_never_cached(client):
    response = client.get("/healthz", headers=BR)
    assert response.cache_control.no_store and not response.cache_control.immutable


@pytest.mark.parametrize(
    "url",
    ["/fr/", "/en/", "/fr/map.js", "/tour.geojson", "map.js", "/sw.js", "/en/manifest.webmanifest",
     "/manifest.webmanifest"],
)
@pytest.mark.parametrize("accept", ["gzip, deflate, br", "gzip", None])
def test_replayed_responses_are_the_rendered_ones(client, url, accept):
    if not url.startswith("/"):
        url = page_urls(client)[url]
    headers = {"Accept-Encoding": accept} if accept else {}
    first = client.get(url, headers=headers)
    again = client.get(url, headers=headers)
    assert again.data == first.data
    for name in (
        "Content-Type",
        "Content-Length",
        "ETag",
        "Cache-Control",
        "Vary",
        "Content-Encoding",
    ):
        assert again.headers.get(name) == first.headers.get(name), name
    revalidated = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.headers["ETag"] == first.headers["ETag"]


def test_replay_skips_the_view_but_not_other_hooks(app, client, monkeypatch):
    from tourapp.web import views

    app.after_request(lambda response: response.headers.set("X-Hook", "ran") or response)
    calls = []
    real = views.tour_response
    monkeypatch.setattr(views, "tour_response", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    for _ in range(3):
        response = client.get("/fr/", headers=BR)
        assert response.headers["X-Hook"] == "ran"
    assert len(calls) == 1


def test_replay_follows_a_new_tour_version(client, tour_file):
    before = client.get("/en/", headers=BR)
    renamed = tour_file.read_text(encoding="utf-8").replace("Musée Fabre", "Fabre Museum")
    rewrite(tour_file, renamed)  # the same size: only the time stamp tells the change
    after = client.get("/en/", headers=BR)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Fabre Museum" in decode(after).decode()
    assert (
        client.get("/en/", headers={**BR, "If-None-Match": before.headers["ETag"]}).status_code
        == 200
    )


def test_only_get_is_replayed(client):
    client.get("/fr/", headers=BR)
    head = client.head("/fr/", headers=BR)
    assert head.status_code == 200 and head.data == b""
    assert client.post("/fr/").status_code == 405


def test_a_reply_that_varies_with_the_language_is_replayed_per_language(app):
    built = []

    def greeting():
        lang = best_language()
        built.append(lang)
        response = assets.tour_response(f"hello {lang}\n" * 100, "text/plain", f"hello {lang}")
        response.vary.add("Accept-Language")
        return response

    app.add_url_rule("/greeting", "greeting", greeting)
    client = app.test_client()
    for _ in range(3):
        for accept, lang in (("en-GB,en;q=0.8", "en"), ("fr-FR", "fr"), (None, "fr")):
            headers = {**BR, "Accept-Language": accept} if accept else BR
            response = client.get("/greeting", headers=headers)
            assert decode(response).startswith(f"hello {lang}".encode())
            assert response.headers["Vary"] == "Accept-Language, Accept-Encoding"
    assert built == ["en", "fr"]  # once per language, never the other one's reply


@pytest.mark.parametrize(
    ("if_none_match", "etag", "same"),
    [
        ('"abc"', "abc", True),
        ('"abc-br"', "abc", True),
        ('"abc-gzip"', "abc", True),
        ('"abc-id"', "abc", True),
        ('W/"abc-br"', "abc", True),
        ('"abd-br"', "abc", False),  # another state, compressed
        ('"abc-zstd"', "abc", False),  # not an encoding of ours
        ('"abcd"', "abc", False),
        ('"ab-c-br"', "ab-c", True),  # an ETag may hold a "-" itself
        ('"ab-br"', "ab-c", False),
    ],
)
def test_an_etag_is_read_back_only_where_it_is_written(if_none_match, etag, same):
    assert encoding.same_entity(if_none_match, etag) is same
    assert encoding.same_entity(f'"{encoding.encoded_etag(etag, "gzip")}"', etag)
