"""The guides' side over HTTP: GPX downloads, their headers and caching, the guides page."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import gpxpy
import pytest
import segno

from tourapp import create_app
from tourapp.render import gpx, qr

from .conftest import GPX_XSD, small_doc, write_doc

HOSTILE = "<img src=x onerror=alert(1)> & \"q\" 'é' 🚶 ]]>"


def hostile_file(path):
    doc = small_doc()
    first = doc["features"][0]["properties"]
    first["tour_title_fr"] = 'Balade "piégée"; filename=evil.exe\r\n/../🚶'
    first["tour_title_en"] = f"Walk {HOSTILE}"
    first["tour_organiser"] = HOSTILE
    first["tour_attribution"] = HOSTILE
    for feature in doc["features"]:
        props = feature["properties"]
        props["name_fr"] = props["name_en"] = f"{props['id']} {HOSTILE}"
        props["address_en"] = f"{props['order']} {HOSTILE}"
    return write_doc(path, doc)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_tour_gpx_download(client, lang):
    response = client.get(f"/{lang}/tour.gpx")
    assert response.status_code == 200
    assert response.mimetype == "application/gpx+xml"
    disposition = response.headers["Content-Disposition"]
    ascii_name = (
        "Deambulation-urbaine-autour-de-la-Cite-intelligente"
        if lang == "fr"
        else "Urban-walk-around-the-smart-city"
    )
    assert disposition.startswith(f"attachment; filename={ascii_name}.gpx")
    readable = unquote(disposition.split("filename*=UTF-8''", 1)[1])  # RFC 5987, as browsers read it
    assert readable == (
        "Déambulation urbaine autour de la Cité intelligente.gpx"
        if lang == "fr"
        else "Urban walk around the smart city.gpx"
    )
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    text = response.get_data(as_text=True)
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(GPX_XSD)))
    assert schema.validate(etree.fromstring(response.data)), schema.error_log
    doc = gpxpy.parse(text)
    assert len(doc.waypoints) == 4 and len(doc.routes[0].points) == 4
    assert len(doc.tracks[0].segments) == 3
    # Links point at the page in the same language, on the server that answered.
    assert doc.link == f"http://localhost/{lang}/"
    assert doc.waypoints[3].link == f"http://localhost/{lang}/#stop-musee-fabre"
    # Times as the page writes them (babel puts no-break spaces in both languages).
    times = " ".join(doc.waypoints[1].comment.split())
    assert times == ("13 h 39 – 14 h 09" if lang == "fr" else "1:39 PM – 2:09 PM")
    assert doc.waypoints[0].type == ("Étape" if lang == "fr" else "Stop")


def test_revalidation_answers_304(client):
    first = client.get("/fr/tour.gpx")
    again = client.get("/fr/tour.gpx", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(
        "/fr/tour.gpx", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    other_lang = client.get("/en/tour.gpx", headers={"If-None-Match": first.headers["ETag"]})
    assert other_lang.status_code == 200
    leg = client.get("/fr/legs/1.gpx")
    assert (
        client.get("/fr/legs/1.gpx", headers={"If-None-Match": leg.headers["ETag"]}).status_code
        == 304
    )


def test_a_changed_file_gives_a_new_gpx(client, tour_file):
    before = client.get("/en/tour.gpx")
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["name_en"] = "French Tech hub"
    tour_file.write_text(json.dumps(doc), encoding="utf-8")
    after = client.get("/en/tour.gpx", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert gpxpy.parse(after.get_data(as_text=True)).waypoints[1].name == "2 French Tech hub"


@pytest.mark.parametrize("number", [1, 2, 3])
def test_leg_gpx(client, number):
    response = client.get(f"/en/legs/{number}.gpx")
    assert response.status_code == 200
    assert response.mimetype == "application/gpx+xml"
    assert f"-walk-{number}.gpx;" in response.headers["Content-Disposition"]
    doc = gpxpy.parse(response.get_data(as_text=True))
    assert [w.name[0] for w in doc.waypoints] == [str(number), str(number + 1)]
    assert len(doc.tracks[0].segments) == 1
    assert doc.tracks[0].name.startswith(f"Walk {number}: ")


@pytest.mark.parametrize(
    "url",
    [
        "/fr/legs/0.gpx",
        "/fr/legs/4.gpx",
        "/en/legs/99999999999999999999.gpx",
        "/fr/legs/-1.gpx",
        "/fr/legs/x.gpx",
        "/de/tour.gpx",
        "/fr/legs/1.5.gpx",
    ],
)
def test_unknown_leg_is_a_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_no_tour_is_a_503_not_a_500(tmp_path):
    app = create_app({"TESTING": True, "TOUR_DATA": tmp_path / "missing.geojson"})
    client = app.test_client()
    for url in ("/fr/tour.gpx", "/fr/legs/1.gpx", "/en/guides"):
        assert client.get(url).status_code == 503


def test_hostile_texts_in_headers_gpx_and_page(tmp_path):
    app = create_app({"TESTING": True, "TOUR_DATA": hostile_file(tmp_path / "stops.geojson")})
    client = app.test_client()
    response = client.get("/fr/tour.gpx")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r"attachment; filename=[A-Za-z0-9._-]+\.gpx; filename\*=UTF-8''[A-Za-z0-9%._~!#$&+^`|-]+",
        disposition,
    ), disposition
    assert "\r" not in disposition and "\n" not in disposition
    readable = unquote(disposition.split("''", 1)[1])
    assert "/" not in readable and '"' not in readable and "🚶" in readable
    doc = gpxpy.parse(response.get_data(as_text=True))
    assert doc.author_name == HOSTILE and doc.copyright_author == HOSTILE
    en = gpxpy.parse(client.get("/en/legs/1.gpx").get_data(as_text=True))
    assert en.waypoints[0].link_text == f"a {HOSTILE}"
    assert f"1 {HOSTILE}" in en.waypoints[0].description
    for lang in ("fr", "en"):
        page = client.get(f"/{lang}/guides").get_data(as_text=True)
        assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        sheet = page.split('class="runsheet"', 1)[1]
        # Names, addresses, the organiser and the meeting point: text in the sheet too.
        assert sheet.count("&lt;img src=x onerror=alert(1)&gt;") >= 3 + 1 + 1
        assert "]]>" not in sheet.split("</svg>")[0]  # the route's drawing holds no text of the file


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_guides_page_links_every_download(client, lang):
    response = client.get(f"/{lang}/guides")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for href in (
        f"/{lang}/tour.gpx",
        f"/{lang}/legs/1.gpx",
        f"/{lang}/legs/2.gpx",
        f"/{lang}/legs/3.gpx",
        "/tour.geojson",
    ):
        assert f'href="{href}"' in html
        assert client.get(href).status_code == 200
    assert f'href="/{lang}/legs/4.gpx"' not in html
    assert 'media="print"' in html and "css/print.css" in html
    # The run sheet: every stop with its address and times, every leg, the total.
    for name in ("Hôtel de Métropole", "Espace French Tech", "Musée Fabre"):
        assert name in html
    assert (
        "39, boulevard Bonne Nouvelle" if lang == "fr" else "39 Boulevard Bonne Nouvelle"
    ) in html
    assert html.count('class="runsheet-stop"') == 4 and html.count('class="runsheet-way"') == 3
    assert ("3,5\u00a0km" if lang == "fr" else "3.5\u00a0km") in html
    # CSP-ready: scripts are files, no inline script, handler or style attribute.
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []
    assert " style=" not in html and " on" + "error" not in html and " onclick" not in html


def test_guides_page_revalidates(client):
    first = client.get("/fr/guides")
    assert (
        client.get("/fr/guides", headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )


def test_participant_page_links_to_the_guides_page(client):
    assert 'href="/en/guides"' in client.get("/en/").get_data(as_text=True)


def qr_path(data: str) -> str:
    """The drawing of the QR code of ``data``, as the page must embed it."""
    return re.search(r' d="([^"]+)"', qr.svg(data)).group(1)


def test_qr_code_encodes_the_absolute_participant_page_url(client):
    html = client.get("/en/guides", base_url="https://walk.example.org").get_data(as_text=True)
    assert "https://walk.example.org/en/" in html
    assert qr_path("https://walk.example.org/en/") in html
    assert qr_path("https://walk.example.org/fr/") not in html
    # The SVG is segno's own QR code of that URL.
    expected = segno.make("https://walk.example.org/en/", error="m", micro=False)
    assert qr.svg("https://walk.example.org/en/") == expected.svg_inline(
        scale=1, omitsize=True, svgclass="qr-code", lineclass=None
    )


def test_public_url_replaces_the_request_root(tour_file):
    app = create_app(
        {
            "TESTING": True,
            "TOUR_DATA": tour_file,
            "PUBLIC_URL": "https://walk.example.org/montpellier/",
        }
    )
    client = app.test_client()
    html = client.get("/fr/guides", base_url="http://10.0.0.5:8000").get_data(as_text=True)
    assert qr_path("https://walk.example.org/montpellier/fr/") in html
    assert "10.0.0.5" not in html
    doc = gpxpy.parse(
        client.get("/fr/tour.gpx", base_url="http://10.0.0.5:8000").get_data(as_text=True)
    )
    assert doc.link == "https://walk.example.org/montpellier/fr/"
    assert (
        doc.waypoints[0].link == "https://walk.example.org/montpellier/fr/#stop-hotel-de-metropole"
    )


def test_a_hostile_host_header_cannot_break_the_gpx(client):
    response = client.get("/fr/tour.gpx", headers={"Host": 'evil.example"&<x>'})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '"&<x>' not in text  # werkzeug drops such a host; gpx.py would escape it anyway
    assert len(gpxpy.parse(text).waypoints) == 4


def test_same_stop_ids_link_the_page_and_the_gpx(client):
    html = client.get("/fr/").get_data(as_text=True)
    doc = gpxpy.parse(client.get("/fr/tour.gpx").get_data(as_text=True))
    for wpt in doc.waypoints:
        anchor = wpt.link.split("#", 1)[1]
        assert f'id="{anchor}"' in html
    assert gpx.CREATOR == doc.creator


def test_a_one_stop_tour_serves_its_gpx_and_guides_page(tmp_path):
    doc = small_doc()
    del doc["features"][1:]
    app = create_app({"TESTING": True, "TOUR_DATA": write_doc(tmp_path / "one.geojson", doc)})
    client = app.test_client()
    assert len(gpxpy.parse(client.get("/fr/tour.gpx").get_data(as_text=True)).waypoints) == 1
    assert client.get("/fr/legs/1.gpx").status_code == 404
    html = client.get("/fr/guides").get_data(as_text=True)
    assert "/legs/" not in html and html.count('class="runsheet-stop"') == 1


def test_a_replayed_download_keeps_its_headers(client):
    # The second request is answered from assets' replay cache, before the view runs.
    first, second = client.get("/fr/tour.gpx"), client.get("/fr/tour.gpx")
    for name in ("Content-Disposition", "Last-Modified", "ETag", "Content-Type"):
        assert second.headers.get(name) == first.headers.get(name), name
    assert second.data == first.data


def run_sheet(html: str):
    """The run sheet's element, parsed."""
    lxml_html = pytest.importorskip("lxml.html")
    (sheet,) = lxml_html.fromstring(html).find_class("runsheet")
    return sheet


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_run_sheet_has_the_route_directions_times_and_an_actual_column(client, lang):
    from tourapp import stopsfile

    from .conftest import SEEDED

    tour = stopsfile.load(SEEDED)
    sheet = run_sheet(client.get(f"/{lang}/guides").get_data(as_text=True))
    # The route drawn: one line per leg, a numbered disc per stop, no tiles, no image file.
    (svg,) = sheet.find_class("routemap")
    assert len(svg.findall(".//polyline")) == len(tour.legs)
    assert [g.findtext("text") for g in svg.find_class("routemap-stop")] == ["1", "2", "3", "4"]
    assert sheet.xpath(".//img") == [] and "tile" not in svg.get("class")
    rows = sheet.find_class("runsheet-stop")
    assert len(rows) == 4
    for index, row in enumerate(rows):
        stop = tour.stops[index]
        place = row.find_class("runsheet-place")[0].text_content()
        assert stop.name[lang] in place and stop.address[lang] in place
        times = " ".join(row.find_class("runsheet-time")[0].text_content().split())
        assert times.count(":") + times.count(" h ") >= 1
        # The "actual" column: empty lines to write on (arr. and/or dep.), nothing filled.
        (actual,) = row.find_class("runsheet-actual")
        writes = actual.find_class("runsheet-write")
        assert len(writes) == (1 if index in (0, 3) else 2)
        labels = ("arrivée", "départ") if lang == "fr" else ("arr.", "dep.")
        assert all(w.text_content().strip() in labels for w in writes)  # no time written
        if index:
            # The walking directions of the leg that leads there, step by step.
            steps = row.find_class("runsheet-steps")[0].findall("li")
            assert len(steps) == len(tour.legs[index - 1].steps)
    first = rows[0].find_class("runsheet-label")[0].text_content()
    assert first == ("Point de rendez-vous" if lang == "fr" else "Meeting point")
    assert rows[1].find_class("runsheet-steps")[0].findall("li")[0].text_content().startswith(
        "Partez vers le nord" if lang == "fr" else "Head north")
    # Columns named in the page's language.
    heads = [th.text_content() for th in sheet.find("table").find("thead").iter("th")]
    assert heads[-1] == ("Réel" if lang == "fr" else "Actual")
    assert sheet.find_class("runsheet-phone") == []  # the file has no phone


def test_run_sheet_gives_the_organisers_phone(tmp_path):
    doc = small_doc()
    doc["features"][0]["properties"]["tour_phone"] = "+33 4 67 00 00 00"
    app = create_app({"TESTING": True, "TOUR_DATA": write_doc(tmp_path / "stops.geojson", doc)})
    sheet = run_sheet(app.test_client().get("/fr/guides").get_data(as_text=True))
    (phone,) = sheet.find_class("runsheet-phone")
    link = phone.find(".//a")
    assert link.get("href") == "tel:+33467000000" and link.text == "+33 4 67 00 00 00"
    assert "Téléphone des organisateurs" in phone.text_content()
