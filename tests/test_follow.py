"""The follow card's data: what the page gives static/js/follow.js, per language and version."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from flask import template_rendered

from tourapp import stopsfile
from tourapp.render import follow

from .conftest import SEEDED, write_doc


class FollowSection(HTMLParser):
    """Collects the attributes of the #follow section and of the page's scripts."""

    def __init__(self):
        super().__init__()
        self.attrs: dict | None = None
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "follow":
            self.attrs = attrs
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1


def follow_section(client, url: str) -> tuple[dict, dict, str]:
    """GET a page; return the section's attributes, its parsed data and the HTML."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parser = FollowSection()
    parser.feed(html)
    assert parser.attrs is not None, "no #follow section"
    assert parser.inline_scripts == 0
    return parser.attrs, json.loads(parser.attrs["data-follow"]), html


@pytest.mark.parametrize(
    "value, expected",
    [
        ("14:05", dt.time(14, 5)),
        ("9:05", dt.time(9, 5)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        (None, None),
        ("", None),
        ("24:00", None),
        ("14:60", None),
        ("14h05", None),
        ("14:05:00", None),
        ("1405", None),
        (" 14:05", None),
        ("14:05\n", None),
        ("<script>", None),
        ("١٤:٠٥", None),  # Arabic-Indic digits match \d in Python: refused all the same
    ],
)
def test_parse_at(value, expected):
    assert follow.parse_at(value) == expected


@pytest.mark.parametrize(
    ("date", "timezone", "offsets"),
    [
        (dt.date(2018, 11, 20), "Europe/Paris", [60]),
        (dt.date(2019, 3, 31), "Europe/Paris", [60, 120]),  # summer time at 02:00
        (dt.date(2019, 10, 27), "Europe/Paris", [120, 60]),  # and back at 03:00
        (dt.date(2019, 4, 7), "Australia/Lord_Howe", [660, 630]),  # a half-hour change
    ],
)
def test_day_clock_gives_the_wall_clock_of_every_instant_of_the_day(date, timezone, offsets):
    """What follow.js computes from the table (wallMinute) is the zone's wall clock."""
    from zoneinfo import ZoneInfo

    day = follow.day_clock(date, timezone)
    assert [o[1] for o in day["offsets"]] == offsets
    zone = ZoneInfo(timezone)
    assert day["start"] == dt.datetime.combine(date, dt.time(0), zone).timestamp() * 1000

    def wall_minute(ms):  # follow.js's wallMinute
        if ms < day["start"] or ms >= day["end"]:
            return None
        offset = [o[1] for o in day["offsets"] if ms >= o[0]][-1]
        return (ms + offset * 60000 - day["midnight"]) / 60000

    for ms in range(day["start"] - 600_000, day["end"] + 600_000, 300_000):
        local = dt.datetime.fromtimestamp(ms / 1000, zone)
        expected = local.hour * 60 + local.minute if local.date() == date else None
        assert wall_minute(ms) == expected, local


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_carries_the_walk_for_the_script(client, lang):
    attrs, data, _ = follow_section(client, f"/{lang}/")
    assert "data-preview-at" not in attrs
    assert data["lang"] == lang
    assert data["timezone"] == "Europe/Paris"
    assert data["day"] == follow.day_clock(dt.date(2018, 11, 20), "Europe/Paris")
    assert data["speed_kmh"] == 4.5
    assert data["arrival_radius_m"] == 40 and data["near_leg_m"] == 50
    stops = data["stops"]
    assert [s["id"] for s in stops] == [
        "hotel-de-metropole", "espace-french-tech", "msh-saint-charles", "musee-fabre"
    ]
    assert [s["order"] for s in stops] == [1, 2, 3, 4]
    # Latitude first, as everywhere after the loader (the file says [3.89…, 43.60…]).
    assert (stops[0]["lat"], stops[0]["lon"]) == (43.6078, 3.89074)  # 5 decimals: about 1 m
    # The seeded walk's schedule (routed legs): due at the Espace French Tech at 13:39.
    visit = stopsfile.load(SEEDED).visits[1]
    arrival, departure = visit.arrival, visit.departure
    # Minutes of the walk's day (the page's script needs no dates: the day's clock is "day").
    assert "arrival" not in stops[1] and "date" not in data
    assert (stops[1]["arrival_min"], stops[1]["departure_min"]) == (
        arrival.hour * 60 + arrival.minute, departure.hour * 60 + departure.minute
    )
    assert stops[1]["arrival_label"] == {
        "fr": f"{arrival.hour}\u00a0h\u00a0{arrival.minute:02d}",  # never broken across lines
        "en": f"{arrival.hour - 12}:{arrival.minute:02d}\u00a0PM",
    }[lang]
    assert stops[3]["name"] == {"fr": "Musée Fabre", "en": "Musée Fabre (Fabre Museum)"}[lang]
    legs = data["legs"]
    assert [(leg["from"], leg["to"]) for leg in legs] == [
        (a["id"], b["id"]) for a, b in zip(stops, stops[1:], strict=False)
    ]
    # Each leg's path is sent once, in the map script: the card's data has none.
    leg = stopsfile.load(SEEDED).legs[0]
    assert "path" not in legs[0]
    assert legs[0]["distance_m"] == leg.distance_m
    assert legs[0]["walk_min"] == leg.walk_min


def test_texts_are_translated_and_keep_their_placeholders(client):
    _, fr, _ = follow_section(client, "/fr/")
    _, en, _ = follow_section(client, "/en/")
    assert fr["messages"].keys() == en["messages"].keys()
    tokens = re.compile(r"\{(\w+)\}")

    def flat(messages):
        for key, value in messages.items():
            if isinstance(value, dict):
                for form, text in value.items():
                    yield f"{key}.{form}", text
            else:
                yield key, value

    same = []
    pairs = zip(flat(fr["messages"]), flat(en["messages"]), strict=True)
    for (key, text_fr), (_, text_en) in pairs:
        assert text_fr and text_en, key
        assert set(tokens.findall(text_fr)) == set(tokens.findall(text_en)), key
        assert "%(" not in text_fr + text_en, key  # every gettext placeholder was filled
        if text_fr == text_en:
            same.append(key)
    # Only "N min" reads the same in both languages.
    assert same == ["minutes.one", "minutes.other"]
    assert fr["messages"]["late"]["other"] == "{num}\u00a0min de retard"  # one line
    assert en["messages"]["early"]["one"] == "{num}\u00a0min early"
    assert fr["messages"]["on_time"] == "À l'heure"


def test_stop_names_stay_text_in_the_attribute(client, tour_file):
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    hostile = "L'Hôtel \"<script>alert(1)</script>\" & {name} $&"
    doc["features"][0]["properties"]["name_en"] = hostile
    write_doc(tour_file, doc)
    _, data, html = follow_section(client, "/en/")
    assert data["stops"][0]["name"] == hostile
    assert "<script>alert(1)" not in html


def test_data_is_built_once_per_version(client, tour_file, monkeypatch):
    calls = []
    build = follow.data
    monkeypatch.setattr(follow, "data", lambda tour, lang: calls.append(lang) or build(tour, lang))
    # Three previews: each URL is new (no response to replay); a preview is the page
    # already made with its marks put in, so the page is rendered once, its data too.
    pages = []
    with template_rendered.connected_to(lambda _app, template, **_: pages.append(template.name)):
        for at in ("14:05", "14:06", "14:07"):
            follow_section(client, f"/en/?at={at}")
    assert pages.count("tour.html") == 1
    assert calls == ["en"]
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    doc["features"][3]["properties"]["name_en"] = "Fabre Museum"
    write_doc(tour_file, doc)
    _, data, _ = follow_section(client, "/en/")
    assert calls == ["en", "en"]
    assert data["stops"][3]["name"] == "Fabre Museum"


@pytest.mark.parametrize(
    "lang, notice",
    [("fr", "telle qu'elle serait à 14\u00a0h\u00a005"), ("en", "as at 2:05\u00a0PM")],
)
def test_preview_at_a_chosen_time(client, lang, notice):
    attrs, _, html = follow_section(client, f"/{lang}/?at=14:05")
    assert attrs["data-preview-at"] == "14:05"
    assert notice in html
    plain = client.get(f"/{lang}/")
    preview = client.get(f"/{lang}/?at=14:05")
    assert plain.headers["ETag"] != preview.headers["ETag"]
    again = client.get(f"/{lang}/?at=14:05", headers={"If-None-Match": preview.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "at", ["", "25:00", "14:5", "14:05:00", "2pm", "<script>alert(1)</script>", "%FF", "9" * 5000]
)
def test_malformed_at_is_ignored(client, at):
    plain = client.get("/en/")
    response = client.get("/en/", query_string={"at": at})
    assert response.status_code == 200
    assert response.get_data() == plain.get_data()
    assert b"data-preview-at" not in response.get_data()
