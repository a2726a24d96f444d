"""The seeded walk in data/stops.geojson."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from geopy.distance import geodesic

from tourapp import stopsfile

from .conftest import CITY, SEEDED

ADDRESSES = CITY / "adresses.csv"
EXPECTED = [
    ("hotel-de-metropole", "50, Place Zeus"),
    ("espace-french-tech", "1, Place Francis Ponge"),
    ("msh-saint-charles", "71, Rue Professeur Henri Serre"),
    ("musee-fabre", "39, Boulevard de Bonnes Nouvelles"),
]


@pytest.fixture(scope="module")
def tour():
    return stopsfile.load(SEEDED)


def test_stops_in_walking_order(tour):
    assert [s.id for s in tour.stops] == [ident for ident, _ in EXPECTED]
    assert tour.title.fr == "Déambulation urbaine autour de la Cité intelligente"
    assert tour.date == dt.date(2018, 11, 20) and tour.timezone == "Europe/Paris"


def test_every_stop_is_at_its_address_point(tour):
    with ADDRESSES.open(encoding="utf-8") as handle:
        points = {row["ADR"]: (float(row["Y"]), float(row["X"])) for row in csv.DictReader(handle)}
    for stop, (_, address) in zip(tour.stops, EXPECTED, strict=True):
        assert geodesic(stop.location, points[address]).meters <= 30, stop.id


def test_schedule_fits_the_afternoon(tour):
    assert tour.visits[0].arrival.time() == dt.time(13, 30)
    assert tour.visits[-1].departure.time() <= dt.time(16, 0)
    assert tour.end == dt.time(16, 0)
    assert tour.warnings == ()


def test_every_text_is_bilingual(tour):
    for stop in tour.stops:
        for text in (stop.name, stop.description, stop.address):
            assert text.fr and text.en


def test_attribution_of_the_city_data(tour):
    assert tour.attribution == "Données : Ville de Montpellier — Licence Ouverte"
