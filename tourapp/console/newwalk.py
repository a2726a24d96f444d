"""A new walk from its facts and rows pasted from a spreadsheet: geocoded, routed, checked.

Rows are lines of cells separated by tabs (what a spreadsheet copies) or semicolons:
``name; address; minutes`` or ``name in French; name in English; address; minutes``.
A first row whose last cell is not a number is a header, skipped. The address may be a
point written ``43.6085, 3.8800`` (latitude, longitude) for a place the geocoder cannot
know. Nothing here writes: ``build`` gives the document and the tour it loads as, or
the problems, row by row, in the page's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import gettext

from .. import stopsfile
from ..domain.tour import Tour
from ..geodata import geocoding
from ..render import wording
from ..stopsfile import edits
from . import forms, services

POINT_RE = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
MAX_ROWS = 60


@dataclass
class Row:
    """One stop as pasted."""

    line: int
    name_fr: str
    name_en: str
    address: str
    minutes: int | None


@dataclass
class Built:
    """The new walk's document and tour, or what stops it (by row, and overall)."""

    document: dict | None = None
    tour: Tour | None = None
    row_problems: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def rows(text: str) -> tuple[list[Row], dict[int, str]]:
    """The pasted rows, and the problems of those that cannot be read (by line number)."""
    found: list[Row] = []
    problems: dict[int, str] = {}
    lines = [(n, line) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]
    for position, (number, line) in enumerate(lines):
        cells = [c.strip() for c in (line.split("\t") if "\t" in line else line.split(";"))]
        while cells and not cells[-1]:
            cells.pop()
        minutes = forms.minutes(cells[-1]) if cells else None
        if position == 0 and len(cells) in (3, 4) and all(forms.minutes(c) is None
                                                         for c in cells):
            continue  # a header row: no cell is a number
        if len(cells) == 3:
            name_fr, address = cells[0], cells[1]
            name_en = name_fr
        elif len(cells) == 4:
            name_fr, name_en, address = cells[0], cells[1] or cells[0], cells[2]
        else:
            problems[number] = gettext(
                "Row %(line)d: write “name; address; minutes” or “name in French; name in "
                "English; address; minutes” (cells separated by tabs or semicolons).",
                line=number)
            continue
        if minutes is None:
            problems[number] = gettext("Row %(line)d: the last cell must be minutes, such as "
                                       "20; got “%(got)s”.", line=number, got=cells[-1])
            continue
        if not name_fr or not address:
            problems[number] = gettext("Row %(line)d: a stop needs a name and an address "
                                       "(or a point such as 43.6085, 3.8800).", line=number)
            continue
        found.append(Row(number, name_fr, name_en, address, minutes))
    if len(found) > MAX_ROWS:
        problems[0] = gettext("At most %(max)d stops.", max=MAX_ROWS)
    return found, problems


def build(app: Flask, facts: dict[str, str], text: str, near: Tour | None) -> Built:
    """Geocode, route and load the new walk; ``near``: the walk served, to tell towns apart."""
    result = Built()
    found, result.row_problems = rows(text)
    if not found and not result.row_problems:
        result.problems.append(gettext("Paste at least one row: name; address; minutes."))
    features: list[dict[str, Any]] = []
    taken: set[str] = set()
    geocoder = geocoding.from_config(app.config)
    centre = edits.centre(near) if near is not None and near.stops else None
    for row in found:
        point = POINT_RE.match(row.address)
        if point:
            location = (float(point[1]), float(point[2]))
        else:
            try:
                location = geocoder.locate(row.address, near=centre).location
            except geocoding.GeocodingError as failed:
                result.row_problems[row.line] = gettext(
                    "Row %(line)d: no single place was found for “%(address)s” (%(reason)s): "
                    "write it more fully, or give its point such as 43.6085, 3.8800.",
                    line=row.line, address=row.address,
                    reason=forms.geocoder_reason(failed.reason))
                continue
        base = forms.slug(row.name_fr)
        ident = next(f"{base}-{n}" if n else base for n in range(len(taken) + 1)
                     if (f"{base}-{n}" if n else base) not in taken)
        taken.add(ident)
        address = "" if point else row.address
        props = {"id": ident, "order": len(features) + 1, "name_fr": row.name_fr,
                 "name_en": row.name_en, "duration_min": row.minutes}
        if address:
            props.update(address_fr=address, address_en=address)
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point",
                                      "coordinates": [round(location[1], 7),
                                                      round(location[0], 7)]}})
    if result.row_problems or result.problems:
        return result
    tour_facts = {f"tour_{k}": v.strip() for k, v in facts.items() if v.strip()}
    for key in ("tour_start", "tour_end"):  # « 14h », « 14 h 30 » as organisers write them
        if key in tour_facts and (written := forms.clock(tour_facts[key])):
            tour_facts[key] = written
    tour_facts.setdefault("tour_timezone", near.timezone if near is not None else "Europe/Paris")
    features[0]["properties"].update(tour_facts)
    document = {"type": "FeatureCollection", "features": features}
    name = Path(app.config["TOUR_DATA"]).name
    try:
        edited = edits.reroute(document, name, services.StreetRouter(app),
                               lambda a, b: True, app.config["TOUR_MAX_BYTES"])
    except edits.EditError as refused:
        # The loader's problems first, worded in the page's language, beside the facts.
        try:
            stopsfile.parse(stopsfile.dumps(document).encode(), name,
                            max_bytes=app.config["TOUR_MAX_BYTES"])
        except stopsfile.TourError as invalid:
            result.problems += [wording.problem(p) for p in invalid.problems]
        else:
            result.problems.append(wording.problem(edits.said(refused)))
        return result
    result.document = edits.document_of(edited.text.encode())
    result.tour = edited.tour
    return result
