"""Maneuver detection and step merging, shared by both routers."""

from __future__ import annotations

import pytest

from tourapp.domain.tour import Step
from tourapp.geodata.routing import steps

from .networks import at


@pytest.mark.parametrize(
    ("turn", "expected"),
    [
        (0, "straight"),
        (24.9, "straight"),
        (-24.9, "straight"),
        (25, "slight right"),
        (-59.9, "slight left"),
        (60, "right"),
        (-90, "left"),
        (119.9, "right"),
        (120, "sharp right"),
        (-169.9, "sharp left"),
        (170, "uturn"),
        (-180, "uturn"),
    ],
)
def test_direction_bands(turn, expected):
    assert steps.direction(turn) == expected


@pytest.mark.parametrize(
    ("bearing", "expected"),
    [
        (0, "north"),
        (22.4, "north"),
        (22.5, "northeast"),
        (90, "east"),
        (200, "south"),
        (225, "southwest"),
        (292.5, "northwest"),
        (359, "north"),
    ],
)
def test_cardinal_points(bearing, expected):
    assert steps.cardinal(bearing) == expected


def test_turn_is_signed_and_wraps():
    assert steps.turn_deg(350, 10) == pytest.approx(20)
    assert steps.turn_deg(10, 350) == pytest.approx(-20)
    assert steps.turn_deg(0, 270) == pytest.approx(-90)


def path_steps(points, names, junctions=None):
    path = [at(*p) for p in points]
    return [
        (s.maneuver, s.direction, s.street, round(s.distance_m))
        for s in steps.from_path(path, names, junctions or [True] * len(path))
    ]


def test_wobbly_centre_line_is_one_step():
    # A hand-drawn street: 3 m sideways wiggles every 4 m (74° between segments,
    # every vertex a junction) are not turns: bearings are taken over 20 m.
    points = [(x, 3 if (x // 4) % 2 else 0) for x in range(0, 204, 4)]
    result = path_steps(points, ["Rue Tordue"] * (len(points) - 1))
    assert result[0][:3] == ("depart", "east", "Rue Tordue") and len(result) == 2


def test_name_change_going_straight_is_continue():
    result = path_steps([(0, 0), (100, 0), (250, 5)], ["Rue A", "Rue B"])
    assert result == [
        ("depart", "east", "Rue A", 100),
        ("continue", "straight", "Rue B", 150),
        ("arrive", "", "Rue B", 0),
    ]


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ((140, 40), "slight left"),
        ((100, 100), "left"),
        ((40, 80), "sharp left"),
        ((140, -40), "slight right"),
        ((100, -100), "right"),
        ((40, -80), "sharp right"),
    ],
)
def test_turn_directions_at_a_corner(end, expected):
    result = path_steps([(0, 0), (100, 0), end], ["Rue A", "Rue B"])
    assert result[1][:3] == ("turn", expected, "Rue B")


def test_short_first_stretch_joins_the_next_step():
    # Snapped 5 m from a corner on a side street: the walk starts on the main street.
    result = path_steps([(0, -5), (0, 0), (200, 0)], ["Impasse", "Avenue"])
    assert result == [("depart", "east", "Avenue", 205), ("arrive", "", "Avenue", 0)]


def test_short_crossing_between_two_parts_of_a_street_is_merged():
    result = path_steps(
        [(0, 0), (100, 0), (110, 0), (300, 0)], ["Rue A", "Place du Marché", "Rue A"]
    )
    assert result == [("depart", "east", "Rue A", 300), ("arrive", "", "Rue A", 0)]


def test_merge_joins_straight_steps_on_one_street():
    found = steps.merge(
        [
            Step("depart", "north", "Rue A", 50),
            Step("continue", "straight", "Rue A", 70),
            Step("turn", "left", "Rue A", 20),
            Step("continue", "straight", "Rue B", 10),
            Step("continue", "", "Rue B", 5),
            Step("arrive", "", "Rue B", 0),
        ]
    )
    assert [(s.maneuver, s.direction, s.street, s.distance_m) for s in found] == [
        ("depart", "north", "Rue A", 120),
        ("turn", "left", "Rue A", 20),
        ("continue", "straight", "Rue B", 15),
        ("arrive", "", "Rue B", 0),
    ]


def test_a_path_needs_two_points():
    with pytest.raises(ValueError):
        steps.from_path([at(0, 0)], [], [True])


def test_a_crossing_is_a_step_of_its_own_named_after_the_square():
    # Issue 22: the walk goes straight across the square; the same name on its side is
    # walking along it, a step of its own.
    path = [at(0, 0), at(0, 50), at(0, 80), at(60, 140), at(60, 230)]
    names = ["Rue A", "Place B", "Place B", "Rue C"]
    junctions = [False, True, True, True, False]
    steps_across = steps.from_path(path, names, junctions, [False, False, True, False])
    assert [(s.maneuver, s.street, round(s.distance_m)) for s in steps_across] == [
        ("depart", "Rue A", 50), ("continue", "Place B", 30), ("cross", "Place B", 85),
        ("turn", "Rue C", 90), ("arrive", "Rue C", 0)]
    along = steps.from_path(path, names, junctions)
    assert "cross" not in [s.maneuver for s in along]
