"""Turn-by-turn steps as sentences people can follow, in the page's language.

Every sentence comes from the translation catalogs. French needs one thing the
catalogs cannot do: the article and preposition that go with a street's type
(« dans la rue de la Loge », « sur le boulevard Louis Blanc », « sur la place
de la Comédie »); ``streets.phrase`` supplies it, and the French catalog
leaves the preposition to it (msgstr « Tournez %(direction)s %(street)s »).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from flask import Flask
from flask_babel import get_locale, gettext, pgettext

from ..domain.tour import Leg, Step, Stop, Tour
from ..geodata import streets
from .i18n import distance


def _direction_word(direction: str) -> str | None:
    """A turn's direction in words (None for straight on)."""
    words = {
        "left": pgettext("turn", "left"),
        "right": pgettext("turn", "right"),
        "slight left": pgettext("turn", "slightly left"),
        "slight right": pgettext("turn", "slightly right"),
        "sharp left": pgettext("turn", "sharp left"),
        "sharp right": pgettext("turn", "sharp right"),
    }
    return words.get(direction)


def _heading(direction: str) -> str | None:
    """A compass point in words, with its article in French (« vers l'est »)."""
    words = {
        "north": pgettext("heading", "north"),
        "northeast": pgettext("heading", "northeast"),
        "east": pgettext("heading", "east"),
        "southeast": pgettext("heading", "southeast"),
        "south": pgettext("heading", "south"),
        "southwest": pgettext("heading", "southwest"),
        "west": pgettext("heading", "west"),
        "northwest": pgettext("heading", "northwest"),
    }
    return words.get(direction)


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def street_phrase(name: str, lang: str) -> str:
    """How a sentence names a street: as written in English, with its preposition in French."""
    return streets.phrase(name, lang)


def sentence(step: Step, destination: str = "") -> str:
    """One step as an instruction, e.g. "Turn left onto Rue de la Loge"."""
    street = street_phrase(step.street, _lang()) if step.street else ""
    if step.maneuver == "cross" and step.street:
        return _crossing(step)
    if step.maneuver == "depart":
        heading = _heading(step.direction)
        if heading is None:
            return gettext("Start on %(street)s", street=street) if street else gettext("Start")
        if street:
            return gettext("Head %(heading)s on %(street)s", heading=heading, street=street)
        return gettext("Head %(heading)s", heading=heading)
    if step.maneuver == "arrive":
        if destination:
            return gettext("Arrive at %(stop)s", stop=destination)
        return gettext("Arrive at the next stop")
    if step.direction == "uturn":
        if street:
            return gettext("Make a U-turn onto %(street)s", street=street)
        return gettext("Make a U-turn")
    word = _direction_word(step.direction)
    if word is None:  # straight on, or a direction this version does not know
        if street:
            return gettext("Continue straight onto %(street)s", street=street)
        return gettext("Continue straight")
    if street:
        return gettext("Turn %(direction)s onto %(street)s", direction=word, street=street)
    return gettext("Turn %(direction)s", direction=word)


def _crossing(step: Step) -> str:
    """« Traversez la place de la Comédie », with the heading or the turn before it."""
    square = streets.named(step.street, _lang())
    heading = _heading(step.direction)
    if heading is not None:  # the leg starts with the crossing
        return gettext("Head %(heading)s across %(square)s", heading=heading, square=square)
    word = _direction_word(step.direction)
    if word is not None:
        return gettext("Turn %(direction)s and cross %(square)s", direction=word, square=square)
    return gettext("Cross %(square)s", square=square)


def then(step: Step) -> str:
    """How far the step goes, e.g. « Continuez sur 150 m » ("" for the arrival)."""
    if step.maneuver == "arrive" or step.distance_m <= 0:
        return ""
    # Steps are at least 15 m (routing.steps.MIN_STEP_M): never show "0 m".
    return gettext("Continue for %(distance)s", distance=distance(max(step.distance_m, 10)))


@dataclass(frozen=True)
class Instruction:
    """A step in words: what to do, and for how far."""

    text: str
    then: str


@dataclass(frozen=True)
class AppLink:
    """A link that opens walking directions in a maps app."""

    label: str
    url: str


def instructions(leg: Leg, destination: str = "", spellings: dict[str, str] | None = None
                 ) -> list[Instruction]:
    """The steps of a leg as sentences in the current language; a street the stops'
    addresses name is written as they write it (``streets.address_streets``)."""
    steps = [replace(step, street=streets.spelled_as(step.street, spellings)) if spellings
             and step.street else step for step in leg.steps]
    return [Instruction(sentence(step, destination), then(step)) for step in steps]


def app_links(start: Stop, end: Stop, lang: str) -> list[AppLink]:
    """Walking directions from ``start`` to ``end`` in the usual maps apps."""
    a = f"{start.location[0]:.6f},{start.location[1]:.6f}"
    b = f"{end.location[0]:.6f},{end.location[1]:.6f}"
    name = end.name[lang]
    return [
        # RFC 5870 geo: URI, with the label Android maps apps read from q=…(label).
        AppLink(gettext("My maps app"), f"geo:{b}?q={b}({quote(name, safe='')})"),
        AppLink(
            "OpenStreetMap",
            "https://www.openstreetmap.org/directions?"
            + urlencode({"engine": "fossgis_osrm_foot", "route": f"{a};{b}"}),
        ),
        AppLink(
            "Google Maps",
            "https://www.google.com/maps/dir/?"
            + urlencode({"api": 1, "origin": a, "destination": b, "travelmode": "walking"}),
        ),
        AppLink(
            "Apple Maps",
            "https://maps.apple.com/?" + urlencode({"saddr": a, "daddr": b, "dirflg": "w"}),
        ),
    ]


@dataclass(frozen=True)
class LegDirections:
    """What the page shows for a leg: its steps in words and the maps-app links."""

    steps: list[Instruction]
    links: list[AppLink]


def leg_directions(tour: Tour, index: int, lang: str) -> LegDirections:
    """Directions for leg ``index`` of ``tour`` (for templates)."""
    leg = tour.legs[index]
    start, end = tour.stop(leg.from_id), tour.stop(leg.to_id)
    assert start is not None and end is not None  # the loader keeps only legs between stops
    spellings = streets.address_streets(stop.address[lang] for stop in tour.stops)
    return LegDirections(instructions(leg, end.name[lang], spellings), app_links(start, end, lang))


def init_app(app: Flask) -> None:
    """Make ``leg_directions`` available to templates."""
    app.jinja_env.globals["leg_directions"] = leg_directions
