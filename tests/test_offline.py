"""Offline support over HTTP: the root service worker, its precache list, the manifest, icons."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import struct
import urllib.request

import brotli

from tourapp import create_app
from tourapp.domain.tour import LANGUAGES
from tourapp.stopsfile import store
from tourapp.testing import Gunicorn
from tourapp.web import offline, security

from .conftest import ROOT

WORKER = (ROOT / "static" / "js" / "sw.js").read_bytes()
ENCODINGS = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda data: data}


def get(client, url: str, **kwargs):
    """A response read in full and closed (files are streamed from disk)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def listing(client) -> dict:
    response = client.get("/offline.json")
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"]
    return response.get_json()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_worker_is_served_from_the_site_root(client):
    response = get(client, "/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.data == (ROOT / "static" / "js" / "sw.js").read_bytes()


def test_every_page_registers_the_worker_of_the_current_data(client):
    version = listing(client)["version"]
    for lang in LANGUAGES:
        html = client.get(f"/{lang}/").get_data(as_text=True)
        assert f'data-worker="/sw.js?v={version}"' in html
        assert f'<link rel="manifest" href="/{lang}/manifest.webmanifest">' in html


def test_precache_lists_both_languages_their_assets_and_the_data(app, client):
    body = listing(client)
    urls = body["precache"]
    assert len(urls) == len(set(urls))
    for lang in LANGUAGES:
        assert f"/{lang}/" in urls
        assert any(url.startswith(f"/{lang}/map.js?v=") for url in urls)
        assert body["pages"][lang] == f"/{lang}/"
    assert "/tour.geojson" in urls
    assert "/sw.js" not in urls and not any("tile" in url for url in urls)
    # Every script and stylesheet a page loads is in the list.
    for lang in LANGUAGES:
        html = client.get(f"/{lang}/").get_data(as_text=True)
        for asset in re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css)[^"]*)"', html):
            assert asset.replace("&amp;", "&") in urls, asset
    # And every URL in it answers, so the worker's all-or-nothing install succeeds.
    for url in urls:
        assert get(client, url).status_code == 200, url


def test_precache_leaves_out_the_bundles_inputs(client):
    """The worker downloads what pages load: a script that only goes into a bundle (its
    source, or its esbuild output in static/js/min/) is stored inside the bundle, not twice."""
    urls = listing(client)["precache"]
    assert not [url for url in urls if "/static/js/min/" in url]
    assert not [url for url in urls if url.startswith(("/static/js/follow.js", "/static/js/basemap.js"))]
    assert any(url.startswith("/bundles/basemap.js?v=") for url in urls)


def test_new_tour_data_gives_a_new_cache_version(client, tour_file):
    before = listing(client)["version"]
    tour_file.write_text(tour_file.read_text().replace("Musée Fabre", "Musée Fabre !"), "utf-8")
    after = listing(client)["version"]
    assert before != after
    assert before.split("-")[1] == after.split("-")[1]  # same app files
    assert f'data-worker="/sw.js?v={after}"' in client.get("/fr/").get_data(as_text=True)


def test_new_app_files_give_a_new_cache_version(tour_file, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(ROOT / "static", static)
    versions = []
    for css in ("body { color: #111; }", "body { color: #222; }"):
        (static / "css" / "app.css").write_text(css)
        app = create_app({"TESTING": True, "TOUR_DATA": tour_file})
        app.static_folder = str(static)
        versions.append(offline.assets_hash(app))
    assert versions[0] != versions[1]


def test_gpx_is_precached_once_the_app_has_it(app):
    tour = get_store_tour(app)
    # The GPX feature's URLs: the walk and each leg, per language.
    with app.test_request_context():
        urls = offline.precache_urls(tour)
        assert {"/fr/tour.gpx", "/en/tour.gpx", "/fr/legs/1.gpx", "/en/legs/3.gpx"} <= set(urls)
        assert "/fr/legs/4.gpx" not in urls  # 4 stops, 3 legs
        only_known = offline.precache_urls(tour, (("tour.nothing", ("lang",)),
                                                  ("tour.page", ("lang",))))
        assert only_known[:2] == ["/fr/", "/en/"]


def get_store_tour(app):
    with app.app_context():
        return store.get_store().tour()


def test_tile_cache_size_reaches_the_worker(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "OFFLINE_TILE_CACHE_MAX": 5})
    html = app.test_client().get("/fr/").get_data(as_text=True)
    assert re.search(r'data-worker="/sw.js\?v=[\w-]+&amp;tiles=5"', html)


def test_manifest_per_language(client):
    names = set()
    for lang in LANGUAGES:
        response = client.get(f"/{lang}/manifest.webmanifest")
        assert response.mimetype == "application/manifest+json"
        manifest = json.loads(response.data)
        assert manifest["lang"] == lang
        assert manifest["start_url"] == f"/{lang}/" and manifest["scope"] == "/"
        assert client.get(manifest["start_url"]).status_code == 200
        assert manifest["display"] == "standalone"
        names.add(manifest["name"])
        purposes = set()
        for icon in manifest["icons"]:
            data = get(client, icon["src"]).data
            width, height = png_size(data)
            assert icon["sizes"] == f"{width}x{height}"
            purposes.add((icon["purpose"], width))
        assert {("any", 192), ("any", 512), ("maskable", 512)} <= purposes
    assert len(names) == len(LANGUAGES)  # translated


def test_root_manifest_follows_the_browser_language(client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.get_json()["lang"] == "en"
    assert "Accept-Language" in response.headers["Vary"]
    assert client.get("/manifest.webmanifest").get_json()["lang"] == "fr"


def test_no_tour_no_worker(tmp_path):
    app = create_app({"TESTING": True, "TOUR_DATA": tmp_path / "missing.geojson"})
    client = app.test_client()
    assert client.get("/offline.json").status_code == 503
    html = client.get("/fr/").get_data(as_text=True)
    assert 'data-worker=""' in html  # the error page registers nothing


def counted(monkeypatch, owner, name: str) -> list:
    """The calls of ``owner.name`` (``owner[name]`` for a dict) from now on, one item each."""
    calls = []
    original = owner[name] if isinstance(owner, dict) else getattr(owner, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    if isinstance(owner, dict):
        monkeypatch.setitem(owner, name, counting)
    else:
        monkeypatch.setattr(owner, name, counting)
    return calls


def new_tour_version(tour_file) -> None:
    tour_file.write_text(tour_file.read_text().replace("Musée Fabre", "Musée Fabre !"), "utf-8")


def test_manifest_is_built_once_per_language_and_tour_version(client, tour_file, monkeypatch):
    renders = counted(monkeypatch, offline, "manifest")
    tags = {}
    for _ in range(3):
        for accept in ("en-GB,en;q=0.8", "fr", None):
            headers = {"Accept-Encoding": "gzip, deflate, br"}
            if accept:
                headers["Accept-Language"] = accept
            root = client.get("/manifest.webmanifest", headers=headers)
            # Replayed per language: never the other visitor's manifest.
            assert json.loads(brotli.decompress(root.data))["lang"] == (accept or "fr")[:2]
            assert "Accept-Language" in root.headers["Vary"]
        for lang in LANGUAGES:
            response = client.get(f"/{lang}/manifest.webmanifest", headers={"Accept-Encoding": "br"})
            assert response.headers["Content-Encoding"] == "br"
            assert json.loads(brotli.decompress(response.data))["lang"] == lang
            tags.setdefault(lang, set()).add(response.headers["ETag"])
    # Once per URL and language (root: en, fr), not once per request.
    assert sorted(renders) == [("en",), ("en",), ("fr",), ("fr",)]
    assert all(len(etags) == 1 for etags in tags.values())
    br = {"Accept-Encoding": "br"}
    before = client.get("/en/manifest.webmanifest", headers=br)
    assert "no-cache" in before.headers["Cache-Control"]
    revalidated = {**br, "If-None-Match": before.headers["ETag"]}
    assert client.get("/en/manifest.webmanifest", headers=revalidated).status_code == 304
    assert len(renders) == 4
    new_tour_version(tour_file)
    after = client.get("/en/manifest.webmanifest", headers=br)
    assert len(renders) == 5
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/en/manifest.webmanifest", headers=revalidated).status_code == 200


def test_worker_is_built_once_per_tour_version(app, client, tour_file, monkeypatch):
    builds = counted(monkeypatch, app.view_functions, "offline.worker")
    version = listing(client)["version"]
    for _ in range(3):
        for encoding, decode in ENCODINGS.items():
            headers = {"Accept-Encoding": encoding} if encoding else {}
            response = client.get(f"/sw.js?v={version}", headers=headers)
            assert response.headers.get("Content-Encoding") == encoding
            assert decode(response.data) == WORKER
    assert len(builds) == 3  # once per encoding
    new_tour_version(tour_file)
    version = listing(client)["version"]
    assert client.get(f"/sw.js?v={version}", headers={"Accept-Encoding": "br"}).status_code == 200
    assert len(builds) == 4


def check_worker_headers(headers, policy: str) -> None:
    assert headers["Content-Security-Policy"] == policy
    assert "connect-src 'self' https://tile.openstreetmap.org" in policy  # the tiles it keeps
    assert "no-cache" in headers["Cache-Control"]


def test_worker_keeps_its_policy_and_headers_when_replayed(app, client, monkeypatch):
    builds = counted(monkeypatch, app.view_functions, "offline.worker")
    policy = security.content_security_policy(app.config["TILE_URL"], worker=True)
    for encoding, decode in ENCODINGS.items():
        headers = {"Accept-Encoding": encoding} if encoding else {}
        first, again = (client.get("/sw.js", headers=headers) for _ in range(2))
        for response in (first, again):
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
            check_worker_headers(response.headers, policy)
            assert decode(response.data) == WORKER
            assert response.headers["ETag"] == first.headers["ETag"]
        unchanged = client.get("/sw.js", headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert unchanged.status_code == 304
        check_worker_headers(unchanged.headers, policy)
    assert len(builds) == len(ENCODINGS)  # the second request of each was a replay


def test_worker_policy_over_http(tour_file):
    tile_url = create_app({"TESTING": True, "TOUR_DATA": tour_file}).config["TILE_URL"]
    policy = security.content_security_policy(tile_url, worker=True)
    env = {"TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": "k" * 32}
    with Gunicorn(["--workers", "1"], env, ROOT) as server:
        for _ in range(2):  # built, then replayed by the same worker
            request = urllib.request.Request(server.url + "/sw.js",
                                             headers={"Accept-Encoding": "br"})
            with urllib.request.urlopen(request) as response:
                assert brotli.decompress(response.read()) == WORKER
                check_worker_headers(response.headers, policy)
