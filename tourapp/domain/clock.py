"""Wall-clock times of the walk: the HH:MM pattern and minutes of the day, written once."""

from __future__ import annotations

import datetime as dt
import re

HHMM_RE = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
"""A time of day as people write it: ``H:MM`` or ``HH:MM``, 00:00 to 23:59."""


def parse_hhmm(value: object) -> dt.time | None:
    """``HH:MM`` as a time, or None when absent or malformed (the whole text must match)."""
    if not isinstance(value, str) or len(value) > 5:
        return None
    match = HHMM_RE.fullmatch(value)  # not match(): "$" would let "14:05\n" through
    return dt.time(int(match[1]), int(match[2])) if match else None


def minutes_of(time: dt.time) -> int:
    """Minutes since midnight of a time of day (seconds dropped)."""
    return time.hour * 60 + time.minute


def minute_of_day(moment: dt.datetime, date: dt.date) -> float:
    """Wall-clock minutes since midnight of ``date`` (beyond 1440 past midnight).

    Same tzinfo on both sides: Python subtracts wall-clock times, as the scripts do.
    """
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=moment.tzinfo)
    return (moment - midnight).total_seconds() / 60


def whole_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Whole minutes from ``start`` to ``end``, rounded down (negative when end is before)."""
    return int((end - start).total_seconds() // 60)
