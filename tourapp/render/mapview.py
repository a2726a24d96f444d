"""The tour as a folium map, rendered to one JavaScript file per tour version and language.

Stop texts never pass through folium's ``Popup`` or ``Tooltip``: those insert
raw HTML into JavaScript template literals. Each marker gets its texts as a
JSON literal instead, and ``static/js/tour-map.js`` builds the popup and the
tooltip with ``textContent``.

folium renders every element's script twice: the output of an element's
template becomes the source of a second Jinja template (branca's
``Element(script(...))``). A file text holding ``{{ … }}`` or ``{% … %}`` would
run as template code on the server (or fail with a 500). Every text from the
file that reaches folium goes through :func:`inert_json` or :func:`inert_html`.
"""

from __future__ import annotations

import itertools
import json
import re
import threading

import branca.element
import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from ..domain.tour import Tour
from ..system.gcpause import gc_paused

_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def inert_json(value) -> str:
    """JSON for a script that survives folium's second Jinja pass and an HTML parser."""
    text = json.dumps(value, ensure_ascii=True)
    # "{{", "{%" and "{#" can only occur inside JSON strings, where \u007b is the same "{".
    text = _JINJA_OPEN.sub(r"\\u007b", text)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inert_html(html: str) -> str:
    """HTML (already escaped) whose braces cannot start a Jinja tag: they become entities."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


_RENDER_LOCK = threading.Lock()
"""Serialises building and rendering maps: script() swaps a branca global meanwhile."""


class TourMap(folium.Map):
    """A folium map that loads nothing from a CDN: the page serves Leaflet itself."""

    default_js: list = []
    default_css: list = []


class StopTexts(JSCSSMixin, folium.MacroElement):
    """Binds a popup and a tooltip built from plain text to its parent marker."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            tourapp.bindStop({{ this._parent.get_name() }}, {{ this.texts_js }});
        {% endmacro %}
        """
    )

    def __init__(self, texts: dict):
        super().__init__()
        self._name = "StopTexts"
        self.texts = texts
        self.texts_js = inert_json(texts)


class FitTour(folium.MacroElement):
    """Fits the map to the tour and registers it and its legs for the page's own scripts.

    The follow card measures the distance left along the legs drawn here: each leg's
    path reaches the browser once, in this script.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            tourapp.register({{ this._parent.get_name() }}, {{ this.bounds|tojson }},
                [{{ this.legs|join(", ") }}]);
        {% endmacro %}
        """
    )

    def __init__(self, bounds, legs):
        super().__init__()
        self._name = "FitTour"
        self.bounds = bounds
        self.legs = legs


def _short(point) -> list[float]:
    # Five decimals of a degree is about a metre: finer than a phone's position
    # (± 5 m at best) and than the 5 px line at the map's highest zoom.
    return [round(point[0], 5), round(point[1], 5)]


def build(tour: Tour, lang: str, labels: dict, tiles: str, attribution: str) -> TourMap:
    """Numbered stop markers, the walking line, safe popups; ids are stable across workers."""
    # Building and rendering a long tour's map allocates a few hundred thousand
    # short-lived objects: the GC is paused meanwhile; the element tree's cycles are
    # collected once it is back on.
    with _RENDER_LOCK, gc_paused():  # not while script() has branca's Element swapped
        return _build(tour, lang, labels, tiles, attribution)


def _build(tour: Tour, lang: str, labels: dict, tiles: str, attribution: str) -> TourMap:
    (south, west), (north, east) = tour.bounds()
    m = TourMap(
        location=_short(((south + north) / 2, (west + east) / 2)),
        zoom_start=15,
        tiles=None,
        control_scale=True,
    )
    m._id = "tour"
    # No view of its own (folium writes ``center: null``): Leaflet then adds the layers once,
    # when FitTour fits the walk to the screen, instead of drawing the tiles, lines and
    # markers at zoom 15 first and again at the zoom the screen needs.
    m.location = None  # type: ignore[assignment]  # folium types it as a list, accepts None
    # CORS tiles (the OpenStreetMap servers allow it): the service worker may keep them
    # for offline use, which it does not do with opaque responses (they cost megabytes of quota).
    # Every element gets its id where it is made (folium's own would be a random uuid4, and
    # every worker must render the same bytes). The "eN" names number the elements in the
    # order of the map's tree, as the script has always named them: the tiles e1, each
    # stop's icon and texts e2k and e2k+1, the fitting last.
    ids = (f"e{n}" for n in itertools.count(1))
    tile_layer = folium.TileLayer(
        tiles=tiles, attr=inert_html(attribution), max_zoom=19, cross_origin=True
    )
    tile_layer._id = next(ids)
    tile_layer.add_to(m)
    legs = []
    for index, leg in enumerate(tour.legs):
        line = folium.PolyLine(
            [_short(p) for p in leg.path],
            color="#0b5cad",
            weight=5,
            opacity=0.85,
            dash_array=None if leg.routed else "8 8",
        ).add_to(m)
        line._id = f"leg{index}"
        legs.append(line)
    for visit in tour.visits:
        stop = visit.stop
        icon = folium.DivIcon(
            html=f'<span class="stop-marker__n">{stop.order}</span>',
            class_name="stop-marker",
            icon_size=(44, 44),  # a 44 px touch target around the 32 px disc
            icon_anchor=(22, 22),
        )
        icon._id = next(ids)
        marker = folium.Marker(_short(stop.location), icon=icon)
        marker._id = f"stop{stop.order}"
        marker.add_to(m)
        texts = StopTexts(
            {
                "id": stop.id,
                "order": stop.order,
                "name": stop.name[lang],
                "time": labels["times"][stop.id],
                "label": labels["marker"][stop.id],
            }
        )
        texts._id = next(ids)
        marker.add_child(texts)
    # The legs' names are stable already (their ids are set above).
    bounds = [_short((south, west)), _short((north, east))]
    fit = FitTour(bounds, [line.get_name() for line in legs])
    fit._id = next(ids)
    fit.add_to(m)
    return m


class _Text(branca.element.Element):
    """Rendered JavaScript kept as text.

    branca wraps each element's rendered script in ``Element(text)``, which
    compiles the text as a Jinja template and renders it again: ``{{ … }}`` in
    a stop's name would run on the server (template injection), and compiling
    is most of the time a large map takes to render.
    """

    def __init__(self, template: str | None = None, template_name: str | None = None):
        super().__init__(template_name=template_name)
        # Jinja drops one trailing newline when it renders a template: keep the same bytes.
        self.text = template[:-1] if template and template.endswith("\n") else template

    def render(self, **kwargs) -> str:
        """The text as it is; a plain ``Element()`` (branca's figures make some) renders all."""
        return super().render(**kwargs) if self.text is None else self.text


def script(m: folium.Map) -> str:
    """The map's JavaScript, ready to serve as a file."""
    figure = m.get_root()
    assert isinstance(figure, branca.element.Figure)  # a folium Map's root is its Figure
    # Why a module global is swapped, not a public API: branca's MacroElement.render (which
    # every folium element uses) builds ``Element(script(self, kwargs))`` by the module-level
    # name ``branca.element.Element``, and neither folium nor branca offers a hook, option or
    # per-instance template for that wrapper. Rendering the scripts ourselves instead would
    # mean re-implementing the render-time children folium adds (Marker's SetIcon, Layer's
    # add-to-map, Class includes) and following them at each folium release. The second
    # Jinja pass is harmless for file texts (inert_json, inert_html), so the swap is about
    # time: the seeded walk's map renders in 30 ms with it, 190 ms without (measured with
    # the same bytes out). _RENDER_LOCK keeps other threads from rendering meanwhile.
    with _RENDER_LOCK, gc_paused():
        original = branca.element.Element
        setattr(branca.element, "Element", _Text)  # noqa: B010  (mypy: a class is not assignable)
        try:
            figure.render()
        finally:
            setattr(branca.element, "Element", original)  # noqa: B010
    return figure.script.render() + "\n"
