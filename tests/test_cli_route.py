"""Organiser commands: ``tour route`` writes street-following legs, or changes nothing."""

from __future__ import annotations

import json
import socket

import pytest

from tourapp import create_app, stopsfile
from tourapp.system import durable

from .conftest import SEEDED, TOUR_PROPS, VOIES, _stop, write_doc
from .networks import at, geojson_network

LINES = [
    ("Rue Longue", [(0, 0), (1000, 0), (2000, 0)]),
    ("Rue d'en Face", [(1000, 0), (1000, 100)]),
]
CUT = [("Rue Ici", [(0, 0), (900, 0)]), ("Rue Là-bas", [(1100, 0), (2000, 0)])]


def stops(*points):
    """A tour whose stops sit at these (x, y) metres."""
    features = []
    for order, (x, y) in enumerate(points, 1):
        lat, lon = at(x, y)
        features.append(
            _stop(order, f"s{order}", lon, lat, 10, **(TOUR_PROPS if order == 1 else {}))
        )
    return {"type": "FeatureCollection", "features": features}


@pytest.fixture
def network(tmp_path):
    path = tmp_path / "voies.geojson"
    path.write_text(json.dumps(geojson_network(LINES)), encoding="utf-8")
    return path


def route(runner, file, *options):
    return runner.invoke(args=["tour", "route", *options, str(file)])


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_route_writes_legs_and_keeps_everything_else(runner, tmp_path, network):
    doc = stops((100, 5), (900, -5), (1000, 90))
    doc["features"][1]["properties"]["note"] = "added in QGIS"
    # A leg the organiser annotated, and a stale one from an older order of the stops.
    old_leg = {"leg_from": "s1", "leg_to": "s2", "distance_m": 5000, "guide_note": "keep left"}
    stale = {"leg_from": "s1", "leg_to": "s3"}
    for props in (old_leg, stale):
        doc["features"].append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[at(100, 0)[1], at(100, 0)[0]], [at(900, 0)[1], at(900, 0)[0]]],
                },
            }
        )
    file = write_doc(tmp_path / "stops.geojson", doc)
    before = file.read_bytes()

    result = route(runner, file, "--network", str(network), "--name-property", "name")
    assert result.exit_code == 0, result.output
    routed = file.read_bytes()
    assert 'leg 1: "s1" → "s2": 800 m, 2 steps' in result.output
    assert 'leg 2: "s2" → "s3": 190 m, 3 steps' in result.output
    assert 'removed the stale leg "s1" → "s3"' in result.output
    # No .bak: the file before routing is a version of the history, one command away.
    assert not (tmp_path / "stops.geojson.bak").exists()
    listing = runner.invoke(args=["tour", "history", str(file)])
    assert "legs recomputed (tour route)" in listing.output
    previous = stopsfile.parse(before).version
    assert previous in listing.output
    restored = runner.invoke(args=["tour", "restore", previous[:8], str(file)])
    assert restored.exit_code == 0, restored.output
    assert file.read_bytes() == before
    file.write_bytes(routed)

    after = json.loads(file.read_text(encoding="utf-8"))
    assert after["features"][:3] == doc["features"][:3]  # stops untouched, in place
    legs = after["features"][3:]
    assert [f["properties"]["leg_from"] for f in legs] == ["s1", "s2"]
    assert legs[0]["properties"]["guide_note"] == "keep left"
    assert legs[0]["properties"]["distance_m"] == 800
    assert legs[1]["properties"] == {
        "leg_from": "s2",
        "leg_to": "s3",
        "distance_m": 190,
        "walk_min": 3,
        "steps": legs[1]["properties"]["steps"],
        # Where the stops stood when routed (issue 19: a stop moved later is flagged).
        "leg_from_at": "3.8911767,43.599955",
        "leg_to_at": "3.8924186,43.6008094",
    }
    steps = json.loads(legs[1]["properties"]["steps"])
    assert [(s["maneuver"], s["direction"], s["street"]) for s in steps] == [
        ("depart", "east", "Rue Longue"),
        ("turn", "left", "Rue d'en Face"),
        ("arrive", "", "Rue d'en Face"),
    ]
    assert steps[1]["location"] == [at(1000, 0)[1], at(1000, 0)[0]]  # [lon, lat] in the file
    tour = stopsfile.load(file)
    assert [leg.routed for leg in tour.legs] == [True, True] and tour.warnings == ()
    assert tour.legs[1].steps[1].street == "Rue d'en Face"


def test_route_again_changes_nothing_but_the_backup(runner, tmp_path, network):
    file = write_doc(tmp_path / "stops.geojson", stops((100, 5), (900, -5)))
    assert route(runner, file, "--network", str(network), "--name-property", "name").exit_code == 0
    first = file.read_bytes()
    assert route(runner, file, "--network", str(network), "--name-property", "name").exit_code == 0
    assert file.read_bytes() == first


def timeout_server():
    """A socket that accepts connections (the kernel does) but never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server


@pytest.mark.parametrize(
    ("points", "options", "message"),
    [
        (
            [(100, 5), (500, 400)],
            ["--network", "{network}", "--name-property", "name"],
            'error: leg 1 ("s1" → "s2"): stop "s2" is 400 m from the nearest street of the '
            "network (limit 100 m): move its pin onto a street or square, or route on another "
            "network",
        ),
        (
            [(100, 5), (900, 5), (1500, 5)],
            ["--network", "{cut}", "--name-property", "name"],
            'error: leg 2 ("s2" → "s3"): no path joins the two stops',
        ),
        (
            [(100, 5), (900, 5)],
            ["--network", "{bad_json}"],
            "error: bad network: {bad_json}: the network is not valid JSON",
        ),
        (
            [(100, 5), (900, 5)],
            ["--network", "{missing}"],
            "cannot read the network: No such file or directory",
        ),
        ([(100, 5), (900, 5)], ["--network", "{network}"], 'no line has a "LIB_OFF" property'),
        (
            [(100, 5), (900, 5)],
            ["--osrm", "http://127.0.0.1:{closed}"],
            'error: leg 1 ("s1" → "s2"): cannot reach OSRM',
        ),
        (
            [(100, 5), (900, 5)],
            ["--osrm", "http://127.0.0.1:{silent}", "--timeout", "0.3"],
            (
                'error: leg 1 ("s1" → "s2"): OSRM at http://127.0.0.1:{silent} '
                "did not answer within 0.3 s"
            ),
        ),
        (
            [(100, 5), (900, 5)],
            ["--osrm", "ftp://example.org"],
            "must start with http:// or https://",
        ),
    ],
)
def test_route_failures_leave_the_file_untouched(
    runner, tmp_path, network, points, options, message
):
    cut = tmp_path / "cut.geojson"
    cut.write_text(json.dumps(geojson_network(CUT)), encoding="utf-8")
    bad_json = tmp_path / "bad.geojson"
    bad_json.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    silent = timeout_server()
    names = {
        "network": network,
        "cut": cut,
        "bad_json": bad_json,
        "missing": tmp_path / "no.geojson",
        "closed": closed.getsockname()[1],
        "silent": silent.getsockname()[1],
    }
    try:
        folder = tmp_path / "data"
        folder.mkdir()
        file = write_doc(folder / "stops.geojson", stops(*points))
        before = file.read_bytes()
        result = route(runner, file, *[o.format(**names) for o in options])
    finally:
        closed.close()
        silent.close()
    assert result.exit_code == 1, result.output
    assert message.format(**names) in result.output
    assert f"{file}: not changed." in result.output
    assert file.read_bytes() == before
    assert files_in(folder) == ["stops.geojson"]  # no backup, no temporary file


def test_bad_stops_file_is_refused_before_routing(runner, tmp_path, network):
    doc = stops((100, 5), (900, 5))
    doc["features"][1]["properties"]["duration_min"] = "abc"
    file = write_doc(tmp_path / "stops.geojson", doc)
    before = file.read_bytes()
    result = route(runner, file, "--network", str(network), "--name-property", "name")
    assert result.exit_code == 1
    assert '"duration_min" must be a number' in result.output
    assert "fix the stops first" in result.output
    assert file.read_bytes() == before


def test_failed_write_leaves_the_file_untouched(runner, tmp_path, network, monkeypatch):
    file = write_doc(tmp_path / "stops.geojson", stops((100, 5), (900, 5)))
    before = file.read_bytes()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(durable.os, "replace", crash)
    result = route(runner, file, "--network", str(network), "--name-property", "name")
    assert result.exit_code == 1
    assert "cannot write the file: No space left on device" in result.output
    assert file.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_route_takes_one_backend_at_most(runner, tour_file):
    before = tour_file.read_bytes()
    result = runner.invoke(args=["tour", "route", "--network", "x", "--osrm", "http://localhost"])
    assert result.exit_code == 2
    assert "give one of --network FILE or --osrm URL, not both" in result.output
    assert tour_file.read_bytes() == before


def test_route_the_seeded_walk_with_no_option(runner, tour_file):
    """An organiser re-routes the seeded walk with no option: on the committed clip.

    The committed legs were computed on the city's whole network: the clip gives them
    byte for byte.
    """
    assert runner.app.config["ROUTING_NETWORK"] == str(VOIES)
    result = runner.invoke(args=["tour", "route"])
    assert result.exit_code == 0, result.output
    assert f"routing on {VOIES} (the ROUTING_NETWORK setting)" in result.output
    assert "3 legs, 3.46 km, 13:30–16:00" in result.output
    # Byte for byte but for where each leg's stops stood, which the seeded file predates.
    routed = json.loads(tour_file.read_bytes())
    for feature in routed["features"]:
        feature["properties"].pop("leg_from_at", None)
        feature["properties"].pop("leg_to_at", None)
    assert stopsfile.dumps(routed).encode() == SEEDED.read_bytes()


def test_route_uses_the_network_the_setting_names(tmp_path, network):
    file = write_doc(tmp_path / "stops.geojson", stops((100, 5), (900, -5)))
    app = create_app({"TESTING": True, "TOUR_DATA": file, "ROUTING_NETWORK": network})
    result = app.test_cli_runner().invoke(args=["tour", "route", "--name-property", "name"])
    assert result.exit_code == 0, result.output
    assert 'leg 1: "s1" → "s2": 800 m, 2 steps' in result.output
    assert stopsfile.load(file).legs[0].steps[0].street == "Rue Longue"


def test_a_stop_outside_the_clip_gets_a_clear_error(runner, tour_file):
    """1.5 km south of the clip's box: the city's whole network reaches it, the clip does not."""
    doc = json.loads(tour_file.read_text(encoding="utf-8"))
    fabre = next(f for f in doc["features"] if f["properties"].get("id") == "musee-fabre")
    fabre["geometry"]["coordinates"] = [3.88, 43.585]
    write_doc(tour_file, doc)
    before = tour_file.read_bytes()
    result = runner.invoke(args=["tour", "route"])
    assert result.exit_code == 1, result.output
    assert (
        'error: leg 3 ("msh-saint-charles" → "musee-fabre"): stop "musee-fabre" is 1,462 m '
        "from the nearest street of the network (limit 100 m)"
    ) in result.output
    assert (
        f"the network is the ROUTING_NETWORK setting, {VOIES}; "
        "give --network FILE or --osrm URL to route on another one"
    ) in result.output
    assert f"{tour_file}: not changed." in result.output
    assert tour_file.read_bytes() == before
    assert sorted(p.name for p in tour_file.parent.iterdir()) == ["stops.geojson"]


def test_route_replaces_legs_with_mistakes(runner, tmp_path, network):
    doc = stops((100, 5), (900, 5))
    start, end = at(100, 0), at(900, 0)
    doc["features"].append(
        {
            "type": "Feature",
            "properties": {"leg_from": "s1", "leg_to": "s2", "steps": "[{oops", "note": "kept"},
            "geometry": {"type": "LineString", "coordinates": [start[::-1], end[::-1]]},
        }
    )
    file = write_doc(tmp_path / "stops.geojson", doc)
    assert runner.invoke(args=["tour", "check", str(file)]).exit_code == 1
    result = route(runner, file, "--network", str(network), "--name-property", "name")
    assert result.exit_code == 0, result.output
    assert (
        "replacing a bad leg: " in result.output and '"steps" must be a JSON list' in result.output
    )
    tour = stopsfile.load(file)
    assert tour.legs[0].routed and tour.legs[0].steps[0].street == "Rue Longue"
    assert (
        json.loads(file.read_text(encoding="utf-8"))["features"][2]["properties"]["note"] == "kept"
    )


# --- Issue 19, point 3: a stop moved in a GIS tool keeps its old leg -----------------------

def _move_in_a_gis_tool(file, stop_id: str, north_m: float) -> None:
    """Move a stop's point as QGIS would: the geometry only, every property kept."""
    doc = json.loads(file.read_text(encoding="utf-8"))
    stop = next(f for f in doc["features"] if f["properties"].get("id") == stop_id)
    stop["geometry"]["coordinates"][1] += north_m / 111_195  # metres of latitude
    write_doc(file, doc)


def _legs_of(file) -> list[dict]:
    doc = json.loads(file.read_text(encoding="utf-8"))
    return [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]


def test_a_stop_moved_49_m_names_its_leg_and_the_command_that_routes_only_it(runner, tour_file):
    assert runner.invoke(args=["tour", "route"]).exit_code == 0  # legs record their stops
    _move_in_a_gis_tool(tour_file, "msh-saint-charles", 49)
    checked = runner.invoke(args=["tour", "check"], env={"LANG": "en_GB.UTF-8"})
    assert checked.exit_code == 0, checked.output
    assert (
        'warning: leg 2 ("espace-french-tech" → "msh-saint-charles"): stop "msh-saint-charles" '
        "moved 49 m since the leg was routed, which still ends where it stood: route it again: "
        "tourapp tour route --leg espace-french-tech:msh-saint-charles"
    ) in checked.output
    assert 'leg 3 ("msh-saint-charles" → "musee-fabre"): stop "msh-saint-charles" moved 49 m' \
        in checked.output
    french = runner.invoke(args=["tour", "check"], env={"LANG": "fr_FR.UTF-8", "LC_ALL": ""})
    assert ("attention : trajet 2 (« espace-french-tech » → « msh-saint-charles ») : l'étape "
            "« msh-saint-charles » a été déplacée de 49 m") in french.output

    first = _legs_of(tour_file)[0]
    fixed = runner.invoke(args=["tour", "route", "--leg", "espace-french-tech:msh-saint-charles",
                                "--leg", "msh-saint-charles:musee-fabre"])
    assert fixed.exit_code == 0, fixed.output
    assert 'leg 2: "espace-french-tech" → "msh-saint-charles"' in fixed.output
    assert "leg 1:" not in fixed.output
    legs = _legs_of(tour_file)
    assert legs[0] == first  # the leg not named is left as it was
    assert [(f["properties"]["leg_from"], f["properties"]["leg_to"]) for f in legs] == [
        ("hotel-de-metropole", "espace-french-tech"), ("espace-french-tech", "msh-saint-charles"),
        ("msh-saint-charles", "musee-fabre")]  # walking order kept
    assert stopsfile.load(tour_file).warnings == ()


def test_a_leg_without_the_record_is_flagged_when_its_end_is_far(runner, tour_file):
    """The seeded file predates the record: an end 60 m away is said, with the same fix."""
    _move_in_a_gis_tool(tour_file, "musee-fabre", 60)
    (warning,) = stopsfile.load(tour_file).warnings
    assert warning.startswith('leg 3 ("msh-saint-charles" → "musee-fabre"): the leg ends ')
    assert warning.endswith("tourapp tour route --leg msh-saint-charles:musee-fabre (or the "
                            "leg's “Route again” button in the console's edit page)")


@pytest.mark.parametrize(("leg", "message"), [
    ("hotel-de-metropole:musee-fabre", "is not a leg of the walk"),
    ("nocolon", "write the leg as FROM:TO"),
])
def test_route_leg_refuses_what_is_not_a_leg(runner, tour_file, leg, message):
    before = tour_file.read_bytes()
    result = runner.invoke(args=["tour", "route", "--leg", leg])
    assert result.exit_code != 0
    assert message in result.output
    assert tour_file.read_bytes() == before
