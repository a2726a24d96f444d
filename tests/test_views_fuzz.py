"""Participants never get a 500 because of data: any tour the loader accepts renders."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tourapp import create_app, stopsfile
from tourapp.testing import sign_in

from .conftest import small_doc

# Texts the loader accepts: any Unicode but surrogates and control characters.
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n"),
    min_size=1, max_size=60,
)


@st.composite
def valid_docs(draw) -> dict:
    document = small_doc()
    for feature in document["features"]:
        props = feature["properties"]
        for key in ("name_fr", "name_en", "description_fr", "description_en", "address_fr",
                    "address_en"):
            props[key] = draw(texts)
        props["duration_min"] = draw(st.integers(0, 1440) | st.floats(0, 1440))
        if draw(st.booleans()):
            props["arrive_at"] = draw(st.sampled_from(["00:00", "13:45", "23:59", "7:05:30"]))
    first = document["features"][0]["properties"]
    for key in ("tour_title_fr", "tour_title_en", "tour_attribution", "tour_organiser"):
        first[key] = draw(texts)
    first["tour_date"] = draw(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))).isoformat()
    first["tour_timezone"] = draw(st.sampled_from(
        ["Europe/Paris", "UTC", "Pacific/Kiritimati", "America/St_Johns", "Asia/Kathmandu"]
    ))
    first["tour_start"] = draw(st.sampled_from(["00:00", "02:30", "13:30", "23:59"]))
    return document


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_docs())
def test_every_accepted_tour_renders(document):
    data = json.dumps(document, ensure_ascii=False).encode()
    tour = stopsfile.parse(data)  # the strategy only builds valid tours
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stops.geojson"
        path.write_bytes(data)
        client = create_app({"TESTING": True, "TOUR_DATA": path}).test_client()
        sign_in(client)  # /fr/status is the organisers' (issue 19)
        for url in ("/fr/", "/en/", "/fr/map.js", "/en/map.js", "/fr/status", "/healthz",
                    "/tour.geojson"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.data[:500])
            assert response.headers["X-Tour-Version"] == tour.version
        page = client.get("/en/").text
        assert page.rstrip().endswith("</html>")
