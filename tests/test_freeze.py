"""`flask freeze`: the whole walk as files, with working relative links and compressed copies."""

from __future__ import annotations

import gzip
import json
import re

import brotli
import pytest

from tourapp import create_app
from tourapp.web.export import FreezeError, check_links, freeze

from .conftest import rewrite


def test_freeze_writes_every_page_and_download(app, tmp_path):
    report = freeze(app, tmp_path / "site")
    root = report.destination
    for name in (
        "index.html",
        "fr/index.html",
        "en/index.html",
        "fr/map.js",
        "en/map.js",
        "tour.geojson",
        "static/css/app.css",
        "static/js/tour-map.js",
        "static/vendor/leaflet/leaflet.js",
        "static/vendor/leaflet/leaflet.css",
        "static/vendor/leaflet/images/layers.png",
    ):
        assert (root / name).is_file(), name
    assert not (root / "healthz").exists()
    assert report.missing_links == []
    assert "Itinéraire" in (root / "fr/index.html").read_text(encoding="utf-8")
    assert "Itinerary" in (root / "en/index.html").read_text(encoding="utf-8")
    assert json.loads((root / "tour.geojson").read_bytes())["type"] == "FeatureCollection"


def test_frozen_pages_match_the_live_app(app, client, tmp_path):
    root = freeze(app, tmp_path / "site").destination
    for lang in ("fr", "en"):
        assert (root / lang / "map.js").read_bytes() == client.get(f"/{lang}/map.js").data
        # live.js's texts, which a page no longer carries: exported beside each page.
        texts = f"/{lang}/live-texts.json"
        assert (root / texts.lstrip("/")).read_bytes() == client.get(texts).data
    assert (root / "tour.geojson").read_bytes() == client.get("/tour.geojson").data


def test_links_are_relative_so_any_sub_path_works(app, tmp_path):
    root = freeze(app, tmp_path / "site").destination
    html = (root / "en/index.html").read_text(encoding="utf-8")
    assert 'href="../fr/index.html"' in html
    assert 'src="map.js?v=' in html
    assert 'href="/' not in html and 'src="/' not in html


def test_root_page_sends_to_the_default_language(app, tmp_path):
    html = (freeze(app, tmp_path / "site").destination / "index.html").read_text(encoding="utf-8")
    assert 'http-equiv="refresh" content="0; url=fr/index.html"' in html
    assert 'href="en/index.html"' in html


def test_precompressed_copies_decode_to_the_file(app, tmp_path):
    report = freeze(app, tmp_path / "site")
    root = report.destination
    assert report.compressed >= 8
    for name in ("fr/index.html", "static/vendor/leaflet/leaflet.js", "tour.geojson"):
        data = (root / name).read_bytes()
        assert gzip.decompress((root / f"{name}.gz").read_bytes()) == data
        assert brotli.decompress((root / f"{name}.br").read_bytes()) == data
    assert not (root / "static/vendor/leaflet/images/layers.png.gz").exists()


def test_a_second_export_replaces_the_first(app, tmp_path, tour_file):
    dest = tmp_path / "site"
    freeze(app, dest)
    (dest / "old.html").write_text("stale")
    renamed = tour_file.read_text(encoding="utf-8").replace("Musée Fabre", "Fabre Museum")
    rewrite(tour_file, renamed)  # the same size: only the time stamp tells the change
    freeze(app, dest, precompress=False)
    assert not (dest / "old.html").exists()
    assert not (dest / "fr/index.html.gz").exists()
    assert "Fabre Museum" in (dest / "fr/index.html").read_text(encoding="utf-8")


def test_check_links_reports_missing_targets(tmp_path):
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr/index.html").write_text(
        '<a href="../en/">x</a><script src="map.js?v=1"></script><a href="https://tile.example/">t</a>'
        '<a href="#main">m</a>'
    )
    assert check_links(tmp_path) == ["fr/index.html: ../en/", "fr/index.html: map.js?v=1"]
    (tmp_path / "fr/map.js").write_text("")
    (tmp_path / "en").mkdir()
    (tmp_path / "en/index.html").write_text("")
    assert check_links(tmp_path) == []


def test_freeze_command(runner, tmp_path):
    result = runner.invoke(args=["freeze", str(tmp_path / "out"), "--url", "https://walk.example.org/"])
    assert result.exit_code == 0, result.output
    assert "files" in result.output
    assert (tmp_path / "out/en/index.html").is_file()
    # The QR code's and the GPX files' links are the public address's (issue 12, point 13).
    assert "https://walk.example.org/en/" in (tmp_path / "out/en/tour.gpx").read_text()
    assert "localhost" not in (tmp_path / "out/fr/tour.gpx").read_text()


def test_freeze_command_refuses_without_a_public_address(runner, tmp_path):
    """Like `tour gpx`: absolute links to this machine would be wrong on the day."""
    result = runner.invoke(args=["freeze", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "PUBLIC_URL" in result.output and "--url" in result.output
    assert not (tmp_path / "out").exists()


def test_worker_and_its_list_are_relative_to_the_export(app, tmp_path):
    """At a host's root or under a sub-path, the worker installs from the export itself."""
    freeze(app, tmp_path / "site")
    page = (tmp_path / "site/fr/index.html").read_text()
    worker = re.search(r'data-worker="([^"]+)"', page).group(1)
    assert worker.startswith("../sw.js?v=")
    listing = json.loads((tmp_path / "site/offline.json").read_text())
    for url in listing["precache"] + list(listing["pages"].values()):
        assert not url.startswith("/"), url
        path = url.split("?")[0]
        target = tmp_path / "site" / path
        assert (target / "index.html" if path.endswith("/") or not path else target).is_file(), url


def test_never_writes_into_a_folder_of_other_files(app, tmp_path, runner):
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me")
    with pytest.raises(FreezeError, match="not empty"):
        freeze(app, tmp_path)
    result = runner.invoke(args=["freeze", str(tmp_path), "--url", "https://walk.example.org/"])
    assert result.exit_code == 1 and "not empty" in result.output
    assert precious.read_text() == "keep me"


def test_refuses_to_export_without_a_tour(tmp_path, runner):
    app = create_app({"TESTING": True, "TOUR_DATA": tmp_path / "missing.geojson"})
    with pytest.raises(FreezeError, match="no tour"):
        freeze(app, tmp_path / "site")
    assert not (tmp_path / "site" / "index.html").exists()


def test_pages_without_extension_become_html_files(app, tmp_path):
    from flask import g, render_template_string

    # A page under /<lang>/ like a guides page: found in the url_map, in both languages.
    def extra():
        return render_template_string(
            '<a href="{{ url_for("tour.page", lang=lang) }}">home</a>'
            '<a href="{{ url_for("extra", lang=lang) }}">me</a>',
            lang=g.lang,
        )

    app.add_url_rule("/<lang:lang>/extra", "extra", extra)
    report = freeze(app, tmp_path / "site")
    for lang in ("fr", "en"):
        html = (report.destination / lang / "extra.html").read_text(encoding="utf-8")
        assert 'href="index.html"' in html and 'href="extra.html"' in html
        assert not (report.destination / lang / "extra").exists()
    assert report.missing_links == []


def test_downloads_keep_their_names_in_the_export(app, client, tmp_path):
    """A static host sends no Content-Disposition: the guides' page names each file in its
    link's ``download``, as the server's header does (the export's were saved as 1.gpx,
    tour.tcx…)."""
    from urllib.parse import unquote

    root = freeze(app, tmp_path / "site").destination
    for lang in ("fr", "en"):
        html = (root / lang / "guides.html").read_text(encoding="utf-8")
        links = re.findall(r'<a href="([^"]+)"[^>]* download(?:="([^"]*)")?>', html)
        assert len(links) == 6  # the walk, its track, the course, 3 legs
        for href, name in links:
            served = client.get(f"/{lang}/{href}").headers["Content-Disposition"]
            expected = unquote(served.split("filename*=UTF-8''")[1])
            assert name.replace("&#39;", "'") == expected, href
