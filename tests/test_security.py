"""Security headers everywhere, production settings, bounded inputs, no path traversal."""

from __future__ import annotations

import email.message
import re
import socket
import subprocess
import sys
from urllib.parse import unquote

import pytest
from flask import request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.http import parse_options_header

from tourapp import create_app
from tourapp import settings as app_settings
from tourapp.testing import LiveServer
from tourapp.web import security

from .conftest import ROOT

DOCUMENTS = [
    "/", "/fr/", "/en/", "/tour.geojson", "/fr/status", "/nope", "/de/",
    "/static/vendor/leaflet/../../x", "/fr/tour.gpx",
]
"""Every kind of response a browser may show as a document: pages, errors, redirects, files."""
SUBRESOURCES = [
    "/fr/map.js", "/healthz", "/static/css/app.css", "/static/js/tour-map.js",
    "/bundles/tour.js", "/bundles/tour.css", "/live/state.json", "/manifest.webmanifest",
    "/static/icons/icon-192.png",
]
"""Scripts, styles, JSON and images: read by a page, never shown as one (``nosniff``)."""
DOCUMENT_ONLY = (
    "Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy",
)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = values
    return parsed


def assert_page_policies(response):
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no CDN
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert csp["connect-src"] == ["'self'"] and csp["worker-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_everywhere_headers(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("url", DOCUMENTS)
def test_every_document_has_the_page_policies(client, url):
    with client.get(url) as response:  # closes the file of a static response
        assert response.status_code < 500
    assert_everywhere_headers(response)
    assert_page_policies(response)


@pytest.mark.parametrize("url", SUBRESOURCES)
def test_subresources_carry_only_what_browsers_read_on_them(client, url):
    """Policies for documents are ignored on a script, a style or a JSON poll: not sent."""
    with client.get(url) as response:
        assert response.status_code == 200
    assert not security.is_document(response)
    assert_everywhere_headers(response)
    for name in DOCUMENT_ONLY:
        assert name not in response.headers, name


def test_a_response_of_unknown_type_counts_as_a_document():
    from flask import Response

    assert security.is_document(Response(b"", mimetype="application/octet-stream"))
    assert security.is_document(Response(b"", status=304, headers={"Content-Type": ""}))
    assert not security.is_document(Response(b"", mimetype="text/css"))


def test_not_modified_and_error_responses_have_them_too(client, tour_file):
    etag = client.get("/fr/").headers["ETag"]
    not_modified = client.get("/fr/", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert "Content-Security-Policy" in not_modified.headers
    tour_file.write_bytes(b"[")
    assert client.post("/fr/").status_code == 405
    assert "Content-Security-Policy" in client.post("/fr/").headers


def test_pages_have_no_inline_script_or_style(client):
    for url in ("/fr/", "/en/", "/fr/status", "/nope"):
        html = client.get(url).text
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no on…= handlers
        assert "<script src=" in html or url != "/fr/"


@pytest.mark.parametrize(
    ("tile_url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://localhost:8080/tiles/{z}/{x}/{y}.png", "http://localhost:8080"),
        ("/tiles/{z}/{x}/{y}.png", ""),
        ("javascript:alert(1)", ""),
    ],
)
def test_tile_origin(tile_url, origin):
    assert security.tile_origin(tile_url) == origin


def test_the_tile_server_setting_shapes_the_policy(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file,
                      "TILE_URL": "https://{s}.tiles.example.net/{z}/{x}/{y}.png"})
    csp = directives(app.test_client().get("/fr/").headers["Content-Security-Policy"])
    assert csp["img-src"] == ["'self'", "data:", "https://*.tiles.example.net"]


# --- production settings ------------------------------------------------------------------


@pytest.fixture
def prod_env(monkeypatch, tour_file):
    for name in ("FLASK_SECRET_KEY", "FLASK_DEBUG", "FLASK_TESTING", "FLASK_PUBLIC_URL",
                 "FLASK_TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOUR_DATA", str(tour_file))
    monkeypatch.setenv("FLASK_PUBLIC_URL", "https://walk.example.org/")
    return monkeypatch


@pytest.mark.parametrize("key", [None, "dev", "short-key"])
def test_production_refuses_a_development_secret_key(prod_env, key):
    if key is not None:
        prod_env.setenv("FLASK_SECRET_KEY", key)
    with pytest.raises(security.InsecureConfig, match="FLASK_SECRET_KEY"):
        create_app()


def test_production_with_a_real_key(prod_env):
    prod_env.setenv("FLASK_SECRET_KEY", "0123456789abcdef0123456789abcdef")
    app = create_app()
    assert not app.debug and not app.testing and app_settings.is_production(app)
    assert app.test_client().get("/fr/").status_code == 200


def test_production_refuses_to_take_links_from_any_host(prod_env):
    """Without PUBLIC_URL or TRUSTED_HOSTS, QR codes and GPX links would name any Host:."""
    prod_env.setenv("FLASK_SECRET_KEY", "0123456789abcdef0123456789abcdef")
    prod_env.delenv("FLASK_PUBLIC_URL")
    with pytest.raises(security.InsecureConfig) as refused:
        create_app()
    message = str(refused.value)
    assert "FLASK_PUBLIC_URL" in message and "FLASK_TRUSTED_HOSTS" in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    prod_env.setenv("FLASK_TRUSTED_HOSTS", '["walk.example.org"]')
    trusted = create_app()
    assert trusted.config["TRUSTED_HOSTS"] == ["walk.example.org"]
    client = trusted.test_client()
    assert client.get("/fr/", headers={"Host": "walk.example.org"}).status_code == 200
    assert client.get("/fr/", headers={"Host": "evil.example"}).status_code == 400
    prod_env.delenv("FLASK_TRUSTED_HOSTS")
    prod_env.setenv("FLASK_DEBUG", "1")  # `make run`: links take the host, as before
    assert create_app().debug


def test_debug_is_development(prod_env):
    prod_env.setenv("FLASK_DEBUG", "1")  # what `make run` (flask run --debug) sets
    assert create_app().debug


def test_the_organisers_commands_work_without_a_key(tour_file):
    env = {"PATH": "/usr/bin:/bin", "TOUR_DATA": str(tour_file)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tourapp", "tour", "check"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr


def test_gunicorn_refuses_to_start_with_the_development_key(tour_file):
    env = {"PATH": "/usr/bin:/bin", "TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": "dev"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
         "127.0.0.1:0", "tourapp:create_app()"],
        capture_output=True, text=True, timeout=60, env=env, cwd=ROOT,
    )
    assert result.returncode != 0
    assert "refuses to start in production with a development SECRET_KEY" in result.stderr


# --- download names -----------------------------------------------------------------------

HOSTILE_NAMES = [
    '<img src=x onerror=alert(1)>',
    "</script><script>alert(1)</script>",
    "${alert(1)} `x` \\u0041 'q' \"qq\"",
    "a\x00b\r\nSet-Cookie: x=1",
    "../../etc/passwd",
    "مرحبا بالعالم \u202e gpx.exe",
    "Musée Fabre 🎨",
    "",
    "..",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_content_disposition_is_one_safe_header(name):
    value = security.content_disposition(name, "gpx")
    value.encode("latin-1")  # a valid header value
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    kind, options = parse_options_header(value)
    assert kind == "attachment"
    fallback = options["filename"]
    assert fallback.endswith(".gpx") and "/" not in fallback and "\\" not in fallback
    assert not fallback.startswith(".")
    # The Unicode name, as a browser decodes filename*, keeps the visible text.
    message = email.message.Message()
    message["Content-Disposition"] = value
    full = message.get_filename()
    assert full.endswith(".gpx") and "/" not in full and "\x00" not in full
    for part in ("alert(1)", "Musée Fabre 🎨", "مرحبا"):
        if part in name:
            assert part in full or part in unquote(value)


def test_download_names():
    assert security.download_name("Musée Fabre", "gpx") == ("Musee-Fabre.gpx", "Musée Fabre.gpx")
    assert security.download_name("a/b\\c", "gpx") == ("a-b-c.gpx", "a b c.gpx")
    assert security.download_name("", "geojson") == ("tour.geojson", "tour.geojson")


# --- every input bounded ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/de/", 404), ("/FR/", 404), ("/fr", 308), ("/de/map.js", 404), ("/xx/status", 404),
        ("/fr/stop/nope", 404), ("/fr/%ff/", 404), ("/%00/", 404),
        ("/fr/?v=%ff%fe", 200), ("/fr/map.js?v[]=1&v=%3Cscript%3E", 200),
        ("/fr/?" + "a=1&" * 2000, 200), ("/tour.geojson?download=%00", 200),
    ],
)
def test_malformed_urls_are_404_or_ignored(client, url, status):
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept-Language": "';--, *;q=abc, fr;q=2, ,,,"},
        {"Accept-Language": "x" * 5000},
        {"If-None-Match": '"unterminated'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": "yesterday"},
        {"Range": "bytes=99999999-1"},
        {"Cookie": "session=%ff%fe; a"},
    ],
)
@pytest.mark.parametrize("url", ["/", "/fr/", "/fr/map.js", "/tour.geojson", "/healthz"])
def test_malformed_headers_never_500(client, headers, url):
    assert client.get(url, headers=headers).status_code in (200, 206, 302, 304, 416)


def test_request_bodies_are_bounded(app):
    # No view reads a body (a POST gets 405 whatever its size), so a view that reads one
    # is added here: it shows the limit the app sets for any future form or upload.
    app.add_url_rule(
        "/body-length", "body_length", lambda: str(len(request.get_data())), methods=["POST"]
    )
    client = app.test_client()
    assert client.post("/body-length", data=b"x" * 1000).get_data() == b"1000"
    assert client.post("/body-length", data=b"x" * 200_000).status_code == 413
    assert client.post("/fr/", data=b"x" * 200_000).status_code in (405, 413)


TRAVERSALS = [
    "/static/../pyproject.toml",
    "/static/%2e%2e/pyproject.toml",
    "/static/%2e%2e%2fpyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%252e%252e/pyproject.toml",
    "/static/css/..%5c..%5cpyproject.toml",
    "/static/..\\..\\pyproject.toml",
    "/static/vendor/leaflet/../../../pyproject.toml",
    "/static/vendor/leaflet/..%2f..%2f..%2fpyproject.toml",
    "/static/vendor/leaflet/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/static/vendor/leaflet/..%252f__init__.py",
    "/static/vendor/leaflet/../leaflet/leaflet.js%00.png",
    "/static/vendor/leaflet/%2fetc%2fpasswd",
    "/static/vendor/leaflet//etc/passwd",
    "/static//etc/passwd",
    "/static/vendor/leaflet/leaflet.js/../../../../__init__.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal_through_the_test_client(client, path):
    with client.get(path) as response:
        assert response.status_code in (400, 404, 308), response.status_code
        assert b"[project]" not in response.data and b"root:" not in response.data


def raw_get(port: int, path: str) -> bytes:
    """Send the path exactly as written: no client-side normalisation."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_path_traversal_over_raw_http(tour_file):
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file})
    with LiveServer(app) as server:
        for path in TRAVERSALS:
            answer = raw_get(server.port, path)
            status = int(answer.split(b" ", 2)[1])
            assert status in (400, 404, 308), (path, answer[:200])
            assert b"[project]" not in answer and b"root:" not in answer
        # The allowed files are still served.
        assert raw_get(server.port, "/static/vendor/leaflet/leaflet.js").startswith(
            b"HTTP/1.1 200"
        )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["gpx", "geojson"]))
def test_any_text_gives_a_valid_download_header(title, extension):
    value = security.content_disposition(title, extension)
    value.encode("latin-1")
    assert not set(value) & {"\r", "\n", "\x00"}
    assert parse_options_header(value)[1]["filename"].endswith("." + extension)


def test_only_the_service_worker_may_connect_to_the_tile_server(client):
    page = client.get("/fr/").headers["Content-Security-Policy"]
    with client.get("/sw.js") as response:
        worker = response.headers["Content-Security-Policy"]
    assert "connect-src 'self';" in page
    assert "connect-src 'self' https://tile.openstreetmap.org;" in worker
