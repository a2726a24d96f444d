"""Domain helpers: distances, walking minutes, texts by language."""

from __future__ import annotations

import dataclasses

import pytest

from tourapp.domain.tour import Localized, path_length_m, walk_minutes


def test_path_length_sums_segments():
    # 0.008993° of latitude is 1,000 m on geopy's great circle (mean radius 6,371.009 km).
    one = path_length_m([(43.6, 3.88), (43.6 + 0.008993, 3.88)])
    assert one == pytest.approx(1000, abs=1)
    two = path_length_m([(43.6, 3.88), (43.6 + 0.008993, 3.88), (43.6, 3.88)])
    assert two == pytest.approx(2 * one)
    assert path_length_m([(43.6, 3.88)]) == 0


@pytest.mark.parametrize(
    ("metres", "speed", "minutes"),
    [(0, 4.5, 0), (75, 4.5, 1), (76, 4.5, 2), (1000, 4.5, 14), (1000, 6, 10), (1000, 3, 20)],
)
def test_walk_minutes_round_up(metres, speed, minutes):
    assert walk_minutes(metres, speed) == minutes


def test_localized_by_language():
    text = Localized("bonjour", "hello")
    assert text["fr"] == "bonjour" and text["en"] == "hello"
    with pytest.raises(KeyError):
        text["de"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        text.fr = "salut"
