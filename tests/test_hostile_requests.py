"""Cheap requests must not cost expensive answers, nor strangers' hosts reach links (issue 21).

Point 8: a random query string, a preview time and a random ``Host:`` header.
"""

from __future__ import annotations

import pytest
from flask import template_rendered

from tourapp import create_app

BR = {"Accept-Encoding": "br, gzip"}


@pytest.fixture
def app(tour_file):
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})


@pytest.fixture
def client(app):
    return app.test_client()


def _renders(app):
    rendered = []
    template_rendered.connect(lambda _app, template, **_: rendered.append(template.name), app,
                              weak=False)
    return rendered


def _compressions(monkeypatch):
    from tourapp.web import encoding

    calls = []
    real = encoding.compress
    monkeypatch.setattr(encoding, "compress",
                        lambda data, encoding, **kw: calls.append(kw) or real(data, encoding, **kw))
    return calls


def test_random_query_strings_reuse_the_page(app, client, monkeypatch):
    client.get("/fr/", headers=BR)
    rendered, compressed = _renders(app), _compressions(monkeypatch)
    for n in range(30):
        response = client.get(f"/fr/?r={n}", headers=BR)
        assert response.status_code == 200 and response.content_encoding == "br"
    assert rendered == [] and compressed == []


def test_previews_are_not_rendered_nor_compressed_at_full_cost(app, client, monkeypatch):
    client.get("/fr/", headers=BR)
    rendered, compressed = _renders(app), _compressions(monkeypatch)
    for minute in range(30):
        response = client.get(f"/fr/?at=14:{minute:02d}&r={minute}", headers=BR)
        assert response.status_code == 200 and response.content_encoding == "br"
    assert "tour.html" not in rendered  # built from the page already made
    assert all(kw.get("fast") for kw in compressed)  # never brotli at quality 11 per request


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("at", ["00:00", "09:05", "14:05", "23:59"])
def test_a_preview_is_the_page_the_template_renders(app, client, lang, at):
    from tourapp.render import follow
    from tourapp.web.views import preview_page

    html = client.get(f"/{lang}/?at={at}").get_data(as_text=True)
    with app.test_request_context(f"/{lang}/?at={at}"):
        from flask import g, render_template

        from tourapp.stopsfile.store import get_store

        app.preprocess_request()
        g.lang = lang
        expected = render_template("tour.html", tour=get_store().tour(),
                                   preview=follow.parse_at(at))
    assert " ".join(html.split()) == " ".join(expected.split())
    assert preview_page  # the function the view uses


def test_previews_and_strangers_do_not_evict_the_pages(app, client, monkeypatch):
    from tourapp.web import assets

    client.get("/fr/", headers=BR)
    client.get("/fr/guides", headers=BR)
    for n in range(600):
        client.get(f"/fr/?at=14:{n % 60:02d}&r={n}", headers=BR)
    for n in range(50):
        client.get("/fr/guides", headers={**BR, "Host": f"evil{n}.example"})
    rendered, compressed = _renders(app), _compressions(monkeypatch)
    assert client.get("/fr/", headers=BR).status_code == 200
    assert client.get("/fr/guides", headers=BR).status_code == 200
    assert rendered == [] and compressed == []
    assert assets  # the module's caches kept the real pages


@pytest.fixture
def public_app(tour_file):
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32,
                       "PUBLIC_URL": "https://walk.example.org/"})


@pytest.mark.parametrize("url", ["/fr/guides", "/fr/tour.gpx", "/fr/"])
def test_with_public_url_a_stranger_host_changes_nothing(public_app, url):
    client = public_app.test_client()
    plain = client.get(url)
    response = client.get(url, headers={"Host": "evil.example"})
    assert response.status_code == 200 and response.get_data() == plain.get_data()
    assert b"evil.example" not in response.get_data()
    assert b"https://walk.example.org/fr/" in response.get_data() or url == "/fr/"


def test_trusted_hosts_refuse_other_hosts_with_a_plain_400(tour_file):
    """Flask's TRUSTED_HOSTS: the error page must not try to build links for the host."""
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32,
                      "PUBLIC_URL": "https://walk.example.org/",
                      "TRUSTED_HOSTS": ["walk.example.org", "balade.example.fr"]})
    client = app.test_client()
    assert client.get("/fr/", headers={"Host": "balade.example.fr"}).status_code == 200
    for url in ("/fr/", "/fr//guides", "/no-such-page"):
        refused = client.get(url, headers={"Host": "evil.example"})
        assert refused.status_code == 400 and b"evil.example" not in refused.get_data()


def test_merge_slashes_redirect_never_names_the_request_host(client):
    response = client.get("/fr//guides", headers={"Host": "evil.example"})
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/fr/guides"
    response = client.get("/fr//guides?x=1")
    assert response.headers["Location"] == "/fr/guides?x=1"


def test_without_public_url_strangers_hosts_are_bounded(app, client):
    """Without PUBLIC_URL links take the request's host; strangers cannot fill the caches."""
    from tourapp.web import assets, files

    for n in range(40):
        body = client.get("/fr/guides", headers={"Host": f"evil{n}.example"}).get_data()
        assert f"http://evil{n}.example/fr/".encode() in body
    with app.app_context():
        assert len(assets.get_cache().hosts) <= files.MAX_HOSTS


def test_405_names_the_allowed_methods(client):
    response = client.post("/fr/")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    response = client.delete("/live/guide")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_hsts_only_over_https(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32,
                      "TRUSTED_PROXIES": 1})
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/fr/").headers
    assert "Strict-Transport-Security" in client.get("/fr/", base_url="https://localhost").headers
    # Behind the proxy, which terminates TLS and says so.
    proxied = client.get("/fr/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
    # Without a trusted proxy, anyone could say so: no header then.
    plain = create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": "k" * 32})
    said = plain.test_client().get("/fr/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in said.headers


# --- the production recipe: a random Host: reaches no link and no cache (point 8) ----------

STRANGER_URLS = ["/fr/", "/fr/guides", "/fr/tour.gpx", "/fr/legs/1.gpx", "/fr/tour-track.gpx",
                 "/fr//guides", "/fr/guide", "/en/console/", "/no-such-page", "/fr/?at=14:00"]


def _get(base: str, path: str, host: str | None = None) -> tuple[int, bytes]:
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        headers = "\n".join(f"{k}: {v}" for k, v in response.getheaders()).encode()
        return response.status, headers + b"\n\n" + response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("setting", [
    {"FLASK_PUBLIC_URL": "https://walk.example.org/"},
    {},  # tourapp.testing.Gunicorn: FLASK_TRUSTED_HOSTS=["127.0.0.1", "localhost"]
], ids=["PUBLIC_URL", "TRUSTED_HOSTS"])
def test_production_never_names_a_strangers_host(tour_file, tmp_path, setting):
    from pathlib import Path

    from tourapp.testing import Gunicorn

    env = {"FLASK_TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": "k" * 32,
           "FLASK_INSTANCE_PATH": str(tmp_path / "instance"), **setting}
    root = Path(__file__).resolve().parent.parent
    with Gunicorn(["--workers", "1", "--threads", "4"], env, root) as server:
        plain = {url: _get(server.url, url) for url in ("/fr/guides", "/fr/tour.gpx")}
        for n in range(30):
            for url in STRANGER_URLS:
                status, answer = _get(server.url, url, f"evil{n}.example")
                assert b"evil" not in answer, (url, status, answer[:300])
                assert status < 500, (url, status)
        # The real pages were not pushed out: answered again, the same (replayed).
        for url, (status, body) in plain.items():
            again = _get(server.url, url)
            assert again[0] == status == 200
            assert again[1].split(b"\n\n", 1)[1] == body.split(b"\n\n", 1)[1]
        log = "".join(server.log)
    assert "Traceback" not in log


def test_production_without_the_sites_address_does_not_start(tour_file):
    import subprocess
    import sys
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "FLASK_TOUR_DATA": str(tour_file),
           "FLASK_SECRET_KEY": "k" * 32}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", "1", "--bind",
         "127.0.0.1:0", "tourapp:create_app()"],
        capture_output=True, text=True, timeout=60, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 3, result.stderr
    assert "refuses to start in production without the site's address" in result.stderr
    assert "Traceback" not in result.stderr
