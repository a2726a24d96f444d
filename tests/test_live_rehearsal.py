"""The rehearsal script: a guide walking the planned route, sped up (pure)."""

from __future__ import annotations

import pytest
from geopy.distance import great_circle

from tourapp import stopsfile
from tourapp.live.rehearsal import along, script

from .conftest import SEEDED


@pytest.fixture(scope="module")
def tour():
    return stopsfile.load(SEEDED)


def test_points_every_step_along_a_path():
    path = [(43.60, 3.88), (43.60 + 0.008993, 3.88)]  # 1,000 m north
    points = along(path, 300)
    assert [round(d) for d, _ in points] == [0, 300, 600, 900, 1000]
    assert great_circle(points[1][1], path[0]).m == pytest.approx(300, abs=0.5)


def test_script_reports_every_stop_in_order_at_the_sped_up_plan(tour):
    actions = script(tour, speed=10)
    assert actions[0].body == {"type": "clock", "at": "13:30", "speed": 10}
    events = [(a.body["type"], a.body["stop"], round(a.at_s)) for a in actions
              if a.body["type"] in ("arrive", "leave")]
    # 13:39 is 9 min after the start: 54 s at 10×; the museum at 15:27, 702 s.
    assert events == [
        ("arrive", "hotel-de-metropole", 0), ("leave", "hotel-de-metropole", 0),
        ("arrive", "espace-french-tech", 54), ("leave", "espace-french-tech", 234),
        ("arrive", "msh-saint-charles", 372), ("leave", "msh-saint-charles", 612),
        ("arrive", "musee-fabre", 702),
    ]
    assert actions[-1].body == {"type": "stop"}
    assert [a.at_s for a in actions] == sorted(a.at_s for a in actions)


def test_positions_follow_the_legs_every_20_m(tour):
    actions = [a for a in script(tour, speed=10) if a.body["type"] == "position"]
    between = [(a.body["lat"], a.body["lon"]) for a in actions]
    gaps = [great_circle(a, b).m for a, b in zip(between, between[1:], strict=False)]
    assert max(gaps) <= 21 + 1e-6
    assert len(actions) > (668 + 1719 + 1101) / 20  # every leg walked
    # Positions may be dropped when the rehearsal runs late; the one at each stop may not.
    at_stops = [a for a in actions if not a.optional]
    assert len(at_stops) == len(tour.stops)
