"""GPX downloads in the current language: texts, titles and bodies.

One path for the whole walk and for a single leg, shared by the download views and
``flask tour gpx`` so that both give the same bytes.
"""

from __future__ import annotations

import datetime as dt

from flask import g
from flask_babel import gettext as _

from ..domain.tour import Tour
from . import gpx
from .i18n import clock, distance, minutes


def wording() -> gpx.Wording:
    """The GPX texts in the current language."""
    return gpx.Wording(
        clock=clock,
        stop_type=_("Stop"),
        leg_name=lambda number, start, end: _(
            "Walk %(number)d: %(start)s → %(end)s",
            number=number, start=start.name[g.lang], end=end.name[g.lang],
        ),
        leg_description=lambda leg: _(
            "Walk %(distance)s, about %(time)s",
            distance=distance(leg.distance_m), time=minutes(leg.walk_min),
        ),
    )


def gpx_text(tour: Tour, lang: str, page_url: str, created: dt.datetime, leg: int | None) -> str:
    """The walk (``leg=None``) or one leg, numbered from 1, as GPX 1.1 text."""
    if leg is None:
        return gpx.tour_gpx(tour, lang, page_url, created, wording())
    return gpx.leg_gpx(tour, leg, lang, page_url, created, wording())


def gpx_title(tour: Tour, lang: str, leg: int | None) -> str:
    """What the downloaded file is called, before its extension."""
    title = tour.title[lang]
    if leg is None:
        return title
    # One message, never _() inside an f-string: the extractor cannot see into those.
    return _("%(title)s – walk %(number)d", title=title, number=leg)
