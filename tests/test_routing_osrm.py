"""The OSRM client against a real osrm-routed, and against servers that misbehave.

The real server is the one from the osrm-bindings wheel (fetched into .cache/osrm by
``make osrm``, which ``make test`` runs first; a test never downloads it): the test
writes a small OpenStreetMap network, prepares it with the foot profile and serves it
on a loopback port the kernel picks. ``tour route`` then routes the same tour with both
backends, which must agree.
"""

from __future__ import annotations

import http.server
import json
import math
import os
import socket
import subprocess
import threading

import pytest

from tourapp import stopsfile
from tourapp.geodata.routing import RoutingError
from tourapp.geodata.routing.osrm import OsrmRouter
from tourapp.testing import answers, listening_port, wait_for

from .conftest import ROOT, TOUR_PROPS, _stop, write_doc
from .networks import at, geojson_network, osm_xml

OSRM_HOME = ROOT / ".cache" / "osrm" / "osrm"

# A square of streets 400 m wide with a street across the middle and a diagonal
# short cut: every shortest path below is unique, with a clear margin.
LINES = [
    ("Rue de la Loge", [(0, 0), (200, 0), (400, 0)]),
    ("Rue Foch", [(400, 0), (400, 200), (400, 400)]),
    ("Rue Basse", [(0, 0), (0, 200), (0, 400)]),
    ("Rue Haute", [(0, 400), (200, 400), (400, 400)]),
    ("Rue du Milieu", [(0, 200), (200, 200), (400, 200)]),
    ("Passage Oblique", [(200, 0), (300, 100), (400, 200)]),
]
STOPS = [(10, -8), (395, 300), (100, 405)]


def stops_doc() -> dict:
    """Three stops beside the test network."""
    features = []
    for order, (x, y) in enumerate(STOPS, 1):
        lat, lon = at(x, y)
        extra = TOUR_PROPS if order == 1 else {}
        features.append(_stop(order, f"s{order}", lon, lat, 10, **extra))
    return {"type": "FeatureCollection", "features": features}


@pytest.fixture(scope="session")
def osrm_home() -> os.PathLike:
    """The OSRM programs, fetched before the tests by `make osrm` (never by a test)."""
    if not (OSRM_HOME / "bin" / "osrm-routed").is_file():
        pytest.fail(
            f"the OSRM programs are not in {OSRM_HOME}: run `make osrm` (which `make test` "
            "runs before pytest) to fetch them once"
        )
    return OSRM_HOME


@pytest.fixture(scope="module")
def osrm_url(osrm_home, tmp_path_factory):
    """osrm-routed serving LINES with the foot profile, on a free loopback port."""
    folder = tmp_path_factory.mktemp("osrm")
    (folder / "town.osm").write_text(osm_xml(LINES), encoding="utf-8")
    log = open(folder / "osrm.log", "w")  # noqa: SIM115 - closed at teardown
    binary = osrm_home / "bin"
    for command in (
        ["osrm-extract", "-p", str(osrm_home / "share" / "profiles" / "foot.lua"), "town.osm"],
        ["osrm-partition", "town.osrm"],
        ["osrm-customize", "town.osrm"],
    ):
        done = subprocess.run(
            [str(binary / command[0]), *command[1:]],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
        assert done.returncode == 0, (folder / "osrm.log").read_text()
    # Port 0: the kernel picks a free port as osrm-routed binds it (no race with another
    # process); osrm-routed does not say which, /proc does.
    server = subprocess.Popen(
        [str(binary / "osrm-routed"), "--algorithm", "mld", "--ip", "127.0.0.1", "--port", "0",
         "town.osrm"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{listening_port(server)}"
        lat, lon = at(0, 0)
        wait_for(lambda: answers(f"{url}/nearest/v1/foot/{lon},{lat}"), "osrm-routed",
                 alive=lambda: server.poll() is None)
    except (RuntimeError, TimeoutError) as exc:
        server.kill()
        pytest.fail(f"osrm-routed did not start ({exc}):\n" + (folder / "osrm.log").read_text())
    yield url
    server.terminate()
    server.wait(10)
    log.close()


def _gap_to_polyline(point, line) -> float:
    """Metres from ``point`` to the polyline ``line`` (flat projection, short distances)."""
    k = math.cos(math.radians(point[0])) * 111_195
    best = math.inf
    for (lat1, lon1), (lat2, lon2) in zip(line, line[1:], strict=False):
        ax, ay = (lon1 - point[1]) * k, (lat1 - point[0]) * 111_195
        bx, by = (lon2 - point[1]) * k, (lat2 - point[0]) * 111_195
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, -(ax * dx + ay * dy) / ((dx * dx + dy * dy) or 1)))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def test_both_backends_walk_the_same_way(osrm_url, tmp_path, runner):
    network = tmp_path / "network.geojson"
    network.write_text(json.dumps(geojson_network(LINES)), encoding="utf-8")
    by_osrm = write_doc(tmp_path / "osrm.geojson", stops_doc())
    by_network = write_doc(tmp_path / "network-stops.geojson", stops_doc())

    result = runner.invoke(args=["tour", "route", "--osrm", osrm_url, str(by_osrm)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "tour",
            "route",
            "--network",
            str(network),
            "--name-property",
            "name",
            str(by_network),
        ]
    )
    assert result.exit_code == 0, result.output

    osrm_tour, network_tour = stopsfile.load(by_osrm), stopsfile.load(by_network)
    expected = [190 + 200 * math.sqrt(2) + 100, 100 + 300]
    for osrm_leg, network_leg, length in zip(
        osrm_tour.legs, network_tour.legs, expected, strict=True
    ):
        assert osrm_leg.routed and network_leg.routed
        assert network_leg.distance_m == pytest.approx(length, abs=1)
        assert osrm_leg.distance_m == pytest.approx(network_leg.distance_m, rel=0.02)
        for point in osrm_leg.path:  # the same streets, not just the same length
            assert _gap_to_polyline(point, network_leg.path) < 3
        for point in network_leg.path:
            assert _gap_to_polyline(point, osrm_leg.path) < 3
        assert [s.street for s in osrm_leg.steps] == [s.street for s in network_leg.steps]
        assert [s.maneuver for s in osrm_leg.steps] == [s.maneuver for s in network_leg.steps]


def test_osrm_maneuvers_map_onto_the_step_model(osrm_url):
    route = OsrmRouter(osrm_url).route(at(395, 300), at(100, 405))
    assert [(s.maneuver, s.direction, s.street) for s in route.steps] == [
        ("depart", "north", "Rue Foch"),
        ("turn", "left", "Rue Haute"),
        ("arrive", "", "Rue Haute"),
    ]
    assert route.steps[0].distance_m == pytest.approx(100, abs=2)
    assert route.steps[1].location == pytest.approx(at(400, 400), abs=2e-6)
    assert route.path[0] == pytest.approx(at(400, 300), abs=2e-6)  # (lat, lon)


def test_osrm_stop_far_from_any_street(osrm_url):
    with pytest.raises(
        RoutingError, match=r"the end is 3\d\d m from the nearest street OSRM knows"
    ):
        OsrmRouter(osrm_url).route(at(100, 0), at(200, 700))


class Stub(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the server's ``reply`` (status, body), after ``delay`` s."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.server.release.wait(self.server.delay)  # the test releases it at teardown
        self.server.answered.set()
        status, body = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    """A loopback HTTP server whose answer a test sets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    server.daemon_threads = True
    server.delay, server.reply = 0.0, (200, b"{}")
    server.release, server.answered = threading.Event(), threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            (400, b'{"code": "NoRoute", "message": "Impossible route"}'),
            "finds no path between the two stops",
        ),
        (
            (400, b'{"code": "NoSegment", "message": "Could not find"}'),
            "finds no street near a stop",
        ),
        (
            (400, b'{"code": "InvalidQuery", "message": "Query string malformed"}'),
            "answered 'InvalidQuery': Query string malformed",
        ),
        ((500, b"<html>oops</html>"), "answered HTTP 500"),
        ((200, b"not json"), "did not answer with JSON"),
        (
            (200, b'{"code": "Ok", "routes": [{"distance": 10}]}'),
            "sent a route this tool cannot read",
        ),
    ],
)
def test_osrm_answers_that_are_errors(stub, reply, message):
    stub.reply = reply
    with pytest.raises(RoutingError, match=message):
        OsrmRouter(stub.url).route(at(0, 0), at(100, 0))


def test_osrm_timeout(stub):
    # The stub answers only when released: the client must give up on its own, before.
    stub.delay = 60.0
    with pytest.raises(RoutingError, match=r"did not answer within 0.3 s"):
        OsrmRouter(stub.url, timeout_s=0.3).route(at(0, 0), at(100, 0))
    assert not stub.answered.is_set()


def test_osrm_unreachable():
    # A port bound but not listening, held for the test: no one else can listen there.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}"
        with pytest.raises(RoutingError, match=f"cannot reach OSRM at {url}: .*refused"):
            OsrmRouter(url).route(at(0, 0), at(100, 0))


def test_osrm_url_must_be_http():
    with pytest.raises(RoutingError, match="must start with http:// or https://"):
        OsrmRouter("file:///etc/passwd")
