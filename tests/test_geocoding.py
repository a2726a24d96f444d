"""Geocoding through geopy: the setting, the errors, and a real addok with the city's addresses."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest

from tourapp import stopsfile
from tourapp.domain.geo import distance_m
from tourapp.geodata import geocoding

from .conftest import SEEDED


def test_default_is_the_national_address_base():
    config = geocoding.settings({})
    assert (config.kind, config.scheme, config.domain, config.timeout_s) == (
        "ban", "https", "data.geopf.fr/geocodage", 10.0)
    assert "tourapp" in config.user_agent
    engine = geocoding.Geocoder(config)._geocode.__self__
    assert engine.geocode_api == "https://data.geopf.fr/geocodage/search"


def test_addok_url_becomes_geopy_domain_and_scheme():
    config = geocoding.settings({"GEOCODER": "addok:http://127.0.0.1:7878/", "GEOCODER_TIMEOUT": "3"})
    assert (config.kind, config.scheme, config.domain, config.timeout_s) == ("addok", "http", "127.0.0.1:7878", 3.0)
    engine = geocoding.Geocoder(config)._geocode.__self__
    assert engine.geocode_api == "http://127.0.0.1:7878/search"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"GEOCODER": "google"}, "is not a geocoder: use ban, addok:URL, nominatim"),
        ({"GEOCODER": "addok"}, "is not a geocoder"),
        ({"GEOCODER": "addok:127.0.0.1:7878"}, "must be an http(s) URL"),
        ({"GEOCODER": "nominatim"}, "needs GEOCODER_USER_AGENT"),
        ({"GEOCODER_TIMEOUT": "soon"}, "must be a number of seconds"),
        ({"GEOCODER_TIMEOUT": 0}, "from 0 to 600"),
    ],
)
def test_bad_settings_are_sentences(config, message):
    with pytest.raises(geocoding.GeocodingError) as caught:
        geocoding.settings(config)
    assert message in str(caught.value)
    assert caught.value.reason == "setting"


def test_unreachable_geocoder_is_a_sentence():
    # A port bound but not listening, held for the test: no one else can listen there.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        geocoder = geocoding.from_config({"GEOCODER": f"addok:http://127.0.0.1:{port}"})
        with pytest.raises(geocoding.GeocodingError) as caught:
            geocoder.locate("1 place Francis Ponge")
    assert caught.value.reason == "unreachable"
    assert str(caught.value).startswith("addok at http://127.0.0.1:")
    assert "is unreachable" in str(caught.value)


def test_a_geocoder_that_never_answers_times_out():
    with socket.socket() as server:  # accepts the connection, never replies
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        geocoder = geocoding.from_config(
            {"GEOCODER": f"addok:http://127.0.0.1:{port}", "GEOCODER_TIMEOUT": 0.5}
        )
        # No wall-clock bound (a loaded machine would flip it): the message below comes
        # only from the timeout, and without one this call would never return.
        with pytest.raises(geocoding.GeocodingError) as caught:
            geocoder.locate("1 place Francis Ponge")
    assert caught.value.reason == "unreachable"
    assert "did not answer within 0.5 s (GEOCODER_TIMEOUT)" in str(caught.value)


class _Nominatim(http.server.BaseHTTPRequestHandler):
    """Records each request's time and User-Agent; answers like Nominatim."""

    seen: list = []  # one test uses this server

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append((time.monotonic(), self.headers.get("User-Agent")))
        body = json.dumps([{"lat": "43.6", "lon": "3.88", "display_name": "Somewhere", "importance": 0.5}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_nominatim_gets_the_user_agent_and_at_most_one_request_per_second():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Nominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        agent = "montpellier-walks/1.0 (organiser@example.org)"
        geocoder = geocoding.from_config({
            "GEOCODER": f"nominatim:http://127.0.0.1:{server.server_port}",
            "GEOCODER_USER_AGENT": agent,
        })
        for _ in range(3):
            assert geocoder.locate("Somewhere").label == "Somewhere"
    finally:
        server.shutdown()
        server.server_close()
    times = [t for t, _ in _Nominatim.seen]
    assert [ua for _, ua in _Nominatim.seen] == [agent] * 3
    # geopy's RateLimiter spaces the calls' starts by 1 s; arrival times at the server
    # also carry each request's own delay (the first one opens the connection).
    assert all(b - a >= 0.9 for a, b in zip(times, times[1:], strict=False)), times
    assert times[-1] - times[0] >= 1.9


# A real addok, loaded with the address points in data/montpellier/adresses.csv.


@pytest.fixture(scope="module")
def addok(addok_url):
    return geocoding.from_config({"GEOCODER": f"addok:{addok_url}"})


def test_each_seeded_stop_address_geocodes_within_30_m_of_the_stop(addok):
    tour = stopsfile.load(SEEDED)
    for stop in tour.stops:
        place = addok.locate(stop.address["fr"])
        assert distance_m(place.location, stop.location) <= 30, (stop.id, place)


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("39 bd Bonne Nouvelle", "39 Boulevard de Bonnes Nouvelles Montpellier"),
        ("71 rue Prof. Henri Serre", "71 Rue Professeur Henri Serre Montpellier"),
        ("Opéra Comédie, 11 boulevard Victor Hugo", "11 Boulevard Victor Hugo Montpellier"),
    ],
)
def test_abbreviations_and_a_place_name_before_the_address_resolve(addok, address, label):
    assert addok.locate(address).label == label


def test_an_unknown_address_is_not_found_and_the_guesses_are_listed(addok):
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate("12 rue des Nuages Imaginaires")
    assert caught.value.reason == "not found"
    assert "no address matches « 12 rue des Nuages Imaginaires »" in str(caught.value)
    assert "« 12 Rue des " in str(caught.value)


def test_an_ambiguous_address_lists_the_candidates_with_their_labels(addok):
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate("rue de la")
    assert caught.value.reason == "ambiguous"
    assert len(caught.value.candidates) >= 2
    for place in caught.value.candidates:
        assert f"« {place.label} »" in str(caught.value)


def test_an_address_far_from_the_walk_is_refused(addok):
    paris = (48.8566, 2.3522)
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate("1 place Francis Ponge", near=paris)
    assert "no place near the walk matches" in str(caught.value)
    assert "« 1 Place Francis Ponge Montpellier »" in str(caught.value)


class _Addok(http.server.BaseHTTPRequestHandler):
    """Answers every search like addok, with the candidates the test set."""

    answer: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        features = [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"label": label, "score": score}}
            for label, (lat, lon), score in self.answer
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_addok():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Addok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield geocoding.from_config({"GEOCODER": f"addok:http://127.0.0.1:{server.server_port}"})
    server.shutdown()
    server.server_close()


EAST_1M = 1 / 80_600  # degrees of longitude per metre at Montpellier's latitude (43.6°)


@pytest.mark.parametrize(
    ("apart_m", "second_score", "ambiguous"),
    [
        (30, 0.75, False),  # one building, two entries: the best one
        (geocoding.SAME_PLACE_M - 2, 0.75, False),  # just inside the same place
        (geocoding.SAME_PLACE_M + 2, 0.75, True),  # just beyond it: a toss-up
        (400, 0.75, True),
        (400, 0.80 - geocoding.TIE_SCORE - 0.02, False),  # far, but clearly a worse match
        (400, 0.80 - geocoding.TIE_SCORE + 0.02, True),  # far, and nearly as good
    ],
)
def test_two_close_scores_are_ambiguous_unless_they_are_one_building(
    fake_addok, apart_m, second_score, ambiguous
):
    here = (43.6085, 3.8795)
    there = (here[0], here[1] + apart_m * EAST_1M)
    assert abs(distance_m(here, there) - apart_m) < 0.5  # the table means what it says
    _Addok.answer = [("1 Place A", here, 0.80), ("1 Place A bis", there, second_score)]
    if ambiguous:
        with pytest.raises(geocoding.GeocodingError) as caught:
            fake_addok.locate("1 place A")
        assert caught.value.reason == "ambiguous"
        assert [p.label for p in caught.value.candidates] == ["1 Place A", "1 Place A bis"]
    else:
        assert fake_addok.locate("1 place A").label == "1 Place A"


# Issue 22: the geocoder is never silently wrong. Each rule, both sides, on the real addok.


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("12 rue de la République, 30000 Nîmes",
         "names the postcode 30000 (département 30), but the place found is in the "
         "département 34"),
        ("5 avenue de Lodève, Lodève", "names the town « Lodève », but the place found is in "
         "Montpellier"),
        ("12 rue de la République, 34000 Nîmes", "names the town « Nîmes »"),
    ],
)
def test_another_town_or_postcode_is_refused_with_the_reason(addok, address, why):
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate(address)
    assert caught.value.reason == "town"
    assert why in str(caught.value)
    assert "« 1" in str(caught.value) or "« 5" in str(caught.value)  # the label found
    # The local geocoder says what it covers, and the settings of wider ones.
    assert "knows only the walk's area" in str(caught.value)
    assert "GEOCODER=ban" in str(caught.value) and "GEOCODER=nominatim" in str(caught.value)


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("12 rue de la République, 34000 Montpellier", "12 Rue de la République Montpellier"),
        ("12 rue de la République, Montpellier", "12 Rue de la République Montpellier"),
        ("5 avenue de Lodève", "5 Avenue de Lodève Montpellier"),  # the street's name only
        ("39, boulevard Bonne Nouvelle, 34000 Montpellier",
         "39 Boulevard de Bonnes Nouvelles Montpellier"),
    ],
)
def test_the_town_and_postcode_of_the_place_found_are_accepted(addok, address, label):
    assert addok.locate(address).label == label


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2 rue de la Loge", "there is no number 2 in Rue de la Loge: only the street was "
         "found, « Rue de la Loge Montpellier »"),
        ("rue de la Loge", "« rue de la Loge » is a street, not an address"),
        ("Cathédrale Saint-Pierre", "« Cathédrale Saint-Pierre » was not found as an address: "
         "only the street « Rue Saint Pierre Montpellier » matches part of it"),
    ],
)
def test_a_street_only_match_is_named_and_refused_unless_accepted(addok, address, why):
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate(address)
    assert caught.value.reason == "street"
    assert why in str(caught.value) and "--accept-street" in str(caught.value)
    place = addok.locate(address, accept_street=True)
    assert place.kind == "street" and place.label == caught.value.candidates[0].label


def test_a_house_number_that_exists_is_not_a_street_match(addok):
    place = addok.locate("29 rue de la Loge")
    assert (place.kind, place.label) == ("housenumber", "29 Rue de la Loge Montpellier")


@pytest.mark.parametrize("address", ["Odysseum", "371 avenue du Doyen Gaston Giraud"])
def test_outside_the_local_geocoders_area_says_so_and_names_the_wider_ones(addok, address):
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate(address)
    message = str(caught.value)
    assert caught.value.reason == "not found"
    assert f"no address matches « {address} »" in message
    assert "The local geocoder (addok at http://127.0.0.1:" in message
    assert "knows only the walk's area" in message
    assert "set GEOCODER=ban (the national address base" in message
    assert "GEOCODER=nominatim" in message


def test_another_addok_does_not_claim_to_cover_only_the_walk():
    # The coverage sentence comes from local_addok's attribution, not from addok itself.
    geocoder = geocoding.from_config({"GEOCODER": "addok:http://127.0.0.1:9"})
    assert geocoder.local is False and geocoder._coverage() == ""


def test_one_town_covered_makes_a_full_street_name_unambiguous(addok):
    # « 20 Rue Saint Pierre de Trivisy » scores close behind only because its name
    # starts the same; before issue 22 this needed « , 34000 Montpellier ».
    assert addok.locate("20 rue Saint-Pierre").label == "20 Rue Saint Pierre Montpellier"


@pytest.mark.parametrize(
    ("address", "label"),
    [
        # Rue and place Saint Ravy, 22 m apart: one building on its corner.
        ("2 Saint Ravy", "2 Rue Saint Ravy Montpellier"),
    ],
)
def test_two_entries_of_one_building_are_not_ambiguous(addok, address, label):
    candidates = addok.candidates(address)
    assert len(candidates) >= 2 and candidates[0].score - candidates[1].score < geocoding.TIE_SCORE
    assert distance_m(candidates[0].location, candidates[1].location) <= geocoding.SAME_PLACE_M
    assert addok.locate(address).label == label


def test_two_tied_places_apart_are_ambiguous(addok):
    # Place and boulevard de Strasbourg, 71 m apart: which one is meant?
    with pytest.raises(geocoding.GeocodingError) as caught:
        addok.locate("2 de Strasbourg")
    assert caught.value.reason == "ambiguous"
    assert "« 2 Place de Strasbourg Montpellier »" in str(caught.value)
    assert "« 2 Boulevard de Strasbourg Montpellier »" in str(caught.value)


@pytest.mark.parametrize(
    ("address", "postcode", "town"),
    [
        ("12 rue de la République, 30000 Nîmes", "30000", "Nîmes"),
        ("5 avenue de Lodève, Lodève", "", "Lodève"),
        ("Opéra Comédie, 11 boulevard Victor Hugo", "", ""),
        ("39, boulevard Bonne Nouvelle, 34000 Montpellier", "34000", "Montpellier"),
        ("1 place de la Comédie", "", ""),
        ("Musée Fabre, place de la Comédie", "", ""),
    ],
)
def test_the_written_town_is_read_from_the_address(address, postcode, town):
    assert geocoding.written_town(address) == (postcode, town)
