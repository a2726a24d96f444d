"""``flask tour add-stop | move-stop | remove-stop`` against a real addok and the city's streets."""

from __future__ import annotations

import json

import pytest

from tourapp import stopsfile
from tourapp.domain.geo import distance_m

from .conftest import ROOT

ADDRESSES = ROOT / "data" / "montpellier" / "adresses.csv"
OPERA = ["add-stop", "opera-comedie", "--name-fr", "Opéra Comédie", "--name-en", "Opéra Comédie",
         "--address", "Opéra Comédie, 11 boulevard Victor Hugo", "--after", "espace-french-tech",
         "--duration", "15"]


def address_point(label: str) -> tuple[float, float]:
    """(lat, lon) of an address point of the shipped CSV, e.g. "11, Boulevard Victor Hugo"."""
    for line in ADDRESSES.read_text(encoding="utf-8").splitlines():
        if f'"{label}"' in line:
            lon, lat = line.split(",")[:2]
            return float(lat), float(lon)
    raise AssertionError(label)


@pytest.fixture
def run(geocoding_app):
    runner = geocoding_app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["tour", *args])

    return invoke


def test_add_stop_by_address_routes_across_the_square_and_the_app_serves_it_at_once(
    geocoding_app, run, tour_file
):
    client = geocoding_app.test_client()
    before = client.get("/tour.geojson")
    assert "opera-comedie" not in before.get_data(as_text=True)

    result = run(*OPERA)
    assert result.exit_code == 0, result.output
    tour = stopsfile.load(tour_file)
    assert [s.id for s in tour.stops] == [
        "hotel-de-metropole", "espace-french-tech", "opera-comedie", "msh-saint-charles", "musee-fabre"]
    assert [s.order for s in tour.stops] == [1, 2, 3, 4, 5]
    opera = tour.stop("opera-comedie")
    # On the address point, not on a street.
    assert distance_m(opera.location, address_point("11, Boulevard Victor Hugo")) < 0.1
    # The stop keeps the address found, not the text typed to search it (issue 22).
    assert opera.address["fr"] == opera.address["en"] == "11 Boulevard Victor Hugo Montpellier"
    # Every leg follows the streets, on foot: no tunnel, across the square.
    assert all(leg.routed for leg in tour.legs) and tour.warnings[1:] == ()
    streets = {s.street for leg in tour.legs for s in leg.steps}
    assert not any("Tunnel" in street for street in streets)
    into = tour.legs[1]
    assert "Place de la Comédie" in [s.street for s in into.steps]
    assert 500 <= into.distance_m <= 600  # the issue measured 556 m from the square's address point
    # The schedule, and its warning: the walk now ends after 16:00.
    assert "  3. 14:17–14:32  Opéra Comédie [opera-comedie]" in result.output
    assert "warning:" in result.output and "after tour_end 16:00" in result.output
    assert tour.warnings == (tour.warnings[0],) and "after tour_end 16:00" in tour.warnings[0]
    # The running app serves the new file on the next request.
    after = client.get("/tour.geojson")
    assert after.headers["X-Tour-Version"] != before.headers["X-Tour-Version"]
    assert "opera-comedie" in after.get_data(as_text=True)
    page = client.get("/fr/").get_data(as_text=True)
    assert "Opéra Comédie" in page and "sur la place de la Comédie" in page
    # The new version went through the shared history, with its reason.
    from tourapp.stopsfile import history

    shared = history.History(geocoding_app.config["TOUR_HISTORY_DIR"])
    assert shared.current() == tour.version
    assert shared.entry(tour.version).reason == "add-stop"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-stop", "nowhere", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "12 rue des Nuages Imaginaires"],
         "no address matches « 12 rue des Nuages Imaginaires »"),
        (["add-stop", "loge", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "rue de la"], "« rue de la » matches several places"),
        (["add-stop", "musee-fabre", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "1 place de la Comédie"], 'a stop with the id "musee-fabre" already exists'),
        (["add-stop", "x", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "1 place de la Comédie", "--after", "ghost"], 'no stop has the id "ghost"'),
        (["move-stop", "ghost", "--address", "1 place de la Comédie"], 'no stop has the id "ghost"'),
        (["remove-stop", "ghost"], 'no stop has the id "ghost"'),
        # Issue 22: another town, or only the street found.
        (["add-stop", "nimes", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "12 rue de la République, 30000 Nîmes"],
         "names the postcode 30000 (département 30)"),
        (["move-stop", "musee-fabre", "--address", "5 avenue de Lodève, Lodève"],
         "names the town « Lodève », but the place found is in Montpellier"),
        (["add-stop", "loge", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "2 rue de la Loge"], "there is no number 2 in Rue de la Loge"),
        (["move-stop", "musee-fabre", "--address", "Cathédrale Saint-Pierre"],
         "only the street « Rue Saint Pierre Montpellier » matches part of it"),
        (["add-stop", "odysseum", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "Odysseum"], "knows only the walk's area"),
        # Far from every street of the network: the leg cannot be routed.
        (["move-stop", "musee-fabre", "--lonlat", "3.95,43.55"], "from the nearest street"),
    ],
)
def test_refusals_are_sentences_and_leave_the_file_byte_for_byte(run, tour_file, args, message):
    before = tour_file.read_bytes()
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "not changed." in result.output
    assert "Traceback" not in result.output
    assert tour_file.read_bytes() == before
    assert not tour_file.with_name("stops.geojson.bak").exists()


def test_move_stop_to_an_address_routes_both_legs_again(run, tour_file):
    result = run("move-stop", "espace-french-tech", "--address", "1 place de la Comédie")
    assert result.exit_code == 0, result.output
    tour = stopsfile.load(tour_file)
    stop = tour.stop("espace-french-tech")
    assert distance_m(stop.location, address_point("1, Place de la Comédie")) < 0.1
    assert stop.address["fr"] == stop.address["en"] == "1 Place de la Comédie Montpellier"
    assert 'leg 1: "hotel-de-metropole" → "espace-french-tech"' in result.output
    assert 'leg 2: "espace-french-tech" → "msh-saint-charles"' in result.output
    assert "leg 3" not in result.output
    assert all(leg.routed for leg in tour.legs) and tour.warnings == ()


def test_a_street_match_is_placed_when_asked_and_says_so(run, tour_file):
    result = run("move-stop", "espace-french-tech", "--address", "rue de la Loge",
                 "--accept-street")
    assert result.exit_code == 0, result.output
    assert "« rue de la Loge » → « Rue de la Loge Montpellier » (the street's point" in result.output
    stop = stopsfile.load(tour_file).stop("espace-french-tech")
    assert stop.address["fr"] == "Rue de la Loge Montpellier"


def test_the_typed_address_is_a_search_and_the_found_one_is_kept(run, tour_file):
    # Issue 22: participants read « 71 rue prof henri sere » where the geocoder answered.
    result = run("move-stop", "msh-saint-charles", "--address", "71 rue prof henri sere",
                 "--address-en", "71 Rue Professeur Henri Serre, Montpellier")
    assert result.exit_code == 0, result.output
    stop = stopsfile.load(tour_file).stop("msh-saint-charles")
    assert stop.address["fr"] == "71 Rue Professeur Henri Serre Montpellier"
    assert stop.address["en"] == "71 Rue Professeur Henri Serre, Montpellier"


def test_remove_stop_routes_the_gap_and_keeps_the_tour_facts(run, tour_file):
    result = run("remove-stop", "hotel-de-metropole")
    assert result.exit_code == 0, result.output
    tour = stopsfile.load(tour_file)
    assert [s.id for s in tour.stops] == ["espace-french-tech", "msh-saint-charles", "musee-fabre"]
    assert tour.title["fr"].startswith("Déambulation") and f"{tour.start:%H:%M}" == "13:30"
    assert "leg" not in result.output.split("schedule")[0]  # no new leg: it was the first stop

    result = run("remove-stop", "msh-saint-charles")
    assert result.exit_code == 0, result.output
    assert 'leg 1: "espace-french-tech" → "musee-fabre"' in result.output
    tour = stopsfile.load(tour_file)
    assert [s.order for s in tour.stops] == [1, 2]
    assert len(tour.legs) == 1 and tour.legs[0].routed
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    assert len(document["features"]) == 3  # two stops, one leg: the stale legs are gone


def test_move_stop_by_lonlat_keeps_other_legs_as_they_were(run, tour_file):
    before = {(leg.from_id, leg.to_id): leg for leg in stopsfile.load(tour_file).legs}
    result = run("move-stop", "musee-fabre", "--lonlat", "3.8807,43.6144")
    assert result.exit_code == 0, result.output
    after = {(leg.from_id, leg.to_id): leg for leg in stopsfile.load(tour_file).legs}
    assert after[("hotel-de-metropole", "espace-french-tech")] == before[("hotel-de-metropole", "espace-french-tech")]
    assert after[("msh-saint-charles", "musee-fabre")] != before[("msh-saint-charles", "musee-fabre")]


def test_a_stop_drifted_300_m_from_its_address_is_flagged(run, tour_file, geocoding_app):
    # Done when: an organiser's stop whose coordinates drifted is caught by check --addresses.
    clean = run("check", str(tour_file), "--addresses", "--strict")
    assert clean.exit_code == 0, clean.output
    assert "warning" not in clean.output
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    fabre = next(f for f in document["features"] if f["properties"].get("id") == "musee-fabre")
    fabre["geometry"]["coordinates"][1] += 300 / 111_195  # 300 m north
    tour_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = run("check", str(tour_file), "--addresses")
    assert result.exit_code == 0  # a warning, not an error: --strict makes it one
    assert ('warning: stop "musee-fabre" is 300 m from its address « 39, boulevard Bonne Nouvelle, '
            "34000 Montpellier », which the geocoder places at « 39 Boulevard de Bonnes Nouvelles "
            "Montpellier »") in result.output
    assert run("check", str(tour_file), "--addresses", "--strict").exit_code == 1
    french = geocoding_app.test_cli_runner().invoke(
        args=["tour", "check", str(tour_file), "--addresses"], env=FRENCH)
    assert ("attention : l'étape « musee-fabre » est à 300 m de son adresse « 39, boulevard "
            "Bonne Nouvelle, 34000 Montpellier », que le géocodeur place à") in french.output


@pytest.mark.parametrize(
    ("config", "args", "message"),
    [
        ({"GEOCODER": "addok:http://127.0.0.1:{port}"}, OPERA, "is unreachable"),
        ({"GEOCODER": "addok:http://127.0.0.1:{port}"}, ["check", "--addresses"], "is unreachable"),
        # A GEOCODER that is wrong in itself is refused when the app starts (test_settings.py).
    ],
)
def test_geocoder_trouble_is_a_sentence_and_nothing_is_written(tour_file, config, args, message):
    import socket

    from tourapp import create_app

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {k: v.format(port=port) for k, v in config.items()}
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file,
                      "TOUR_HISTORY_DIR": tour_file.parent / "history", **config})
    before = tour_file.read_bytes()
    result = app.test_cli_runner().invoke(args=["tour", *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert tour_file.read_bytes() == before


@pytest.mark.parametrize("stop_id", ["-x", "_x", "x y", "é", "x" * 65])
def test_an_id_the_file_would_refuse_is_refused_before_any_geocoder_call(tour_file, stop_id):
    """The file's own id rule, checked first: no geocoder is asked (none listens here)."""
    import socket

    from tourapp import create_app

    with socket.socket() as probe:  # a port nobody listens on: a call would be "unreachable"
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"TESTING": True, "TOUR_DATA": tour_file,
                      "GEOCODER": f"addok:http://127.0.0.1:{port}",
                      "TOUR_HISTORY_DIR": tour_file.parent / "history"})
    before = tour_file.read_bytes()
    result = app.test_cli_runner().invoke(args=[
        "tour", "add-stop", "--name-fr", "X", "--name-en", "X", "--duration", "5",
        "--address", "1 place de la Comédie", "--", stop_id,
    ])
    assert result.exit_code == 1, result.output
    assert "cannot be a stop id" in result.output
    assert "unreachable" not in result.output
    assert tour_file.read_bytes() == before


# --- Issue 19, point 4: the stop commands speak the organiser's language ------------------

FRENCH = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}


def test_add_stop_speaks_french_under_a_french_locale(geocoding_app, tour_file):
    runner = geocoding_app.test_cli_runner()
    result = runner.invoke(args=["tour", *OPERA], env=FRENCH)
    assert result.exit_code == 0, result.output
    out = result.output
    assert 'trajet 2 : « espace-french-tech » → « opera-comedie » :' in out
    assert f"{tour_file} : programme du 2018-11-20" in out
    assert "puis " in out and "min à pied" in out
    assert "5 étapes, " in out
    for english in ("schedule on", "then ", " on foot", " stops,", "leg 2:"):
        assert english not in out


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (["remove-stop", "ghost"], "erreur : aucune étape n'a l'identifiant « ghost »"),
        (["move-stop", "ghost", "--lonlat", "3.88,43.61"],
         "erreur : aucune étape n'a l'identifiant « ghost »"),
        (["add-stop", "musee-fabre", "--name-fr", "X", "--name-en", "X", "--duration", "5",
          "--address", "1 place de la Comédie"],
         "erreur : une étape a déjà l'identifiant « musee-fabre »"),
        (["move-stop", "musee-fabre", "--lonlat", "3.95,43.55"],
         "erreur : trajet 3 (« msh-saint-charles » → « musee-fabre »): l'étape « musee-fabre » "
         "est à "),
        (["remove-stop", "x", "--file", "/nonexistent/stops.geojson"],
         "impossible de lire le fichier : ce fichier n'existe pas"),
        (["move-stop", "musee-fabre", "--lonlat", "east"],
         "erreur : --lonlat attend LON,LAT"),
    ],
)
def test_refusals_speak_french_and_leave_the_file(geocoding_app, tour_file, args, french):
    before = tour_file.read_bytes()
    result = geocoding_app.test_cli_runner().invoke(args=["tour", *args], env=FRENCH)
    assert result.exit_code == 1
    assert french in result.output, result.output
    assert "error:" not in result.output and "No such file" not in result.output
    assert tour_file.read_bytes() == before


def test_a_broken_file_is_refused_in_french(geocoding_app, tour_file):
    tour_file.write_text(tour_file.read_text(encoding="utf-8").replace('"tour_start": "13:30"',
                                                                        '"tour_start": "13h30"'))
    result = geocoding_app.test_cli_runner().invoke(args=["tour", "remove-stop", "musee-fabre"],
                                                    env=FRENCH)
    assert result.exit_code == 1
    assert 'écrivez "13:30"' in result.output
    assert "erreur : corrigez d'abord le fichier (tourapp tour check)" in result.output
    assert "non modifié." in result.output


def test_the_commands_speak_french_in_a_real_shell(tour_file):
    """The real path: the installed command, its locale from the environment."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": "",
           "FLASK_TOUR_DATA": str(tour_file),
           "FLASK_TOUR_HISTORY_DIR": str(tour_file.parent / "history")}
    result = subprocess.run(
        [sys.executable, "-c", "from tourapp.cli.main import main; main()", "tour",
         "remove-stop", "ghost"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "erreur : aucune étape n'a l'identifiant « ghost »" in result.stderr
    assert f"{tour_file} : non modifié." in result.stderr


def test_added_legs_keep_walking_order_in_the_file(run, tour_file):
    assert run(*OPERA).exit_code == 0
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    legs = [f["properties"] for f in document["features"]
            if f["geometry"]["type"] == "LineString"]
    assert [(p["leg_from"], p["leg_to"]) for p in legs] == [
        ("hotel-de-metropole", "espace-french-tech"), ("espace-french-tech", "opera-comedie"),
        ("opera-comedie", "msh-saint-charles"), ("msh-saint-charles", "musee-fabre")]


@pytest.mark.parametrize(("duration", "arrive"), [("30 min", "15h30"), ("30", "15:30")])
def test_add_stop_takes_minutes_and_times_as_organisers_write_them(run, tour_file, duration,
                                                                   arrive):
    args = [*OPERA]
    args[args.index("--duration") + 1] = duration
    result = run(*args, "--arrive-at", arrive)
    assert result.exit_code == 0, result.output
    stop = next(f for f in json.loads(tour_file.read_text(encoding="utf-8"))["features"]
                if f["properties"].get("id") == "opera-comedie")
    assert stop["properties"]["duration_min"] == 30
    assert stop["properties"]["arrive_at"] == "15:30"


def test_a_time_that_is_none_is_refused_in_french(geocoding_app, tour_file):
    args = [*OPERA, "--arrive-at", "tea time"]
    result = geocoding_app.test_cli_runner().invoke(args=["tour", *args], env=FRENCH)
    assert result.exit_code == 2
    assert "écrivez une heure comme 15:30 ; trouvé 'tea time'" in result.output
