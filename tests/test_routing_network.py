"""The embedded router on networks the tests draw, then on the city's real network."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tourapp import stopsfile
from tourapp.domain.geo import distance_m
from tourapp.geodata.routing import RoutingError
from tourapp.geodata.routing.network import NetworkRouter

from .conftest import SEEDED, VOIES
from .networks import at, geojson_network


def router(lines, **options):
    extra = options.pop("extra", {})
    return NetworkRouter(geojson_network(lines, **extra)["features"], "name", **options)


def summary(route):
    """(maneuver, direction, street, distance rounded to the metre) of each step."""
    return [(s.maneuver, s.direction, s.street, round(s.distance_m)) for s in route.steps]


def test_straight_street_snaps_both_stops_and_splits_the_line():
    net = router([("Rue Droite", [(0, 0), (100, 0), (250, 0), (500, 0)])])
    edges = net.graph.number_of_edges()
    route = net.route(at(50, 10), at(450, -10))
    assert route.distance_m == pytest.approx(400, abs=0.5)
    assert distance_m(route.path[0], at(50, 0)) < 0.5
    assert distance_m(route.path[-1], at(450, 0)) < 0.5
    assert summary(route) == [
        ("depart", "east", "Rue Droite", 400),
        ("arrive", "", "Rue Droite", 0),
    ]
    assert net.graph.number_of_edges() == edges  # the split is undone after each search


def test_t_junction_turns_right_then_left_on_the_way_back():
    net = router(
        [
            ("Rue de la Loge", [(-300, 0), (0, 0), (300, 0)]),
            ("Rue Basse", [(0, 0), (0, -150), (0, -300)]),
        ]
    )
    there = net.route(at(-200, 5), at(3, -200))
    assert summary(there) == [
        ("depart", "east", "Rue de la Loge", 200),
        ("turn", "right", "Rue Basse", 200),
        ("arrive", "", "Rue Basse", 0),
    ]
    assert there.steps[1].location == pytest.approx(at(0, 0), abs=1e-7)
    back = net.route(at(3, -200), at(-200, 5))
    assert [s[:3] for s in summary(back)][1] == ("turn", "left", "Rue de la Loge")
    assert back.distance_m == pytest.approx(there.distance_m, abs=0.01)


SQUARE = [("Place Carrée", [(0, 0), (200, 0), (200, 200), (0, 200), (0, 0)])]


def test_bends_of_one_street_are_not_steps():
    net = router(SQUARE)
    route = net.route(at(20, -5), at(30, 205))  # the short way: west side
    assert route.distance_m == pytest.approx(250, abs=0.5)
    assert summary(route) == [
        ("depart", "west", "Place Carrée", 250),
        ("arrive", "", "Place Carrée", 0),
    ]


def test_turning_at_a_junction_on_the_same_street_is_a_step():
    spurs = [("Rue du Coin", [(0, 0), (-100, -100)]), ("Rue de l'Angle", [(0, 200), (-100, 300)])]
    net = router(SQUARE + spurs)
    route = net.route(at(20, -5), at(30, 205))
    assert summary(route) == [
        ("depart", "west", "Place Carrée", 20),
        ("turn", "right", "Place Carrée", 200),
        ("turn", "right", "Place Carrée", 30),
        ("arrive", "", "Place Carrée", 0),
    ]


def test_consecutive_segments_of_a_street_merge_into_one_step():
    # Four lines for one street (as in a centre-line file, cut at every crossing).
    lines = [("Rue Longue", [(x, 0), (x + 100, 0)]) for x in range(0, 400, 100)]
    lines += [(f"Traverse {n}", [(x, -50), (x, 50)]) for n, x in enumerate((100, 200, 300))]
    route = router(lines).route(at(10, 0), at(390, 0))
    assert summary(route) == [
        ("depart", "east", "Rue Longue", 380),
        ("arrive", "", "Rue Longue", 0),
    ]


def test_a_short_link_between_two_names_is_not_a_step():
    lines = [
        ("Rue A", [(0, 0), (200, 0)]),
        ("", [(200, 0), (208, 0)]),  # an unnamed 8 m link, as drawn across a crossing
        ("Rue A", [(208, 0), (400, 0)]),
        ("Rue B", [(400, 0), (400, 200)]),
    ]
    route = router(lines).route(at(0, 0), at(400, 150))
    assert summary(route) == [
        ("depart", "east", "Rue A", 400),
        ("turn", "left", "Rue B", 150),
        ("arrive", "", "Rue B", 0),
    ]


def test_one_way_streets_are_walked_both_ways():
    lines = [
        ("Rue à Sens Unique", [(0, 0), (300, 0)]),
        ("Détour", [(0, 0), (0, 400), (300, 400), (300, 0)]),
    ]
    net = router(lines, extra={"Rue à Sens Unique": {"oneway": "yes", "SENS_CIRCU": "SENS UNIQUE"}})
    against = net.route(at(280, 0), at(20, 0))
    assert against.distance_m == pytest.approx(260, abs=0.5)
    assert against.steps[0].direction == "west"


def test_lines_nobody_walks_are_left_out():
    lines = [("Canal", [(0, 0), (300, 0)]), ("Rue du Quai", [(0, 0), (0, 50), (300, 50), (300, 0)])]
    net = router(lines, extra={"Canal": {"OCCUPATION": "Fluvial"}})
    route = net.route(at(0, 0), at(300, 0))
    assert route.distance_m == pytest.approx(400, abs=0.5)


# Every row of the exclusions, written out here (not read from the code: a row dropped
# there must make its case fail here).
CLOSED = [
    {"OCCUPATION": "Fluvial"},  # the river's axis
    {"TYPVOI": "TUN"},  # a road tunnel (Tunnel de la Comédie)
    {"TYPVOI": "AUTO"},  # the motorway
    {"TYPVOI": "PARK"},  # a car park's ramp
    {"TYPVOI": "BASS"},  # a water basin's axis
    {"highway": "motorway"},
    {"highway": "motorway_link"},
    {"highway": "trunk"},
    {"highway": "trunk_link"},
    {"highway": "construction"},
    {"highway": "proposed"},
    {"foot": "no"},
    {"foot": "private"},
    {"access": "no"},
    {"access": "private"},
]


def test_every_exclusion_of_the_router_has_its_case_here():
    from tourapp.geodata.routing.network import NOT_WALKABLE

    rows = {(key, value) for key, values in NOT_WALKABLE.items() for value in values}
    assert rows == {next(iter(closed.items())) for closed in CLOSED}


@pytest.mark.parametrize(
    "open_way",
    [{"TYPVOI": "VOIE"}, {"highway": "footway"}, {"foot": "yes"}, {"access": "permissive"}],
)
def test_a_way_open_to_walkers_is_the_shorter_way_across(open_way):
    lines = [
        ("Place de la Comédie", [(-50, 0), (0, 0), (100, 30), (200, 0), (250, 0)]),
        ("Tunnel de la Comédie", [(-50, 0), (100, 0), (250, 0)]),
    ]
    net = router(lines, extra={"Tunnel de la Comédie": open_way})
    route = net.route(at(-50, 0), at(250, 0))
    assert route.distance_m == pytest.approx(300, abs=0.5)


@pytest.mark.parametrize("closed", CLOSED)
def test_a_stop_beside_a_closed_way_snaps_to_the_walkable_one_and_the_walk_avoids_it(closed):
    # A square drawn as an arch over a straight road tunnel: the stop is 5 m from the
    # tunnel and 25 m from the square, and the tunnel is the shorter way across.
    lines = [
        ("Place de la Comédie", [(-50, 0), (0, 0), (100, 30), (200, 0), (250, 0)]),
        ("Tunnel de la Comédie", [(-50, 0), (100, 0), (250, 0)]),
    ]
    net = router(lines, extra={"Tunnel de la Comédie": closed})
    gap, edge, _, _ = net.snap(at(100, 5))
    assert net.graph.edges[edge]["name"] == "Place de la Comédie"
    assert 20 < gap < 26
    route = net.route(at(-50, 0), at(250, 0))
    assert {s.street for s in route.steps} == {"Place de la Comédie"}
    assert route.distance_m > 300


def test_two_stops_on_one_segment_in_either_order():
    net = router([("Rue Unique", [(0, 0), (1000, 0)])])
    assert net.route(at(100, 0), at(700, 0)).distance_m == pytest.approx(600, abs=0.5)
    assert net.route(at(700, 0), at(100, 0)).distance_m == pytest.approx(600, abs=0.5)
    assert net.graph.number_of_nodes() == 2


def test_disconnected_part_is_an_error():
    net = router([("Rue Ici", [(0, 0), (200, 0)]), ("Rue Là-bas", [(0, 60), (200, 60)])])
    with pytest.raises(RoutingError, match="no path joins the two stops") as caught:
        net.route(at(10, -5), at(190, 65))
    assert caught.value.end is None


@pytest.mark.parametrize(
    ("start", "end", "which"), [((100, 300), (50, 0), "start"), ((50, 0), (150, -130), "end")]
)
def test_stop_far_from_any_street_is_an_error(start, end, which):
    net = router([("Rue Seule", [(0, 0), (200, 0)])])
    with pytest.raises(RoutingError) as caught:
        net.route(at(*start), at(*end))
    assert caught.value.end == which
    far = 300 if which == "start" else 130
    assert str(caught.value) == (
        f"the {which} is {far} m from the nearest street of the network (limit 100 m)"
    )


def test_snap_limit_is_a_setting():
    net = router([("Rue Seule", [(0, 0), (200, 0)])], max_snap_m=20)
    with pytest.raises(RoutingError, match=r"is 30 m from .* \(limit 20 m\)"):
        net.route(at(50, 30), at(150, 0))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "the network is not valid JSON (line 1, column 2"),
        (b"\xff", "the network is not UTF-8 text"),
        (b"[]", "the network must be a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "no walkable LineString in the network"),
        (
            json.dumps(geojson_network([("Rue", [(0, 0), (1, 1)])], name_key="nom")).encode(),
            'no line has a "name" property: which property holds the street names?',
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"name": "x"},
                            "geometry": {
                                "type": "LineString",
                                "coordinates": [[3.8, 43.6], [200, 43.6]],
                            },
                        }
                    ],
                }
            ).encode(),
            "feature 0: bad position [200, 43.6]",
        ),
    ],
)
def test_bad_network_files(tmp_path, content, message):
    path = tmp_path / "voies.geojson"
    path.write_bytes(content)
    with pytest.raises(RoutingError) as caught:
        NetworkRouter.from_file(path, "name")
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_missing_network_file(tmp_path):
    with pytest.raises(RoutingError, match="cannot read the network: No such file or directory"):
        NetworkRouter.from_file(tmp_path / "nowhere.geojson")


# The real walk, on the Ville de Montpellier's network (the committed clip of the walk's area).


def test_committed_legs_follow_the_streets_between_their_stops():
    tour = stopsfile.load(SEEDED)
    assert [leg.routed for leg in tour.legs] == [True, True, True]
    assert tour.warnings == ()
    for leg, (a, b) in zip(tour.legs, zip(tour.stops, tour.stops[1:], strict=False), strict=True):
        assert distance_m(leg.path[0], a.location) <= 40
        assert distance_m(leg.path[-1], b.location) <= 40
        assert 1.0 <= leg.distance_m / distance_m(a.location, b.location) <= 1.6
        assert [s.maneuver for s in leg.steps][0 :: len(leg.steps) - 1] == ["depart", "arrive"]
    # 1720 m for the second leg before squares were crossed (issue 22).
    assert [round(leg.distance_m, -1) for leg in tour.legs] == [670, 1690, 1100]
    last = tour.visits[-1].departure
    assert last.time() <= dt.time(16, 0), last


def test_city_network_gives_the_committed_legs():
    """The clip routes each leg as the whole city's network did when the legs were committed.

    The legs in data/stops.geojson were computed on the city's whole network (8,011
    streets); the clip must give the same distance, path and streets, so that cutting
    the network changed no route of the walk.
    """
    tour = stopsfile.load(SEEDED)
    net = NetworkRouter.from_file(VOIES)  # its speed: benchmarks/route.py, not a timed test
    for leg, (a, b) in zip(tour.legs, zip(tour.stops, tour.stops[1:], strict=False), strict=True):
        route = net.route(a.location, b.location)
        assert round(route.distance_m) == leg.distance_m
        assert len(route.path) == len(leg.path)
        assert max(distance_m(p, q) for p, q in zip(route.path, leg.path, strict=True)) < 0.5
        assert [s.street for s in route.steps] == [s.street for s in leg.steps]


def test_the_opera_comedie_snaps_to_the_square_side_not_the_tunnel_under_it():
    # Issue 13: the address point of 11 boulevard Victor Hugo (the Opéra Comédie) snapped
    # onto the Tunnel de la Comédie, and the walk from the French Tech went underground.
    net = NetworkRouter.from_file(VOIES)
    opera = (43.6077124320104, 3.87893040005892)  # data/montpellier/adresses.csv
    _, edge, _, _ = net.snap(opera)
    assert "Tunnel" not in net.graph.edges[edge]["name"]
    assert not any("Tunnel" in data["name"] for *_, data in net.graph.edges(data=True))
    french_tech = stopsfile.load(SEEDED).stop("espace-french-tech").location
    route = net.route(french_tech, opera)
    streets = [s.street for s in route.steps]
    assert "Place de la Comédie" in streets and not any("Tunnel" in s for s in streets)
    assert 500 <= route.distance_m <= 600  # 794 m through the tunnel before


# Issue 22: squares are crossed, not walked round.

LOGE_29 = (43.6087537367329, 3.87916057654992)  # « 29, Rue de la Loge », adresses.csv
COMEDIE_14 = (43.6084160238112, 3.880057724326)  # « 14, Place de la Comédie »
BEFORE_SQUARES = [668, 1719, 1101]  # the seeded legs (m) when squares were walked round


def zone_polygon(points):
    """A pedestrian zone as a GeoJSON Polygon feature, from (x, y) metres."""
    ring = [[at(x, y)[1], at(x, y)[0]] for x, y in [*points, points[0]]]
    return {"type": "Feature", "properties": {"NOM": "Zone"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


U_SQUARE = [  # two sides of a U-shaped square and the street along its bottom
    ("Place U", [(15, 100), (15, 15)]),
    ("Place U", [(85, 15), (85, 100)]),
    ("Rue du Bas", [(15, 15), (85, 15)]),
]


def test_a_square_inside_its_zone_is_crossed_straight():
    whole = zone_polygon([(0, 0), (100, 0), (100, 110), (0, 110)])
    network = geojson_network(U_SQUARE)
    net = NetworkRouter([*network["features"], whole], "name")
    route = net.route(at(15, 95), at(85, 95))
    assert route.distance_m == pytest.approx(70, abs=1)
    assert summary(route)[0] == ("cross", "east", "Place U", 70)
    walled = NetworkRouter(network["features"], "name")  # no zone: round by the street
    assert walled.route(at(15, 95), at(85, 95)).distance_m == pytest.approx(230, abs=1)


def test_a_concave_square_is_not_cut_across_the_building_in_its_notch():
    u_zone = zone_polygon([(0, 0), (100, 0), (100, 110), (70, 110), (70, 30), (30, 30),
                           (30, 110), (0, 110)])
    net = NetworkRouter([*geojson_network(U_SQUARE)["features"], u_zone], "name")
    route = net.route(at(15, 95), at(85, 95))
    notch = [p for p in route.path
             if at(30, 30)[1] < p[1] < at(70, 30)[1] and p[0] > at(0, 31)[0]]
    assert notch == [] and 200 <= route.distance_m <= 230


def test_a_street_between_two_sides_is_not_crossed_in_a_straight_line():
    whole = zone_polygon([(0, 0), (100, 0), (100, 110), (0, 110)])
    lines = [*U_SQUARE, ("Rue du Milieu", [(50, 15), (50, 110)])]
    net = NetworkRouter([*geojson_network(lines)["features"], whole], "name")
    route = net.route(at(15, 95), at(85, 95))
    assert "cross" not in [s.maneuver for s in route.steps]


def test_comedie_to_rue_de_la_loge_crosses_the_square():
    # The walk: 393 m round the boulevard Victor Hugo and the rue des Etuves.
    net = NetworkRouter.from_file(VOIES)
    straight = distance_m(COMEDIE_14, LOGE_29)
    route = net.route(COMEDIE_14, LOGE_29)
    assert 75 <= straight <= 85
    assert route.distance_m <= 2 * straight, summary(route)
    assert ("cross", "Place de la Comédie") in [(s.maneuver, s.street) for s in route.steps]
    assert not any("Tunnel" in s.street or "Victor Hugo" in s.street for s in route.steps)


def sample_points(lines):
    """Points on a square's lines: their ends and a point every 45 m or so."""
    for number, nodes in enumerate(lines):
        yield number, nodes[0]
        for a, b in zip(nodes[::3], nodes[3::3], strict=False):
            yield number, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        yield number, nodes[-1]


def test_two_points_of_a_square_are_never_more_than_twice_apart_and_never_leave_it():
    """On the shipped network, every open space in a pedestrian zone.

    The pairs are points on the square's lines, inside its zone, with the straight line
    between them inside the zone too (the zones are districts: a square's line may run
    just outside, where cars go, as round the place des Martyrs de la Résistance).
    """
    from itertools import combinations

    from tourapp.geodata.routing import areas

    net = NetworkRouter.from_file(VOIES)
    plane = areas.Plane(43.61)
    checked, squares = 0, set()
    for name, area, lines in net.squares:
        zone = areas.Zone(area, plane)
        points = [(n, p) for n, p in sample_points(lines) if zone.contains(plane.xy(p))]
        for (_, p), (_, q) in list(combinations(points, 2))[::4]:
            straight = distance_m(p, q)
            if straight < 5 or not zone.holds(plane.xy(p), plane.xy(q)):
                continue
            route = net.route(p, q)
            assert route.distance_m <= 2 * straight, (name, p, q, summary(route))
            on = [s.street == name for s in route.steps[:-1]]
            runs = sum(1 for i, x in enumerate(on) if x and (i == 0 or not on[i - 1]))
            assert runs <= 1, (name, p, q, summary(route))  # never leaves and comes back
            checked += 1
            squares.add(name)
    assert checked >= 200 and {"Place de la Comédie", "Esplanade Charles de Gaulle",
                               "Place Jean Jaurès"} <= squares, (checked, squares)


def test_the_seeded_legs_stay_within_3_percent_of_the_walk_round_the_squares():
    tour = stopsfile.load(SEEDED)
    for leg, before in zip(tour.legs, BEFORE_SQUARES, strict=True):
        assert abs(leg.distance_m - before) <= 0.03 * before, (leg.from_id, leg.distance_m)
