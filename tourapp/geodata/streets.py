"""How a sentence names a street: « dans la rue de la Loge », « sur le quai du Verdanson ».

French puts a preposition and an article before a street's name, and both depend on
the street's type, which is the name's first word (« Rue », « Place », « Quai »…):
one walks *down* a street (« dans ») and *on* an open space or a wide road (« sur »),
as French road signs and guidebooks say. English keeps the name as written.

No Flask here: the language is an argument.
"""

from __future__ import annotations

import difflib
import unicodedata

# Type word (lower case, as the name's first word) → preposition and article.
# The article is elided (« l' ») by ``_joined`` before a vowel.
FRENCH_STREET_TYPES = {
    # streets one walks down
    "rue": ("dans", "la"),
    "grand-rue": ("dans", "la"),
    "ruelle": ("dans", "la"),
    "avenue": ("dans", "la"),
    "allée": ("dans", "la"),
    "allées": ("dans", "les"),
    "impasse": ("dans", "la"),
    "passage": ("dans", "le"),
    "passages": ("dans", "les"),
    "cour": ("dans", "la"),
    "traverse": ("dans", "la"),
    "montée": ("dans", "la"),
    "descente": ("dans", "la"),
    "galerie": ("dans", "la"),
    "tunnel": ("dans", "le"),
    # enclosed places one walks into
    "square": ("dans", "le"),
    "jardin": ("dans", "le"),
    "jardins": ("dans", "les"),
    "parc": ("dans", "le"),
    "espace": ("dans", "le"),
    "enclos": ("dans", "le"),
    "parking": ("dans", "le"),
    # open spaces, wide roads, crossings
    "boulevard": ("sur", "le"),
    "place": ("sur", "la"),
    "placette": ("sur", "la"),
    "plan": ("sur", "le"),
    "parvis": ("sur", "le"),
    "esplanade": ("sur", "la"),
    "promenade": ("sur", "la"),
    "mail": ("sur", "le"),
    "rambla": ("sur", "la"),
    "terrasse": ("sur", "la"),
    "quai": ("sur", "le"),
    "cours": ("sur", "le"),
    "pont": ("sur", "le"),
    "passerelle": ("sur", "la"),
    "viaduc": ("sur", "le"),
    "chemin": ("sur", "le"),
    "route": ("sur", "la"),
    "voie": ("sur", "la"),
    "autoroute": ("sur", "la"),
    "rond-point": ("sur", "le"),
    "carrefour": ("sur", "le"),
    # water: one walks along it
    "bassin": ("le long", "du"),
}
ARTICLES = {"le", "la", "les"}
VOWELS = "aeiouyh"  # an « h » of a street type is mute (none is aspirated)


def _plain(text: str) -> str:
    """Lower case without accents, for comparing words."""
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


def _street_type(word: str) -> str | None:
    """The street type a word names, tolerating a stray letter (« Rrue », « Passerellle »)."""
    word = word.lower()
    if word in FRENCH_STREET_TYPES:
        return word
    if len(word) < 4 or "'" in word:
        return None
    # Typos of the source data: one letter doubled or dropped, nothing shorter.
    close = difflib.get_close_matches(word, FRENCH_STREET_TYPES, n=1, cutoff=0.85)
    return close[0] if close else None


def _joined(preposition: str, article: str, rest: str) -> str:
    if article in ("le", "la") and _plain(rest[:1]) in VOWELS:
        return f"{preposition} l'{rest}"
    return f"{preposition} {article} {rest}"


def french_phrase(name: str) -> str:
    """« dans la rue de la Loge » for "Rue de la Loge"; « sur X » when the type is unknown."""
    name = name.strip()
    first, _, rest = name.partition(" ")
    elided = first[:2].lower() == "l'" and len(first) > 2
    if first.lower() in ARTICLES or elided:
        # "Le Grand Mail", "Les Trois Passages", "L'Esplanade": the name carries its
        # article, in lower case in running text; the preposition follows the first
        # type word in the name (« sur le Grand Mail », « dans les Trois Passages »).
        words = [first[2:], *rest.split()] if elided else rest.split()
        kind = next((k for k in map(_street_type, words) if k), None)
        preposition = FRENCH_STREET_TYPES[kind][0] if kind else "sur"
        text = name[0].lower() + name[1:]
        if preposition == "le long":  # « le long du », « le long des », « le long de la »
            contracted = {"le ": "du ", "les ": "des "}
            head = next((a for a in contracted if text.startswith(a)), None)
            return f"le long {contracted[head]}{text[len(head):]}" if head else f"le long de {text}"
        return f"{preposition} {text}"
    kind = _street_type(first)
    if kind is not None:
        preposition, article = FRENCH_STREET_TYPES[kind]
        # The type word in lower case, as in running text; a typo is corrected.
        word = first if kind.startswith("grand-") else kind
        return _joined(preposition, article, f"{word} {rest}".rstrip())
    return f"sur {name}"


def french_named(name: str) -> str:
    """« la place de la Comédie » for "Place de la Comédie": the name with its article."""
    name = name.strip()
    first, _, rest = name.partition(" ")
    if first.lower() in ARTICLES or (first[:2].lower() == "l'" and len(first) > 2):
        return name[0].lower() + name[1:]  # "La Canourgue": the article is in the name
    kind = _street_type(first)
    if kind is None:
        return name
    word = first if kind.startswith("grand-") else kind
    article = FRENCH_STREET_TYPES[kind][1]
    text = f"{word} {rest}".rstrip()
    if article in ("le", "la") and _plain(text[:1]) in VOWELS:
        return f"l'{text}"
    return f"{article} {text}"


def named(name: str, lang: str) -> str:
    """How a sentence in ``lang`` names ``name`` as an object (« Traversez la place… »)."""
    return french_named(name) if lang == "fr" else english_name(name)


def english_name(name: str) -> str:
    """The name as written, with a capital first letter ("rue Foch" → "Rue Foch")."""
    name = name.strip()
    return name[:1].upper() + name[1:]


def phrase(name: str, lang: str) -> str:
    """How a sentence in ``lang`` names the street ``name``."""
    return french_phrase(name) if lang == "fr" else english_name(name)


# Spellings. The city's network (voies.geojson) and its address points both write
# « Boulevard de Bonnes Nouvelles », where the Musée Fabre, La Poste and the stops file write
# « boulevard Bonne Nouvelle »: the same street. The directions name a street as the stops'
# addresses do, so that a participant reads one name for one street.
_LINKS = {"de", "des", "du", "d", "la", "le", "les", "l"}


def street_key(name: str) -> str:
    """What two spellings of one street share: no accents, case, linking words or plural s."""
    words = _plain(name).replace("'", " ").replace("-", " ").split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith(("s", "x")) else w
                    for w in words if w not in _LINKS)


def address_streets(addresses) -> dict[str, str]:
    """The streets the addresses name (a part that starts with a street type after its
    house number), by ``street_key``: « 39, boulevard Bonne Nouvelle, 34000 Montpellier »
    gives « Boulevard Bonne Nouvelle »."""
    found: dict[str, str] = {}
    for address in addresses:
        for part in (address or "").split(","):
            words = part.split()
            while words and words[0][:1].isdigit():  # « 39 », « 39bis »
                words = words[1:]
            if words and _street_type(words[0]):
                name = english_name(" ".join(words))
                found.setdefault(street_key(name), name)
    return found


def spelled_as(name: str, spellings: dict[str, str]) -> str:
    """``name`` as ``spellings`` (from ``address_streets``) writes the same street."""
    return spellings.get(street_key(name), name)
