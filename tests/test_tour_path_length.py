"""path_length_m computes geopy's great-circle distance without a geopy object per segment."""

from __future__ import annotations

import random

import pytest
from geopy.distance import great_circle

from tourapp.tour import path_length_m


@pytest.mark.parametrize("n", [0, 1, 2, 3, 57, 2000])
def test_same_metres_as_geopy_great_circle(n):
    rng = random.Random(n)
    path = [(rng.uniform(-89.9, 89.9), rng.uniform(-180, 180)) for _ in range(n)]
    expected = sum(great_circle(a, b).meters for a, b in zip(path, path[1:], strict=False))
    assert path_length_m(path) == expected


def test_one_kilometre_along_a_meridian():
    assert path_length_m([(43.60, 3.88), (43.60 + 0.008993, 3.88)]) == pytest.approx(1000, abs=0.5)
