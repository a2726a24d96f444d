"""tourapp.domain.geo: geopy's great-circle distance and bearings, without a geopy object per segment."""

from __future__ import annotations

import random

import pytest
from geopy.distance import great_circle

from tourapp.domain import geo


def at(east_m: float, north_m: float) -> tuple[float, float]:
    """A point ``east_m`` east and ``north_m`` north of a spot in Montpellier."""
    return (43.6 + north_m / 111_195, 3.88 + east_m / (111_195 * 0.7242))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 57, 2000])
def test_same_metres_as_geopy_great_circle(n):
    rng = random.Random(n)
    path = [(rng.uniform(-89.9, 89.9), rng.uniform(-180, 180)) for _ in range(n)]
    expected = sum(great_circle(a, b).meters for a, b in zip(path, path[1:], strict=False))
    assert geo.path_length_m(path) == expected


@pytest.mark.parametrize("seed", range(5))
def test_distance_is_geopy_great_circle(seed):
    rng = random.Random(seed)
    a = (rng.uniform(-89.9, 89.9), rng.uniform(-180, 180))
    b = (rng.uniform(-89.9, 89.9), rng.uniform(-180, 180))
    assert geo.distance_m(a, b) == great_circle(a, b).meters


def test_one_kilometre_along_a_meridian():
    assert geo.path_length_m([(43.60, 3.88), (43.60 + 0.008993, 3.88)]) == pytest.approx(1000, abs=0.5)


def test_bearing_and_distance_on_the_ground():
    assert geo.bearing_deg(at(0, 0), at(0, 100)) == pytest.approx(0, abs=0.01)
    assert geo.bearing_deg(at(0, 0), at(100, 0)) == pytest.approx(90, abs=0.1)
    assert geo.bearing_deg(at(0, 0), at(0, -100)) == pytest.approx(180, abs=0.01)
    assert geo.distance_m(at(0, 0), at(300, 400)) == pytest.approx(500, abs=0.5)
