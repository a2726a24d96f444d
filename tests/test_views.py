"""The participant page and the data over HTTP."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from tourapp import stopsfile
from tourapp.testing import sign_in

from .conftest import small_doc, write_doc

NBSP = "\u00a0"

ALLOWED_ORIGINS = {"https://tile.openstreetmap.org"}


@pytest.mark.parametrize(
    ("lang", "times", "heading"),
    [
        ("fr", ["13 h 30", "13 h 39", "14 h 09", "14 h 32", "15 h 12", "15 h 27", "16 h 00"], "Itinéraire"),
        ("en", ["1:30 PM", "1:39 PM", "2:09 PM", "2:32 PM", "3:12 PM", "3:27 PM", "4:00 PM"], "Itinerary"),
    ],
)
def test_page_lists_every_stop_with_its_times(client, tour_file, lang, times, heading):
    tour = stopsfile.load(tour_file)
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f">{heading}</h2>" in html
    # Every stop's name, and its times as the loader computes them, formatted for the language.
    names = [str(escape(stop.name[lang])) for stop in tour.stops]
    assert all(name in html for name in names)
    computed = sorted({f"{t:%H:%M}" for v in tour.visits for t in (v.arrival, v.departure)})
    assert len(computed) == len(times)
    item_times = re.findall(r"<time datetime=\"(\d\d:\d\d)\">([^<]+)</time>", html)
    assert sorted({d for d, _ in item_times}) == sorted(computed[1:])  # start: "Departure at"
    assert all(text.replace(" ", "\u00a0") in html for text in times)  # never broken


def test_page_refers_to_no_outside_origin(client):
    for lang in ("fr", "en"):
        html = client.get(f"/{lang}/").get_data(as_text=True)
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls, "the page links its assets"
        outside = {u for u in urls if re.match(r"^(https?:)?//", u)}
        assert {re.match(r"^(https?:)?//[^/]+", u).group(0) for u in outside} <= {
            "https://www.openstreetmap.org",  # the attribution's link, not a resource
            "https://www.google.com",  # "open in my maps app" links, not resources
            "https://maps.apple.com",
        }
        script = client.get(f"/{lang}/map.js").get_data(as_text=True)
        origins = set(re.findall(r"https?://[a-z0-9.-]+", script))
        assert origins <= ALLOWED_ORIGINS | {"https://www.openstreetmap.org"}
        assert "cdn" not in html + script


def test_map_script_is_cached_per_version(client):
    first = client.get("/fr/map.js")
    assert first.status_code == 200 and first.mimetype == "text/javascript"
    again = client.get("/fr/map.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/en/map.js").headers["ETag"] != first.headers["ETag"]


def test_page_etag_changes_with_the_data(client, tour_file):
    first = client.get("/fr/")
    assert client.get("/fr/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    write_doc(tour_file, small_doc())
    second = client.get("/fr/", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert "Étape b" in second.get_data(as_text=True)


def test_geojson_is_the_served_file(client, tour_file):
    response = client.get("/tour.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.data == tour_file.read_bytes()


def test_healthz(client, tour_file):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["stops"] == 4
    tour_file.write_text("{ not json")
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200  # the last good tour is still served
    assert body["status"] == "degraded" and body["stops"] == 4
    assert body["problems"] == [
        "stops.geojson: invalid JSON at line 1, column 3: a property name must be written in "
        'double quotes ("name"), and no comma may follow the last property'
    ]
    assert client.get("/fr/").status_code == 200


def test_no_tour_at_all_gives_503_not_500(app, tour_file):
    tour_file.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    client = app.test_client()
    for url in ("/fr/", "/en/map.js", "/tour.geojson"):
        assert client.get(url).status_code == 503
    response = client.get("/en/")
    assert "The walk is not available at the moment" in response.get_data(as_text=True)
    assert client.get("/healthz").get_json()["status"] == "error"


@pytest.mark.parametrize("url", ["/de/", "/fr/nope", "/static/vendor/leaflet/leaflet-src.js", "/static/vendor/leaflet/../../x"])
def test_unknown_urls_are_404(client, url):
    assert client.get(url).status_code == 404


def test_leaflet_is_served_locally(client):
    with client.get("/static/vendor/leaflet/leaflet.js") as response:
        assert response.status_code == 200 and b"Leaflet" in response.data[:500]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pages_have_a_meta_description(client, tour_file, lang):
    """Search engines and Lighthouse's SEO audit read it (issue 12, point 14)."""
    tour = stopsfile.load(tour_file)
    for url in (f"/{lang}/", f"/{lang}/guides"):
        html = client.get(url).get_data(as_text=True)
        found = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert found, url
    page = client.get(f"/{lang}/").get_data(as_text=True)
    described = re.search(r'<meta name="description" content="([^"]+)">', page).group(1)
    assert described == str(escape(tour.description[lang]))


# --- the schedule's truth (issue 11) -------------------------------------------------------


def seeded_with(tour_file, **changes) -> None:
    """The seeded walk with some stops' properties changed: {stop id: {property: value}}."""
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    for feature in document["features"]:
        feature["properties"].update(changes.get(feature["properties"].get("id"), {}))
    write_doc(tour_file, document)


def test_a_late_end_shows_the_computed_times_with_the_plan_beside(client, tour_file):
    seeded_with(tour_file, **{"musee-fabre": {"duration_min": 50}})  # 15:57 → 16:17
    french = client.get("/fr/").text.replace(NBSP, " ")  # times never break: no-break spaces
    header = re.search(r'<p class="tour-when">(.*?)</p>', french, re.S)[1]
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", header)).strip().endswith(
        "13 h 30 – 16 h 17 (fin prévue : 16 h 00)"
    )
    english = client.get("/en/").text.replace(NBSP, " ")
    assert "(planned end: 4:00 PM)" in english and "4:17 PM" in english
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "ok"
    assert health.json["warnings"] == 1 and health.json["off_schedule"] is True
    guides = client.get("/fr/guides").text.replace(NBSP, " ")
    assert "data-off-schedule" in guides and "la balade finit 17 min après la fin prévue" in guides
    sign_in(client)
    status = client.get("/fr/status").text.replace(NBSP, " ")
    assert "data-off-schedule" in status
    assert "la balade finit à 16:17, 17 min après tour_end 16:00" in status


def test_a_missed_fixed_time_is_shown_beside_the_computed_one(client, tour_file):
    seeded_with(tour_file, **{"msh-saint-charles": {"arrive_at": "14:15"}})  # reached at 14:32
    page = client.get("/fr/").text.replace(NBSP, " ")
    assert "(prévu : 14 h 15)" in page
    assert client.get("/healthz").json["warnings"] == 1
    guides = client.get("/fr/guides").text.replace(NBSP, " ")
    assert "arrivée fixée à 14 h 15 manquée de 17 min" in guides


def test_a_walk_on_time_shows_the_plan_only(client):
    page = client.get("/fr/").text.replace(NBSP, " ")
    assert "(prévu :" not in page
    assert client.get("/healthz").json["warnings"] == 0
    assert "data-off-schedule" not in client.get("/fr/guides").text.replace(NBSP, " ")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_and_map_script_carry_no_indentation(client, lang):
    # Both count in the first render's budget (benchmarks/page_weight.py): the template's
    # and folium's indentation are bytes a phone pays for, and the page reads the same
    # without them.
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert not re.search(r"\n[ \t]", html)
    assert "<pre" not in html and "<textarea" not in html  # where white space would matter
    src = re.search(r'src="(/[a-z]{2}/map\.js[^"]*)"', html).group(1)
    script = client.get(src).get_data(as_text=True)
    assert not re.search(r"\n[ \t]", script) and "L.polyline(" in script


@pytest.mark.parametrize(("query", "kept"), [
    ("?at=14:20", "?at=14:20"),
    ("?utm_source=qr&at=14:05", "?utm_source=qr&at=14:05"),
    ("?_external=1&_anchor=x", "?_external=1&_anchor=x"),  # data, never url_for's options
    ("?a=%0D%0ALocation:%20x", "?a=%0D%0ALocation:+x"),  # re-encoded, one header
])
def test_root_keeps_the_query_string(client, query, kept):
    """The root's redirect keeps ?at= (a rehearsal's link) and the rest, as the offline
    worker and the static export's root do (issue 20, point 14)."""
    response = client.get(f"/{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/en/{kept}"
    assert response.headers.getlist("Location") == [f"/en/{kept}"]
