"""Arrival and departure arithmetic."""

from __future__ import annotations

import datetime as dt

from tourapp.domain import schedule
from tourapp.domain.tour import Leg, Localized, Stop

DAY = dt.date(2018, 11, 20)
TEXT = Localized("x", "x")


def stop(order, duration, arrive_at=None):
    return Stop(f"s{order}", order, (43.6, 3.88), TEXT, TEXT, TEXT, duration, arrive_at)


def leg(minutes):
    return Leg("a", "b", ((0, 0), (0, 0)), 100.0, minutes)


def times(visits):
    return [(f"{v.arrival:%H:%M}", f"{v.departure:%H:%M}") for v in visits]


def test_durations_and_walks_add_up():
    visits, warnings = schedule.compute(
        (stop(1, 0), stop(2, 30), stop(3, 45)), (leg(9), leg(23)), DAY, "Europe/Paris", dt.time(13, 30)
    )
    assert times(visits) == [("13:30", "13:30"), ("13:39", "14:09"), ("14:32", "15:17")]
    assert warnings == ()
    assert visits[0].arrival.utcoffset() == dt.timedelta(hours=1)  # CET in November


def test_an_early_group_waits_for_a_fixed_time():
    visits, warnings = schedule.compute(
        (stop(1, 10), stop(2, 20, dt.time(14, 0))), (leg(5),), DAY, "Europe/Paris", dt.time(13, 30)
    )
    assert times(visits) == [("13:30", "13:40"), ("14:00", "14:20")]
    assert warnings == () and visits[1].late_min == 0


def test_a_fixed_time_that_cannot_be_met_is_reported():
    visits, warnings = schedule.compute(
        (stop(1, 40), stop(2, 20, dt.time(14, 0))), (leg(12),), DAY, "Europe/Paris", dt.time(13, 30)
    )
    assert times(visits)[1] == ("14:22", "14:42")
    assert visits[1].late_min == 22
    assert warnings == (
        'stop 2 ("s2"): fixed arrival 14:00 cannot be met: the group arrives at 14:22, 22 min late',
    )


def test_overrun_of_the_planned_end():
    visits, _ = schedule.compute((stop(1, 0), stop(2, 50)), (leg(20),), DAY, "Europe/Paris", dt.time(15, 0))
    assert schedule.overrun_min(visits, dt.time(16, 0)) == 10
    assert schedule.overrun_min(visits, dt.time(16, 30)) == 0
    assert schedule.overrun_min((), dt.time(16, 0)) == 0


def test_times_follow_the_tours_time_zone():
    visits, _ = schedule.compute((stop(1, 0),), (), dt.date(2018, 7, 1), "Europe/Paris", dt.time(9, 0))
    assert visits[0].arrival.utcoffset() == dt.timedelta(hours=2)  # CEST in summer


def test_a_walk_that_would_end_early_ends_at_its_planned_end():
    """One end time (issue 20, point 7): the last visit runs until the announced end, so the
    page, the card, the calendar and the run sheet all say 16 h 00, not 15 h 57."""
    stops, legs = (stop(1, 0), stop(2, 30), stop(3, 30)), (leg(9), leg(23))
    visits, _ = schedule.compute(stops, legs, DAY, "Europe/Paris", dt.time(13, 30), dt.time(16, 0))
    assert times(visits) == [("13:30", "13:30"), ("13:39", "14:09"), ("14:32", "16:00")]
    assert [v.minutes for v in visits] == [0, 30, 88]
    # Exactly on time, or without a planned end: the computed end.
    on_time, _ = schedule.compute(stops, legs, DAY, "Europe/Paris", dt.time(13, 30), dt.time(15, 2))
    assert times(on_time)[-1] == ("14:32", "15:02")
    no_end, _ = schedule.compute(stops, legs, DAY, "Europe/Paris", dt.time(13, 30))
    assert times(no_end)[-1] == ("14:32", "15:02")


def test_a_walk_that_runs_past_its_planned_end_keeps_its_computed_end():
    stops, legs = (stop(1, 0), stop(2, 50)), (leg(20),)
    visits, _ = schedule.compute(stops, legs, DAY, "Europe/Paris", dt.time(15, 0), dt.time(16, 0))
    assert times(visits)[-1] == ("15:20", "16:10")
    assert schedule.overrun_min(visits, dt.time(16, 0)) == 10
    # A walk that ends on arriving at a place with no visit: the time left is no visit.
    short, _ = schedule.compute((stop(1, 10), stop(2, 0)), (leg(5),), DAY, "Europe/Paris",
                                dt.time(15, 0), dt.time(16, 0))
    assert times(short) == [("15:00", "15:10"), ("15:15", "15:15")]
