"""How the group's reports shift the remaining stops (pure arithmetic, no app)."""

from __future__ import annotations

import pytest

from tourapp import stopsfile
from tourapp.live.estimate import Event, PlannedStop, WalkClock, planned, progress

from .conftest import SEEDED

# Four stops: 13:30 (no visit), 13:39–14:09, 14:32–15:12, 15:27–15:57 (the seeded walk's times,
# but for its last visit, which runs until the planned end there).
PLAN = (
    PlannedStop("a", 810, 810, 0, 0, None),
    PlannedStop("b", 819, 849, 30, 9, None),
    PlannedStop("c", 872, 912, 40, 23, None),
    PlannedStop("d", 927, 957, 30, 15, None),
)


def arrivals(p):
    return [round(s.arrival) for s in p.stops]


def test_seeded_walk_gives_the_plan_in_minutes():
    plan = planned(stopsfile.load(SEEDED))
    assert [(s.id, s.arrival, s.departure) for s in plan] == [
        ("hotel-de-metropole", 810, 810),
        ("espace-french-tech", 819, 849),
        ("msh-saint-charles", 872, 912),
        ("musee-fabre", 927, 960),  # its visit runs until the planned end, 16:00
    ]


def test_no_report_is_the_plan():
    p = progress(PLAN, [], 900)
    assert p.where == "planned" and p.delay_min is None
    assert arrivals(p) == [810, 819, 872, 927]


def test_arriving_nine_minutes_late_shifts_every_later_stop():
    p = progress(PLAN, [Event("a", "arrive", 810), Event("a", "leave", 810),
                        Event("b", "arrive", 828)], now=828)
    assert (p.where, p.stop, p.since, p.delay_min) == ("at", "b", 828, 9)
    assert arrivals(p) == [810, 828, 881, 936]  # 15:27 → 15:36 at the museum
    assert p.stops[1].actual_arrival == 828 and p.stops[1].actual_departure is None
    assert p.stops[2].actual_arrival is None


def test_lingering_at_a_stop_pushes_the_estimate_with_the_clock():
    events = [Event("b", "arrive", 819)]
    assert progress(PLAN, events, now=840).delay_min == 0
    lingering = progress(PLAN, events, now=860)  # planned departure 849: 11 min over
    assert lingering.delay_min == 11
    assert arrivals(lingering)[2] == 860 + 23


def test_walking_longer_than_planned_counts_from_now():
    events = [Event("b", "arrive", 819), Event("b", "leave", 849)]
    on_time = progress(PLAN, events, now=860)
    assert (on_time.where, on_time.stop, on_time.delay_min) == ("walking", "c", 0)
    slow = progress(PLAN, events, now=880)  # due at 872, still walking
    assert slow.delay_min == 8 and arrivals(slow)[2:] == [880, 880 + 40 + 15]


def test_early_group_is_early_but_waits_for_a_fixed_time():
    plan = PLAN[:2] + (PlannedStop("c", 872, 912, 40, 23, 872),) + PLAN[3:]
    p = progress(plan, [Event("b", "arrive", 814), Event("b", "leave", 844)], now=844)
    assert p.delay_min == -5
    assert arrivals(p)[2] == 872  # the fixed arrival holds


def test_leaving_the_last_stop_finishes_the_walk():
    p = progress(PLAN, [Event("d", "arrive", 930), Event("d", "leave", 955)], now=956)
    assert (p.where, p.stop, p.delay_min) == ("finished", None, None)


def test_reports_of_unknown_stops_are_ignored():
    assert progress(PLAN, [Event("gone", "arrive", 830)], 830).where == "planned"


@pytest.mark.parametrize("speed", [1, 10])
def test_walk_clock_runs_at_its_speed(speed):
    clock = WalkClock(real_s=1000.0, plan_min=810, speed=speed)
    assert clock.minute(1000.0 + 60) == 810 + speed
    assert WalkClock.from_dict(clock.to_dict()) == clock


def test_wall_clock_is_the_time_of_day_in_the_tour_zone():
    # 2018-11-20 12:48:00 UTC is 13:48 in Paris.
    assert WalkClock.wall(1542718080.0, "Europe/Paris").plan_min == 13 * 60 + 48
