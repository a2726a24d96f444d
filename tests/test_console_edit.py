"""The console's history and editing: what changed, restore, refused files kept, conflicts."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import rewrite
from tourapp import stopsfile
from tourapp.stopsfile import history
from tourapp.testing import csrf_of, sign_in


def _served(client) -> str:
    return client.get("/healthz").json["version"]


def _edit_form(client, lang="en") -> tuple[dict, str]:
    """The edit page's fields as a browser would send them back, and the page."""
    page = client.get(f"/{lang}/console/edit")
    assert page.status_code == 200
    fields = dict(re.findall(r'<input id="[^"]+" name="([^"]+)" type="text" value="([^"]*)"',
                             page.text))
    fields.update(re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>',
                             page.text))
    fields["csrf_token"] = csrf_of(page.text)
    fields["base"] = re.search(r'name="base" value="([^"]+)"', page.text)[1]
    return {k: v.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
            for k, v in fields.items()}, page.text


def test_changes_record_descriptions_addresses_durations_and_order(tour_file):
    old = stopsfile.load(tour_file)
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    stop = next(f for f in document["features"] if f["properties"].get("id") == "musee-fabre")
    stop["properties"]["description_en"] = "A new text"
    stop["properties"]["address_fr"] = "2 rue Neuve"
    stop["properties"]["duration_min"] += 5
    new = stopsfile.parse(stopsfile.dumps(document).encode(), "stops.geojson")
    kinds = {(c["kind"], c.get("field")) for c in history.changes(old, new)}
    assert {("text", "description"), ("text", "address"), ("duration", None)} <= kinds


def test_a_description_change_is_not_no_change_in_the_history_page(client, tour_file):
    csrf = sign_in(client)
    fields, _page = _edit_form(client)
    fields["musee-fabre.description_fr"] = "Nouvelle description"
    fields["csrf_token"] = csrf
    saved = client.post("/fr/console/edit", data=fields)
    assert saved.status_code == 303
    assert "Nouvelle description" in tour_file.read_text(encoding="utf-8")
    page = client.get("/fr/console/history").text
    assert "étape « musee-fabre » : description modifiée" in page
    assert "modifiée dans la console" in page


def test_edit_saves_texts_times_and_order_through_the_history(client, tour_file):
    first = _served(client)
    sign_in(client)
    fields, _page = _edit_form(client)
    assert fields["base"] == first
    fields["tour.tour_start"] = "14h"  # as an organiser writes it
    fields["musee-fabre.name_en"] = "The Fabre"
    fields["musee-fabre.duration_min"] = "25 min"
    saved = client.post("/en/console/edit", data=fields)
    assert saved.status_code == 303
    tour = stopsfile.load(tour_file)
    assert tour.start.strftime("%H:%M") == "14:00"
    assert tour.stop("musee-fabre").name.en == "The Fabre"
    assert tour.stop("musee-fabre").duration_min == 25
    assert _served(client) == tour.version != first  # every worker serves it: the history says
    entry = history.History(tour_file.parent / "history").entry(tour.version)
    assert entry.reason == "console" and entry.previous == first


def test_edit_saves_short_names_and_the_phone_and_refuses_a_long_short_name(client, tour_file):
    sign_in(client, "fr")
    fields, _page = _edit_form(client, "fr")
    fields["msh-saint-charles.short_name_fr"] = "Sciences de l'Homme"
    fields["msh-saint-charles.short_name_en"] = "MSH"
    refused = client.post("/fr/console/edit", data=fields)
    assert refused.status_code == 422
    error = re.search(r'id="f-msh-saint-charles-short_name_fr-error">([^<]*)<', refused.text)
    assert error and "10" in error[1], refused.text[:3000]
    fields["msh-saint-charles.short_name_fr"] = "MSH"
    fields["tour.tour_phone"] = "+33 4 67 00 00 00"
    assert client.post("/fr/console/edit", data=fields).status_code == 303
    tour = stopsfile.load(tour_file)
    assert tour.stop("msh-saint-charles").short_name.fr == "MSH" and tour.phone == "+33 4 67 00 00 00"


def test_problems_are_shown_beside_their_fields_in_the_page_language(client, tour_file):
    before = tour_file.read_bytes()
    sign_in(client, "fr")
    fields, _page = _edit_form(client, "fr")
    fields["musee-fabre.duration_min"] = "beaucoup"
    fields["tour.tour_start"] = "25:00"
    fields["musee-fabre.name_fr"] = ""  # the file's own rule: a name in both languages
    refused = client.post("/fr/console/edit", data=fields)
    assert refused.status_code == 422
    html = refused.text
    assert re.search(r'id="f-musee-fabre-duration_min"[^>]*aria-invalid="true"', html)
    assert "Écrivez un nombre entier de minutes comme 20 ; reçu « beaucoup »." in html
    assert 'id="f-tour-tour_start-error"' in html
    assert tour_file.read_bytes() == before  # nothing written
    fields["musee-fabre.duration_min"] = "20"
    fields["tour.tour_start"] = "13:30"
    refused = client.post("/fr/console/edit", data=fields)
    assert refused.status_code == 422
    error = re.search(r'id="f-musee-fabre-name_fr-error">([^<]*)<', refused.text)
    assert error and "name_fr" in error[1] and "manque" in error[1]  # the loader's, in French
    assert tour_file.read_bytes() == before


def test_the_later_of_two_saves_is_refused_with_what_changed(client, app, tour_file):
    sign_in(client)
    other = app.test_client()
    sign_in(other)
    mine, _ = _edit_form(client)
    theirs, _ = _edit_form(other)
    theirs["musee-fabre.address_en"] = "1 New Street"
    assert other.post("/en/console/edit", data=theirs).status_code == 303
    mine["musee-fabre.name_en"] = "Mine"
    late = client.post("/en/console/edit", data=mine)
    assert late.status_code == 409
    assert "someone else saved the walk" in late.text
    assert "1 New Street" in late.text  # what changed since the form was loaded
    tour = stopsfile.load(tour_file)
    assert tour.stop("musee-fabre").address.en == "1 New Street"
    assert tour.stop("musee-fabre").name.en != "Mine"


def test_reorder_and_remove(client, tour_file):
    sign_in(client)
    fields, _ = _edit_form(client)
    ids = [s.id for s in stopsfile.load(tour_file).stops]
    fields[f"{ids[1]}.order"] = "10"  # to the end
    fields[f"{ids[2]}.remove"] = "1"
    assert client.post("/en/console/edit", data=fields).status_code == 303
    assert [s.id for s in stopsfile.load(tour_file).stops] == [ids[0], ids[3], ids[1]]


def test_history_page_stars_the_served_version_once_in_local_time(client, tour_file):
    first = _served(client)
    text = tour_file.read_text(encoding="utf-8")
    rewrite(tour_file, text.replace("Musée Fabre", "Musée Fabre !"))
    second = _served(client)
    rewrite(tour_file, text)  # back to the first: the same version accepted twice
    assert _served(client) == first != second
    sign_in(client)
    page = client.get("/en/console/history").text
    assert page.count('class="served-star"') == 1
    assert page.count(f'data-version="{first}"') == 2
    assert "(CET)" in page and " UTC" not in page  # the walk's time zone, Europe/Paris
    assert page.count("Restore version") == 1  # only the other version: the served one is there


def test_restore_keeps_the_refused_file_and_says_where(client, tour_file):
    first = _served(client)
    good = tour_file.read_text(encoding="utf-8")
    rewrite(tour_file, good.replace("Musée Fabre", "Musée Fabre !"))
    second = _served(client)
    pending = good.replace("Musée Fabre", "Musée Fabre ?").replace('"type"', '"type",', 1)
    rewrite(tour_file, pending)  # an organiser's edit with one stray comma: refused
    assert client.get("/healthz").json["status"] == "degraded"
    csrf = sign_in(client)
    done = client.post("/en/console/restore", data={"csrf_token": csrf, "version": first},
                       follow_redirects=True)
    assert done.status_code == 200
    assert f"Version {first} restored" in done.text
    kept = re.search(r"it was kept as (\S+) before being replaced", done.text)[1]
    with open(kept, encoding="utf-8") as handle:
        assert handle.read() == pending  # nothing of the organiser's lost
    assert _served(client) == first and tour_file.read_text(encoding="utf-8") == good
    page = client.get("/en/console/history").text
    assert "The refused file it replaced was kept as" in page and second in page
    assert client.post("/en/console/restore",
                       data={"csrf_token": csrf, "version": "nope"}).status_code == 404


def test_the_restore_command_keeps_the_refused_file_too(app, runner, client, tour_file):
    first = _served(client)
    rewrite(tour_file, tour_file.read_text(encoding="utf-8") + "oops")
    result = runner.invoke(args=["tour", "restore", first])
    assert result.exit_code == 0, result.output
    kept = list((tour_file.parent / "history" / "refused").glob("*.geojson"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8").endswith("oops")
    assert str(kept[0]) in result.output


def _leg_paths(tour):
    return {(leg.from_id, leg.to_id): leg.path for leg in tour.legs}


def test_a_moved_stop_has_its_two_legs_routed_again_and_no_other(client, tour_file):
    before = stopsfile.load(tour_file)
    ids = [s.id for s in before.stops]
    sign_in(client)
    fields, _ = _edit_form(client)
    lat, lon = before.stop(ids[1]).location
    fields[f"{ids[1]}.lat"] = f"{lat + 0.0004:.6f}"  # about 45 m north, as a dragged pin
    fields[f"{ids[1]}.lon"] = f"{lon:.6f}"
    assert client.post("/en/console/edit", data=fields).status_code == 303
    after = stopsfile.load(tour_file)
    assert after.stop(ids[1]).location[0] == pytest.approx(lat + 0.0004, abs=1e-6)
    old, new = _leg_paths(before), _leg_paths(after)
    touched = {(ids[0], ids[1]), (ids[1], ids[2])}
    assert all(leg.routed for leg in after.legs)
    for pair in old:
        if pair in touched:
            assert new[pair] != old[pair]
        else:
            assert new[pair] == old[pair]  # untouched legs kept as they were
    assert not after.warnings or all("leg" not in w for w in after.warnings)


def test_a_stop_moved_kilometres_away_asks_for_confirmation(client, tour_file):
    before = tour_file.read_bytes()
    sign_in(client)
    fields, _ = _edit_form(client)
    tour = stopsfile.load(tour_file)
    last = tour.stops[-1]
    fields[f"{last.id}.lat"] = f"{last.location[0] + 0.027:.6f}"  # 3 km north: a slip
    refused = client.post("/en/console/edit", data=fields)
    assert refused.status_code == 422
    assert re.search(rf'id="f-{last.id}-lat-error">This stop is \d\.\d km from every other',
                     refused.text)
    assert 'name="confirm_far"' in refused.text
    assert tour_file.read_bytes() == before  # nothing published
    fields["confirm_far"] = "1"
    fields["csrf_token"] = csrf_of(refused.text)
    # The street network of the walk's area does not reach 3 km north: said, not saved.
    answer = client.post("/en/console/edit", data=fields)
    if answer.status_code == 303:
        assert stopsfile.load(tour_file).stop(last.id).location[0] == pytest.approx(
            last.location[0] + 0.027, abs=1e-6)
    else:
        assert answer.status_code == 422 and "data-problems" in answer.text
        assert tour_file.read_bytes() == before


def test_a_stop_added_by_its_pin(client, tour_file):
    sign_in(client)
    fields, _ = _edit_form(client)
    tour = stopsfile.load(tour_file)
    a, b = tour.stops[0].location, tour.stops[1].location
    fields.update({"new.name_fr": "Jardin des plantes", "new.name_en": "Botanical garden",
                   "new.duration_min": "10", "new.after": tour.stops[0].id,
                   "new.lat": f"{(a[0] + b[0]) / 2:.6f}", "new.lon": f"{(a[1] + b[1]) / 2:.6f}"})
    assert client.post("/en/console/edit", data=fields).status_code == 303
    after = stopsfile.load(tour_file)
    assert [s.id for s in after.stops][:3] == [tour.stops[0].id, "jardin-des-plantes",
                                               tour.stops[1].id]
    assert after.stop("jardin-des-plantes").name.en == "Botanical garden"
    assert all(leg.routed for leg in after.legs) and len(after.legs) == len(after.stops) - 1


def test_a_stop_added_without_a_place_is_refused_beside_its_field(client, tour_file):
    before = tour_file.read_bytes()
    sign_in(client)
    fields, _ = _edit_form(client)
    fields.update({"new.name_fr": "Quelque part", "new.name_en": "Somewhere"})
    refused = client.post("/en/console/edit", data=fields)
    assert refused.status_code == 422 and 'id="f-new-lat-error"' in refused.text
    assert tour_file.read_bytes() == before


def test_a_stop_added_by_address_is_geocoded(geocoding_app, tour_file):
    client = geocoding_app.test_client()
    sign_in(client)
    fields, _ = _edit_form(client)
    fields.update({"new.name_fr": "Comédie", "new.name_en": "Comedy square",
                   "new.address_fr": "1 place de la Comédie, Montpellier",
                   "new.duration_min": "5"})
    answer = client.post("/en/console/edit", data=fields)
    assert answer.status_code == 303, [x.strip() for x in re.findall(r'(?:field-error|<li)[^>]*>([^<]*)', answer.text) if x.strip()]
    stop = stopsfile.load(tour_file).stop("comedie")
    assert stop is not None and stop.address.fr == "1 place de la Comédie, Montpellier"
    assert 43.6 < stop.location[0] < 43.62 and 3.87 < stop.location[1] < 3.89


def test_status_page_times_in_the_walks_zone_and_served_marked_once(client, tour_file):
    first = _served(client)
    text = tour_file.read_text(encoding="utf-8")
    rewrite(tour_file, text.replace("Musée Fabre", "Musée Fabre !"))
    _served(client)
    rewrite(tour_file, text)
    assert _served(client) == first
    sign_in(client)
    page = client.get("/en/status").text
    assert "(CET)" in page and " UTC" not in page
    assert page.count('aria-current="true"') == 1


def test_the_schedule_is_recomputed_from_the_form(client, tour_file):
    sign_in(client)
    fields, page = _edit_form(client)
    assert "The walk ends at 4:00" in page or "The walk ends at" in page
    fields["musee-fabre.duration_min"] = "50"
    body = client.post("/en/console/edit/schedule", data=fields,
                       headers={"X-CSRF-Token": fields.pop("csrf_token")}).json
    assert body["end"] == "The walk ends at 4:17\u202fPM." or body["end"].startswith(
        "The walk ends at 4:17")
    assert any("after tour_end" in w for w in body["warnings"])
    fields["musee-fabre.duration_min"] = "x"
    body = client.post("/en/console/edit/schedule", data=fields,
                       headers={"X-CSRF-Token": csrf_of(page)}).json
    assert "musee-fabre.duration_min" in body["errors"] and "end" not in body
    assert client.post("/en/console/edit/schedule", data=fields).status_code == 403


# --- Issue 19, point 3: a leg that no longer meets its moved stop, routed from the console ---

def test_a_moved_stops_leg_is_named_in_french_and_routed_again_by_its_button(client, tour_file):
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    stop = next(f for f in document["features"] if f["properties"].get("id") == "musee-fabre")
    stop["geometry"]["coordinates"][1] += 60 / 111_195  # moved 60 m north in QGIS
    rewrite(tour_file, json.dumps(document, ensure_ascii=False))
    csrf = sign_in(client)
    status = client.get("/fr/status").text
    assert "trajet 3 (« msh-saint-charles » → « musee-fabre ») : le trajet finit à " in status
    assert "recalculez-le : tourapp tour route --leg msh-saint-charles:musee-fabre" in status
    assert "leg 3" not in status
    page = client.get("/fr/console/edit").text
    assert "Recalculer « msh-saint-charles » → « musee-fabre »" in page
    base = re.search(r'name="base" value="([^"]+)"', page)[1]
    before = [f for f in document["features"] if f["geometry"]["type"] == "LineString"]
    answer = client.post("/fr/console/route-leg", data={
        "csrf_token": csrf, "base": base, "leg": "msh-saint-charles:musee-fabre"})
    assert answer.status_code == 303
    after = json.loads(tour_file.read_text(encoding="utf-8"))
    legs = [f for f in after["features"] if f["geometry"]["type"] == "LineString"]
    assert legs[:2] == before[:2]  # only that leg
    assert legs[2]["properties"]["leg_to_at"].endswith(str(round(stop["geometry"]["coordinates"][1], 7)))
    assert stopsfile.load(tour_file).warnings == ()
    assert "suit de nouveau les rues" in client.get("/fr/console/edit").text


def test_a_routing_error_in_the_console_is_said_in_the_pages_language(client, tour_file):
    csrf = sign_in(client)
    fields, _page = _edit_form(client, "fr")
    fields["musee-fabre.lat"], fields["musee-fabre.lon"] = "43.6200", "3.8500"  # off the streets
    fields["confirm_far"] = "1"
    fields["csrf_token"] = csrf
    answer = client.post("/fr/console/edit", data=fields)
    assert answer.status_code == 422
    assert "l&#39;étape « musee-fabre » est à " in answer.text
    assert "de la rue la plus proche du réseau" in answer.text
    assert "nearest street" not in answer.text


def test_the_programme_and_practical_notes_are_edited_in_the_console(client, tour_file):
    """Issue 20: a stop's optional texts for participants, saved through the history."""
    csrf = sign_in(client)
    fields, page = _edit_form(client)
    assert 'name="musee-fabre.activity_fr"' in page and 'name="musee-fabre.notes_en"' in page
    fields.update({
        "musee-fabre.activity_fr": "Visite de l'exposition",
        "musee-fabre.activity_en": "A visit of the exhibition",
        "musee-fabre.notes_fr": "<script>alert(1)</script>",
        "musee-fabre.notes_en": "Lockers at the entrance",
        "csrf_token": csrf,
    })
    assert client.post("/fr/console/edit", data=fields).status_code == 303
    stop = stopsfile.load(tour_file).stop("musee-fabre")
    assert stop.activity.en == "A visit of the exhibition"
    assert stop.notes.fr == "<script>alert(1)</script>"
    history_page = client.get("/fr/console/history").text
    assert "programme, informations pratiques ou photo modifiés" in history_page
    participants = client.get("/fr/").text
    assert "<script>alert(1)</script>" not in participants
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in participants
    # One language only: refused beside the missing field.
    fields, _page = _edit_form(client)
    fields.update({"musee-fabre.notes_en": "", "csrf_token": csrf})
    refused = client.post("/en/console/edit", data=fields)
    assert refused.status_code == 422
    error = re.search(r'id="f-musee-fabre-notes_en-error">([^<]*)<', refused.text)
    assert error and "notes_en" in error[1] and "missing" in error[1], error
