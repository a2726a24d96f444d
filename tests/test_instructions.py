"""Steps in words, in French and English, and the legs as the participant page shows them."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale

from tourapp import stopsfile
from tourapp.domain.tour import Step
from tourapp.render import instructions

from .conftest import write_doc

NBSP = "\u00a0"


@pytest.fixture
def say(app):
    """``say(lang, step)``: the step's sentence and distance in ``lang``."""

    def render(lang, step, destination="Musée Fabre"):
        with app.test_request_context(), force_locale(lang):
            return instructions.sentence(step, destination), instructions.then(step)

    return render


@pytest.mark.parametrize(
    ("step", "fr", "en"),
    [
        (
            Step("turn", "left", "Rue de la Loge", 150),
            "Tournez à gauche dans la rue de la Loge",
            "Turn left onto Rue de la Loge",
        ),
        (
            Step("turn", "slight right", "Boulevard Louis Blanc", 40),
            "Tournez légèrement à droite sur le boulevard Louis Blanc",
            "Turn slightly right onto Boulevard Louis Blanc",
        ),
        (
            Step("turn", "sharp left", "Avenue Bouisson-Bertrand", 40),
            "Tournez franchement à gauche dans l'avenue Bouisson-Bertrand",
            "Turn sharp left onto Avenue Bouisson-Bertrand",
        ),
        (
            Step("turn", "right", "Place de la Comédie", 40),
            "Tournez à droite sur la place de la Comédie",
            "Turn right onto Place de la Comédie",
        ),
        (Step("turn", "right", "", 40), "Tournez à droite", "Turn right"),
        (
            Step("turn", "uturn", "Rue Foch", 40),
            "Faites demi-tour dans la rue Foch",
            "Make a U-turn onto Rue Foch",
        ),
        (
            Step("continue", "straight", "Allée Jules Milhau", 40),
            "Continuez tout droit dans l'allée Jules Milhau",
            "Continue straight onto Allée Jules Milhau",
        ),
        (
            Step("continue", "straight", "Antigone", 40),
            "Continuez tout droit sur Antigone",
            "Continue straight onto Antigone",
        ),
        (
            Step("depart", "east", "Rue Léon Blum", 130),
            "Partez vers l'est dans la rue Léon Blum",
            "Head east on Rue Léon Blum",
        ),
        (
            Step("depart", "northwest", "Quai du Verdanson", 130),
            "Partez vers le nord-ouest sur le quai du Verdanson",
            "Head northwest on Quai du Verdanson",
        ),
        (
            # The sentence lacked its article (« sur Tunnel de la Comédie »).
            Step("turn", "sharp right", "Tunnel de la Comédie", 126),
            "Tournez franchement à droite dans le tunnel de la Comédie",
            "Turn sharp right onto Tunnel de la Comédie",
        ),
        (
            Step("depart", "southwest", "Esplanade Charles de Gaulle", 80),
            "Partez vers le sud-ouest sur l'esplanade Charles de Gaulle",
            "Head southwest on Esplanade Charles de Gaulle",
        ),
        (
            Step("continue", "straight", "Passage Lonjon", 40),
            "Continuez tout droit dans le passage Lonjon",
            "Continue straight onto Passage Lonjon",
        ),
        (
            Step("turn", "left", "Pont Juvénal", 40),
            "Tournez à gauche sur le pont Juvénal",
            "Turn left onto Pont Juvénal",
        ),
        (
            Step("turn", "right", "rue Foch", 40),
            "Tournez à droite dans la rue Foch",
            "Turn right onto Rue Foch",
        ),
        (Step("depart", "south", "", 130), "Partez vers le sud", "Head south"),
        # Issue 22: a square is crossed, and the step says so.
        (
            Step("cross", "straight", "Place de la Comédie", 60),
            "Traversez la place de la Comédie",
            "Cross Place de la Comédie",
        ),
        (
            Step("cross", "slight left", "Place de la Comédie", 60),
            "Tournez légèrement à gauche et traversez la place de la Comédie",
            "Turn slightly left and cross Place de la Comédie",
        ),
        (
            Step("cross", "northwest", "Esplanade de L'Europe", 60),
            "Partez vers le nord-ouest en traversant l'esplanade de L'Europe",
            "Head northwest across Esplanade de L'Europe",
        ),
        (
            Step("arrive", "", "Rue Montpelliéret", 0),
            "Arrivée : Musée Fabre",
            "Arrive at Musée Fabre",
        ),
    ],
)
def test_sentences_in_both_languages(say, step, fr, en):
    assert say("fr", step)[0] == fr
    assert say("en", step)[0] == en


@pytest.mark.parametrize(
    ("metres", "fr", "en"),
    [
        (150, f"Continuez sur 150{NBSP}m", f"Continue for 150{NBSP}m"),
        (1234, f"Continuez sur 1,2{NBSP}km", f"Continue for 1.2{NBSP}km"),
        (4, f"Continuez sur 10{NBSP}m", f"Continue for 10{NBSP}m"),
    ],
)
def test_distances_per_language(say, metres, fr, en):
    step = Step("turn", "left", "Rue de la Loge", metres)
    assert say("fr", step)[1] == fr
    assert say("en", step)[1] == en


def test_arrival_has_no_distance(say):
    assert say("en", Step("arrive", "", "Rue X", 0))[1] == ""


def test_maps_app_links_give_walking_directions_to_the_next_stop(app):
    tour = stopsfile.load(app.config["TOUR_DATA"])
    with app.test_request_context(), force_locale("en"):
        links = instructions.app_links(tour.stops[1], tour.stops[2], "en")
    urls = {link.label: link.url for link in links}
    assert urls["My maps app"] == (
        "geo:43.616424,3.872611?q=43.616424,3.872611"
        "(Maison%20des%20Sciences%20de%20l%27Homme%20%28MSH%20Sud%29%2C%20Saint-Charles%20site)"
    )
    a, b = "43.609125,3.884371", "43.616424,3.872611"
    osm = urlsplit(urls["OpenStreetMap"])
    assert (osm.netloc, osm.path) == ("www.openstreetmap.org", "/directions")
    assert parse_qs(osm.query) == {"engine": ["fossgis_osrm_foot"], "route": [f"{a};{b}"]}
    google = urlsplit(urls["Google Maps"])
    assert parse_qs(google.query) == {
        "api": ["1"],
        "origin": [a],
        "destination": [b],
        "travelmode": ["walking"],
    }
    apple = urlsplit(urls["Apple Maps"])
    assert apple.netloc == "maps.apple.com"
    assert parse_qs(apple.query) == {"saddr": [a], "daddr": [b], "dirflg": ["w"]}


def legs_html(client, lang):
    html = client.get(f"/{lang}/").get_data(as_text=True)
    return re.findall(r'<li class="leg".*?</li>\s*(?=<li class="stop")', html, re.S), html


@pytest.mark.parametrize(
    ("lang", "summary", "first", "arrive"),
    [
        (
            "fr",
            "Itinéraire : 7 étapes",
            "Partez vers le nord dans la rue Léon Blum",
            "Arrivée : Espace French Tech",
        ),
        (
            "en",
            "Directions: 7 steps",
            "Head north on Rue Léon Blum",
            "Arrive at Espace French Tech",
        ),
    ],
)
def test_page_shows_each_leg_with_collapsed_steps_and_app_links(
    client, lang, summary, first, arrive
):
    legs, html = legs_html(client, lang)
    assert len(legs) == 3
    for leg in legs:
        assert '<details class="leg-steps">' in leg  # collapsed: no "open" attribute
        assert len(re.findall(r'class="leg-app"', leg)) == 4
        assert 'href="geo:' in leg and "travelmode=walking" in leg and "dirflg=w" in leg
        assert "engine=fossgis_osrm_foot" in leg
    assert f"<summary>{summary}</summary>" in legs[0]
    assert f"<li>{first}<span" in legs[0]
    assert f"<li>{arrive}</li>" in legs[0]
    walk = {  # no-break spaces: figures never break across lines
        "fr": "Marche : 670\u00a0m, environ 9\u00a0min", "en": "Walk 670\u00a0m, about 9\u00a0min"
    }[lang]
    assert walk in legs[0]
    footer = html[html.index('<p class="attribution">') :]
    credit = {"fr": "Données : Ville", "en": "Data: Ville"}[lang]  # the page's language
    assert re.search(rf"OpenStreetMap.*\s+{credit} de Montpellier — Licence Ouverte", footer)


def test_street_and_stop_names_show_as_text(client, tour_file):
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["name_en"] = '<script>alert("stop")</script>'
    leg = next(f for f in doc["features"] if f["properties"].get("leg_to") == "espace-french-tech")
    steps = json.loads(leg["properties"]["steps"])
    steps[1]["street"] = '<img src=x onerror="alert(1)">'
    leg["properties"]["steps"] = json.dumps(steps)
    write_doc(tour_file, doc)
    legs, html = legs_html(client, "en")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "Turn left onto &lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in legs[0]
    assert "Arrive at &lt;script&gt;alert(&#34;stop&#34;)&lt;/script&gt;" in legs[0]
    assert "(%3Cscript%3Ealert%28%22stop%22%29%3C%2Fscript%3E)" in legs[0]  # geo: label


def test_straight_line_legs_have_links_but_no_steps(client, tour_file):
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    write_doc(tour_file, doc)
    legs, _ = legs_html(client, "fr")
    assert all("<details" not in leg and leg.count('class="leg-app"') == 4 for leg in legs)


@pytest.mark.parametrize(("lang", "written"), [
    ("fr", "sur le boulevard Bonne Nouvelle"), ("en", "onto Boulevard Bonne Nouvelle"),
])
def test_directions_spell_a_street_as_the_stops_address_does(client, lang, written):
    """The city's network (and its address points) name it « Boulevard de Bonnes Nouvelles »,
    the Musée Fabre's address (the museum's, La Poste's) « boulevard Bonne Nouvelle »: the
    directions to the stop use the address's spelling (issue 20, point 13)."""
    legs, html = legs_html(client, lang)
    assert "Bonnes Nouvelles" not in html
    assert written in legs[2]
