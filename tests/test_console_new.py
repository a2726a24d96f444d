"""A new walk in the console: rows pasted from a spreadsheet, previewed, then published."""

from __future__ import annotations

import html
import re

import pytest

from tourapp import stopsfile
from tourapp.console import newwalk
from tourapp.stopsfile import history
from tourapp.testing import sign_in

FACTS = {"tour.tour_title_fr": "Balade 2019", "tour.tour_title_en": "Walk 2019",
         "tour.tour_date": "2019-11-19", "tour.tour_start": "14h", "tour.tour_end": "16:00"}
# Copied from a spreadsheet (tabs), a header first; one row typed with semicolons.
ROWS = ("Nom\tAdresse\tMinutes\n"
        "Cathédrale\t43.6133, 3.8734\t15\n"
        "Peyrou\t43.6112, 3.8698\t10 min\n"
        "Comédie;Comedy square;43.6085, 3.8800;5\n")


def _preview(client, csrf, rows=ROWS, **facts):
    return client.post("/en/console/new", data={"csrf_token": csrf, "action": "preview",
                                                "rows": rows, **FACTS, **facts})


@pytest.mark.parametrize(("text", "stops", "problems"), [
    ("a; 43.6, 3.8; 5", 1, 0),
    ("a\t43.6, 3.8\t5\nb\tb\t43.6, 3.8\t0", 2, 0),
    ("Name; Address; Minutes\na; x; 5", 1, 0),  # header skipped
    ("a; x", 0, 1),  # too few cells
    ("a; b; c; d; e", 0, 1),  # too many
    ("a; x; 1; lots", 0, 1),  # minutes last
    ("a; x; many\nb; y; 2", 1, 0),  # a first row without a number is a header
    ("b; y; 2\na; x; many", 1, 1),  # ... only the first
    ("; x; 5", 0, 1),  # no name
    ("\n\n", 0, 0),
])
def test_rows_table(app, text, stops, problems):
    with app.test_request_context("/en/"):
        found, refused = newwalk.rows(text)
    assert (len(found), len(refused)) == (stops, problems)


def test_preview_then_publish(client, tour_file):
    old = stopsfile.load(tour_file).version
    csrf = sign_in(client)
    preview = _preview(client, csrf)
    assert preview.status_code == 200
    table = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>", preview.text)
    assert [(n, name) for n, name, _ in table] == [
        ("1", "Cathédrale"), ("2", "Peyrou"), ("3", "Comedy square")]
    assert table[0][2] == "2:00\u00a0PM"  # « 14h » read as 14:00
    assert tour_file.read_bytes() and stopsfile.load(tour_file).version == old  # not yet
    document = html.unescape(re.search(r'name="document" value="([^"]*)"', preview.text)[1])
    base = re.search(r'name="base" value="([^"]+)"', preview.text)[1]
    published = client.post("/en/console/new", data={
        "csrf_token": csrf, "action": "publish", "document": document, "base": base})
    assert published.status_code == 303
    tour = stopsfile.load(tour_file)
    assert [s.id for s in tour.stops] == ["cathedrale", "peyrou", "comedie"]
    assert tour.title.en == "Walk 2019" and tour.start.strftime("%H:%M") == "14:00"
    assert all(leg.routed for leg in tour.legs) and len(tour.legs) == 2
    entry = history.History(tour_file.parent / "history").entry(tour.version)
    assert entry.reason == "new-walk" and entry.previous == old
    assert "Restore version " + old in client.get("/en/console/history").text


def test_row_problems_are_listed_and_nothing_is_written(client, tour_file):
    before = tour_file.read_bytes()
    csrf = sign_in(client)
    answer = _preview(client, csrf, rows="Cathédrale; 43.6133, 3.8734\nPeyrou; x; y; 3; 4; 5")
    assert answer.status_code == 422
    assert "Row 1: write “name; address; minutes”" in answer.text
    assert "Row 2:" in answer.text and 'name="document"' not in answer.text
    assert tour_file.read_bytes() == before


def test_a_bad_fact_is_said_in_french(client, tour_file):
    csrf = sign_in(client, "fr")
    answer = client.post("/fr/console/new", data={"csrf_token": csrf, "action": "preview",
                                                  "rows": ROWS, **FACTS,
                                                  "tour.tour_date": "2019-13-45"})
    assert answer.status_code == 422 and "tour_date" in answer.text
    assert "doit" in html.unescape(answer.text)  # the loader's problem, worded in French


def test_publishing_over_a_newer_version_is_refused(client, tour_file):
    csrf = sign_in(client)
    preview = _preview(client, csrf)
    document = html.unescape(re.search(r'name="document" value="([^"]*)"', preview.text)[1])
    tour_file.write_text(tour_file.read_text(encoding="utf-8").replace(
        "Musée Fabre", "Musée Fabre !"), encoding="utf-8")
    client.get("/healthz")  # the app accepts the file saved meanwhile
    late = client.post("/en/console/new", data={
        "csrf_token": csrf, "action": "publish", "document": document,
        "base": re.search(r'name="base" value="([^"]+)"', preview.text)[1]})
    assert late.status_code == 409 and "renamed" in late.text
    assert stopsfile.load(tour_file).stop("musee-fabre") is not None


def test_rows_with_addresses_are_geocoded(geocoding_app, tour_file):
    client = geocoding_app.test_client()
    csrf = sign_in(client)
    rows = "Comédie\t1 place de la Comédie, Montpellier\t10\nFabre\t39 boulevard Bonne Nouvelle, Montpellier\t20"
    answer = _preview(client, csrf, rows=rows)
    assert answer.status_code == 200, re.findall(r"<li>([^<]+)</li>", answer.text)
    assert "Comédie" in answer.text and "Fabre" in answer.text
