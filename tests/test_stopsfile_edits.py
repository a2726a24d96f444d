"""Editing the stops of a document: insert, move, remove, renumber, re-route what changed."""

from __future__ import annotations

import json

import pytest

from tourapp import stopsfile
from tourapp.geodata.routing.network import NetworkRouter
from tourapp.stopsfile import edits

from .conftest import small_doc

# A meridian street under the small tour's three stops (3.88, 43.60 … 43.618).
STREET = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"LIB_OFF": "Rue du Méridien"},
    "geometry": {"type": "LineString", "coordinates": [[3.88, 43.595], [3.88, 43.625]]}}]}


def tour_of(document):
    return stopsfile.parse(json.dumps(document).encode())


def test_add_stop_inserts_after_its_stop_renumbers_and_routes_both_sides():
    document = small_doc()
    tour = tour_of(document)
    props = {"name_fr": "Nouvelle", "name_en": "New", "duration_min": 10}
    edits.add_stop(document, tour, "new", props, (43.605, 3.88), "a")
    ids = [f["properties"]["id"] for f in document["features"]]
    assert ids == ["a", "new", "b", "c"]
    assert [f["properties"]["order"] for f in document["features"]] == [1, 2, 3, 4]
    assert document["features"][1]["geometry"]["coordinates"] == [3.88, 43.605]
    router = NetworkRouter(STREET["features"])
    edited = edits.reroute(document, "t", router, lambda a, b: "new" in (a, b), 10**6)
    assert [(leg.start.id, leg.end.id) for leg in edited.routed] == [("a", "new"), ("new", "b")]
    assert [leg.routed for leg in edited.tour.legs] == [True, True, False]


@pytest.mark.parametrize(
    ("stop_id", "after", "message"),
    [("a", "b", 'a stop with the id "a" already exists'),
     ("x y", "b", '"x y" cannot be a stop id'),
     ("x", "ghost", 'no stop has the id "ghost"')],
)
def test_add_stop_refusals(stop_id, after, message):
    document = small_doc()
    with pytest.raises(edits.EditError, match=message):
        edits.add_stop(document, tour_of(document), stop_id, {}, (43.6, 3.88), after)
    assert document == small_doc()


def test_removing_the_first_stop_hands_the_tour_facts_to_the_next():
    document = small_doc()
    edits.remove_stop(document, tour_of(document), "a")
    tour = tour_of(document)
    assert [s.id for s in tour.stops] == ["b", "c"] and [s.order for s in tour.stops] == [1, 2]
    assert tour.title["en"] == "Test walk"


def test_a_stop_the_router_cannot_reach_is_refused():
    document = small_doc()
    edits.move_stop(document, "b", (43.609, 3.90), None)  # 1.6 km east of the street
    router = NetworkRouter(STREET["features"])
    with pytest.raises(edits.EditError, match=r'leg 1 \("a" → "b"\): stop "b" is 1,6\d\d m'):
        edits.reroute(document, "t", router, lambda a, b: "b" in (a, b), 10**6)
