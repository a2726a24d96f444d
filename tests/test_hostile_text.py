"""Hostile stop texts are data: literal in HTML, in the map script, in JSON and in headers."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tourapp import create_app, stopsfile
from tourapp.testing import sign_in

from .conftest import small_doc, write_doc

# What an organiser's file might hold, by accident or on purpose.
HOSTILE = {
    "img": "<img src=x onerror=alert(1)>",
    "script": "</script><script>alert(1)</script>",
    "template": "${alert(1)} `backticks` %(name)s %s {0} {{ 7*7 }}",
    # folium renders scripts twice with Jinja: these must stay text, not run on the server.
    "jinja": "{% for x in range(3) %}x{% endfor %} {# c #} {{ unbalanced",
    "escapes": "back\\slash \\u0041 \\x41 'single' \"double\" &amp; &lt;",
    "rtl": "مرحبا بكم \u202eRLO\u202c שלום",
    "emoji": "Musée 🎨 👩\u200d👩\u200d👧 ✔︎",
    "attr": "\"><svg onload=window.__pwned=1>",
    "pwned": "<img src=x onerror=\"window.__pwned=1\">",
}


def hostile_doc() -> dict:
    """Four stops whose every text is hostile; the first holds hostile tour facts."""
    document = small_doc()
    a = dict(document["features"][0]["geometry"])
    document["features"].append({
        "type": "Feature",
        "properties": {"id": "d", "order": 4, "duration_min": 5},
        "geometry": {"type": "Point", "coordinates": [a["coordinates"][0] + 0.004,
                                                      a["coordinates"][1] + 0.01]},
    })
    names = list(HOSTILE.values())
    for number, feature in enumerate(document["features"]):
        props = feature["properties"]
        props.update(
            name_fr=names[(2 * number) % len(names)],
            name_en=names[(2 * number + 1) % len(names)],
            description_fr=" | ".join(names),
            description_en=" | ".join(reversed(names)),
            address_fr=HOSTILE["attr"],
            address_en=HOSTILE["rtl"],
        )
    document["features"][0]["properties"].update(
        tour_title_fr=HOSTILE["script"],
        tour_title_en=HOSTILE["img"],
        tour_description_fr=HOSTILE["template"],
        tour_description_en=HOSTILE["escapes"],
        tour_attribution='<a href="javascript:alert(1)">data</a> {{ 6*7 }} ' + HOSTILE["pwned"],
    )
    return document


@pytest.fixture
def hostile_file(tmp_path):
    return write_doc(tmp_path / "stops.geojson", hostile_doc())


@pytest.fixture
def hostile_client(hostile_file):
    return create_app({"TESTING": True, "TOUR_DATA": hostile_file}).test_client()


class Page(HTMLParser):
    """The elements and the text of a page, as a browser's parser sees them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)


def test_the_hostile_tour_is_valid():
    tour = stopsfile.parse(json.dumps(hostile_doc()).encode())
    assert len(tour.stops) == 4 and tour.stops[0].name.fr == HOSTILE["img"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_shows_every_text_literally(hostile_client, lang):
    response = hostile_client.get(f"/{lang}/")
    assert response.status_code == 200
    page = Page(response.text)
    # Only the page's own elements: external scripts only, no img, no svg, no handler.
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts and all(attrs.get("src", "").startswith("/") for attrs in scripts)
    assert not [tag for tag, _ in page.tags if tag in ("img", "svg", "iframe")]
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    text = "".join(page.texts)
    tour = stopsfile.parse(json.dumps(hostile_doc()).encode())
    for stop in tour.stops:
        assert stop.name[lang] in text
        assert stop.description[lang] in text
        assert stop.address[lang] in text
    assert tour.title[lang] in text
    assert "49" not in text and "xxx" not in text  # no template code ran


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_map_script_carries_texts_as_json(hostile_client, lang):
    js = hostile_client.get(f"/{lang}/map.js").text
    # Each stop's texts: the JSON object after "bindStop(marker_stopN," (the script is
    # minified: no space or line break to find its end by).
    decoder, texts = json.JSONDecoder(), []
    for call in re.finditer(r"tourapp\.bindStop\(marker_stop\d+,\s*", js):
        value, end = decoder.raw_decode(js, call.end())
        assert js[end] == ")"
        texts.append(value)
    tour = stopsfile.parse(json.dumps(hostile_doc()).encode())
    assert [t["name"] for t in texts] == [s.name[lang] for s in tour.stops]
    # Descriptions and addresses are sent once, in the page's itinerary: the popup copies them.
    assert all("description" not in t and "address" not in t for t in texts)
    # Nothing of the file's text reaches the script outside a JSON string.
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', js)
    assert "alert" not in outside and "<" not in outside
    assert "`" not in outside and "${" not in outside
    # folium's second Jinja pass ran nothing: the attribution keeps its braces as entities.
    assert "49" not in js and "42" not in js and "xxx" not in js
    assert "\\u0026#123;\\u0026#123; 6*7 \\u0026#125;\\u0026#125;" in js


def test_geojson_is_served_byte_for_byte(hostile_client, hostile_file):
    response = hostile_client.get("/tour.geojson")
    assert response.data == hostile_file.read_bytes()
    assert response.mimetype == "application/geo+json"
    assert json.loads(response.data) == hostile_doc()


def test_headers_carry_no_file_text(hostile_client):
    for url in ("/fr/", "/en/map.js", "/tour.geojson", "/healthz", "/fr/status"):
        response = hostile_client.get(url)
        for name, value in response.headers.items():
            assert "alert" not in value and "<" not in value, (url, name)
            value.encode("latin-1")


def test_healthz_and_status_show_hostile_problems_as_text(hostile_client, hostile_file):
    hostile_client.get("/fr/")
    document = hostile_doc()
    document["features"][1]["properties"]["duration_min"] = HOSTILE["script"]
    write_doc(hostile_file, document)
    import os

    st = hostile_file.stat()
    os.utime(hostile_file, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    health = hostile_client.get("/healthz")
    assert health.json["status"] == "degraded"
    assert health.mimetype == "application/json"
    assert HOSTILE["script"] in health.json["problems"][0]
    sign_in(hostile_client)
    status = hostile_client.get("/en/status").text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in status
    assert "<script>alert" not in status


def test_a_nul_in_a_text_is_refused_with_its_position(tmp_path):
    # A NUL cannot be shown, and GPX (XML 1.0) cannot hold one: the file is refused,
    # with where it is, and the last good tour stays online.
    document = small_doc()
    document["features"][1]["properties"]["name_fr"] = "Étape\x00b"
    with pytest.raises(stopsfile.TourError) as caught:
        stopsfile.parse(json.dumps(document).encode())
    assert caught.value.problems == [
        'stops.geojson: feature 1 ("b"): "name_fr" contains the invisible control character '
        "U+0000 at position 6: remove it"
    ]
