"""The walk as an iCalendar event (/<lang>/walk.ics, RFC 5545), read back by a strict parser."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tourapp import create_app
from tourapp.render.calendar import escape_text, fold

from .conftest import small_doc, write_doc

HOSTILE = 'Café ; bar, \\ "x" <script>\nsecond line 🚶🚶🚶 ' + "é" * 60


def unfold(body: bytes) -> list[str]:
    """Content lines, checked as RFC 5545 §3.1 wants them: CRLF, ≤ 75 octets, UTF-8."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert len(line) <= 75, line
        assert b"\n" not in line and b"\r" not in line
        line.decode("utf-8")  # no character cut in two by a fold
    lines: list[str] = []
    for line in physical:
        if line.startswith(b" "):
            lines[-1] += line[1:].decode("utf-8")
        else:
            lines.append(line.decode("utf-8"))
    return lines


def unescape(value: str) -> str:
    """A TEXT value back to text; a lone backslash, ``;`` or ``,`` is an error."""
    out, rest = [], value
    while rest:
        match = re.match(r"\\([\\;,nN])|([^\\;,])", rest)
        assert match, f"unescaped character in {value!r}"
        out.append({"n": "\n", "N": "\n"}.get(match[1], match[1]) if match[1] else match[2])
        rest = rest[match.end():]
    return "".join(out)


def parse(body: bytes) -> dict:
    """The calendar's one event: property name → value, components checked for nesting."""
    stack, event = [], {}
    for line in unfold(body):
        name, _, value = line.partition(":")
        assert re.fullmatch(r"[A-Z-]+(;[A-Z-]+=[^:;]+)*", name), line
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            assert stack.pop() == value
        elif stack == ["VCALENDAR", "VEVENT"]:
            assert name not in event, f"{name} twice"
            event[name] = value
        else:
            assert stack == ["VCALENDAR"], line
    assert stack == []
    return event


def utc(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_seeded_walk_as_an_event(client, lang):
    answer = client.get(f"/{lang}/walk.ics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    event = parse(answer.data)
    # 13:30 to 16:00 in Paris on 20 November 2018 (UTC+1): the walk's one end, as announced.
    assert utc(event["DTSTART"]) == dt.datetime(2018, 11, 20, 12, 30, tzinfo=dt.UTC)
    assert utc(event["DTEND"]) == dt.datetime(2018, 11, 20, 15, 0, tzinfo=dt.UTC)
    utc(event["DTSTAMP"])
    assert event["UID"].startswith("walk-") and event["UID"].endswith("@tourapp")
    location = unescape(event["LOCATION"])
    assert location == ("50, place Zeus, 34000 Montpellier" if lang == "fr"
                        else "50 Place Zeus, 34000 Montpellier, France")
    description = unescape(event["DESCRIPTION"]).split("\n")
    if lang == "fr":
        assert unescape(event["SUMMARY"]) == "Déambulation urbaine autour de la Cité intelligente"
        assert description[0] == "13\u00a0h\u00a030 : Hôtel de Métropole"
        assert description[1] == "13\u00a0h\u00a039 – 14\u00a0h\u00a009 : Espace French Tech"
        assert description[-1] == "La déambulation, sa carte et ses horaires : http://localhost/fr/"
    else:
        assert description[3] == "3:27\u00a0PM – 4:00\u00a0PM: Musée Fabre (Fabre Museum)"
    assert event["URL"] == f"http://localhost/{lang}/"


def test_one_event_per_walk_updated_by_each_version(client, app, tour_file, monkeypatch):
    """Imported twice, in either language, it is one event; after an edit of the walk the
    new file updates that event (same UID, higher SEQUENCE) rather than adding one."""
    first = parse(client.get("/fr/walk.ics").data)
    assert parse(client.get("/en/walk.ics").data)["UID"] == first["UID"]
    assert parse(client.get("/fr/walk.ics").data) == first  # the same bytes each time
    assert int(first["SEQUENCE"]) > 0
    assert first["LAST-MODIFIED"] == first["DTSTAMP"]
    later = time.time() + 60  # the organisers' edit, a minute later
    monkeypatch.setattr(time, "time", lambda: later)
    write_doc(tour_file, small_doc())
    second = parse(client.get("/fr/walk.ics").data)
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert utc(second["LAST-MODIFIED"]) > utc(first["LAST-MODIFIED"])
    assert second["DTSTART"] != first["DTSTART"] or second["SUMMARY"] != first["SUMMARY"]


def test_another_site_is_another_event(client, app):
    here = parse(client.get("/fr/walk.ics").data)["UID"]
    there = parse(client.get("/fr/walk.ics", base_url="https://other.example.org").data)["UID"]
    assert here != there


def test_hostile_names_are_escaped_and_folded(tmp_path):
    document = small_doc()
    document["features"][0]["properties"].update(
        tour_title_fr=HOSTILE, name_fr=HOSTILE, address_fr=HOSTILE
    )
    document["features"][2]["properties"]["name_fr"] = "\\;,\\n"
    path = write_doc(tmp_path / "stops.geojson", document)
    client = create_app({"TESTING": True, "TOUR_DATA": path}).test_client()
    event = parse(client.get("/fr/walk.ics").data)
    assert unescape(event["SUMMARY"]) == HOSTILE
    assert unescape(event["LOCATION"]) == HOSTILE
    description = unescape(event["DESCRIPTION"])
    assert f"13\u00a0h\u00a030 : {HOSTILE}\n" in description
    assert description.split("\n")[3].endswith(" : \\;,\\n")


@pytest.mark.parametrize("text", ["a,b;c\\d\ne", "\r\n", "plain"])
def test_escape_round_trip(text):
    assert unescape(escape_text(text)) == text.replace("\r\n", "\n")


@pytest.mark.parametrize("line", ["X:" + "a" * 200, "X:" + "é" * 100, "X:" + "🚶" * 50, "X:short"])
def test_folding_keeps_characters_whole(line):
    assert unfold(fold(line).encode("utf-8")) == [line]


def test_the_page_and_the_export_link_it(client, tour_file, tmp_path):
    from tourapp.web.export import freeze

    page = client.get("/en/").get_data(as_text=True)
    assert 'href="/en/walk.ics?' not in page and 'href="/en/walk.ics"' in page
    # A new app: pages already made for a server (absolute links) are not the export's.
    report = freeze(create_app({"TESTING": True, "TOUR_DATA": tour_file}), tmp_path / "site")
    assert report.missing_links == []
    exported = (tmp_path / "site" / "fr" / "walk.ics").read_bytes()
    assert parse(exported)["SUMMARY"] == parse(client.get("/fr/walk.ics").data)["SUMMARY"]
    assert 'href="walk.ics"' in (tmp_path / "site" / "fr" / "index.html").read_text()
