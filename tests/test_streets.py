"""Street names in sentences: French articles and prepositions, English as written."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from tourapp.geodata import streets

from .conftest import ROOT

VOIES = ROOT / "data" / "montpellier" / "voies.geojson"

# Each street type of the city's network (TYPVOI) → how French walks into a street whose
# name starts with the type's word.
BY_TYPE = {
    "RUE": ("Rue", "dans la rue"),
    "AV": ("Avenue", "dans l'avenue"),
    "PL": ("Place", "sur la place"),
    "ALL": ("Allée", "dans l'allée"),
    "IMP": ("Impasse", "dans l'impasse"),
    "BD": ("Boulevard", "sur le boulevard"),
    "RDPT": ("Rond-point", "sur le rond-point"),
    "RTE": ("Route", "sur la route"),
    "COUR": ("Cour", "dans la cour"),
    "VOIE": ("Voie", "sur la voie"),
    "CHEM": ("Chemin", "sur le chemin"),
    "CARR": ("Carrefour", "sur le carrefour"),
    "SQUA": ("Square", "dans le square"),
    "PASS": ("Passage", "dans le passage"),
    "QUAI": ("Quai", "sur le quai"),
    "PLAN": ("Plan", "sur le plan"),
    "PONT": ("Pont", "sur le pont"),
    "ESPL": ("Esplanade", "sur l'esplanade"),
    "AUTO": ("Autoroute", "sur l'autoroute"),
    "PARC": ("Parc", "dans le parc"),
    "PARK": ("Parking", "dans le parking"),
    "ESPA": ("Espace", "dans l'espace"),
    "BASS": ("Bassin", "le long du bassin"),
    "TUN": ("Tunnel", "dans le tunnel"),
    "DESC": ("Descente", "dans la descente"),
    "ENCL": ("Enclos", "dans l'enclos"),
    "VIAD": ("Viaduc", "sur le viaduc"),
}
# Names whose first word is another type than their TYPVOI says (a « Parvis » filed
# as a square, a « Passerelle » as a passage…), or that have no TYPVOI.
BY_WORD = {
    "Cours": "sur le cours",
    "Rue": "dans la rue",
    "Parvis": "sur le parvis",
    "Passerelle": "sur la passerelle",
    "Mail": "sur le mail",
    "Allées": "dans les allées",
    "Promenade": "sur la promenade",
    "Terrasse": "sur la terrasse",
    "Rambla": "sur la rambla",
    "Jardin": "dans le jardin",
    "Grand-Rue": "dans la Grand-Rue",
}
# Whole names, as the data spells them.
BY_NAME = {
    "Le Grand Mail": "sur le Grand Mail",
    "Les Trois Passages": "dans les Trois Passages",
    "Les Jardins du Corum": "dans les Jardins du Corum",
    "Rrue Claude Berri": "dans la rue Claude Berri",  # a typo of the data
    "Passerellle Robert Delaunay": "sur la passerelle Robert Delaunay",  # idem
    # Streets whose name does not say their type: the neutral « sur ».
    "Henri Le Sidaner": "sur Henri Le Sidaner",
    "Etang de Vic": "sur Etang de Vic",
}


def expected_french(name: str, kind: str | None) -> str | None:
    """The phrase the tables above give for a street of the network."""
    if name in BY_NAME:
        return BY_NAME[name]
    first, _, rest = name.partition(" ")
    word, phrase = BY_TYPE.get(kind, ("", ""))
    if first.lower() == word.lower():
        return f"{phrase} {rest}".rstrip()
    for word, phrase in BY_WORD.items():
        if first.lower() == word.lower():
            return f"{phrase} {rest}".rstrip()
    return None


def network_streets() -> dict[str | None, set[str]]:
    document = json.loads(VOIES.read_text(encoding="utf-8"))
    names = defaultdict(set)
    for feature in document["features"]:
        props = feature["properties"]
        names[props.get("TYPVOI")].add((props.get("LIB_OFF") or "").strip())
    return names


def test_every_street_of_the_shipped_network_has_its_article_and_preposition():
    by_type = network_streets()
    assert set(by_type) - {None} <= set(BY_TYPE), "a street type without its French phrase"
    seen_types = set()
    for kind, names in by_type.items():
        for name in sorted(names):
            want = expected_french(name, kind)
            assert want is not None, f"{kind} {name!r}: add it to the tables of this test"
            assert streets.french_phrase(name) == want, (kind, name)
            if kind and name.split(" ")[0].lower() == BY_TYPE[kind][0].lower():
                seen_types.add(kind)
    # Every type of the network was checked on at least one street of its own word.
    assert seen_types == set(by_type) - {None}


def test_every_street_of_the_shipped_network_reads_as_written_in_english():
    for names in network_streets().values():
        for name in names:
            english = streets.phrase(name, "en")
            assert english[0].isupper() and english[1:] == name[1:], name


@pytest.mark.parametrize(
    ("name", "french"),
    [
        ("Place de la Comédie", "sur la place de la Comédie"),
        ("Impasse Saint-Firmin", "dans l'impasse Saint-Firmin"),
        ("Quai du Verdanson", "sur le quai du Verdanson"),
        ("Pont Juvénal", "sur le pont Juvénal"),
        ("Passage Lonjon", "dans le passage Lonjon"),
        ("Esplanade Charles de Gaulle", "sur l'esplanade Charles de Gaulle"),
        ("esplanade Charles de Gaulle", "sur l'esplanade Charles de Gaulle"),
        ("Tunnel de la Comédie", "dans le tunnel de la Comédie"),
        ("Allées Paul Riquet", "dans les allées Paul Riquet"),
        ("Avenue de Toulouse", "dans l'avenue de Toulouse"),
        ("Le Grand Mail", "sur le Grand Mail"),
        ("L'Esplanade", "sur l'Esplanade"),
        ("Le Bassin", "le long du Bassin"),
        ("Antigone", "sur Antigone"),
        ("Rue", "dans la rue"),
    ],
)
def test_french_phrases(name, french):
    assert streets.french_phrase(name) == french


def test_english_capitalises_a_lower_case_type():
    assert streets.phrase("rue Foch", "en") == "Rue Foch"
    assert streets.phrase("Place de la Comédie", "en") == "Place de la Comédie"


@pytest.mark.parametrize(("name", "addresses", "spelled"), [
    ("Boulevard de Bonnes Nouvelles", ["39, boulevard Bonne Nouvelle, 34000 Montpellier"],
     "Boulevard Bonne Nouvelle"),
    ("Boulevard de Bonnes Nouvelles", ["39 Boulevard Bonne Nouvelle, 34000 Montpellier, France"],
     "Boulevard Bonne Nouvelle"),
    ("Rue de l'Université", ["2 rue de l'Université, Montpellier"], "Rue de l'Université"),
    # Another street of the same type is not the same street.
    ("Rue Nouvelle", ["39, boulevard Bonne Nouvelle"], "Rue Nouvelle"),
    ("Boulevard de Bonnes Nouvelles", ["50, place Zeus, 34000 Montpellier", ""],
     "Boulevard de Bonnes Nouvelles"),
])
def test_a_street_is_spelled_as_an_address_spells_it(name, addresses, spelled):
    assert streets.spelled_as(name, streets.address_streets(addresses)) == spelled
