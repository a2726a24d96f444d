"""A stop's optional texts for participants and its entrance photo (issue 20): read from the
stops file, checked with clear errors, shown as text, the photo served and exported."""

from __future__ import annotations

import html
import re
import struct
import zlib

import pytest

from tourapp import create_app, stopsfile
from tourapp.stopsfile import photos
from tourapp.web.export import freeze

from .conftest import small_doc, write_doc

HOSTILE = '<script>alert("x")</script> & {{ 7*7 }}'


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG image, made without an imaging library."""
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: SOI, an APP0 segment, then the frame with its size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


EXTRAS = {
    "activity_fr": "Démonstration de l'appartement",
    "activity_en": "A demonstration of the flat",
    "notes_fr": "Ascenseur à gauche",
    "notes_en": "Lift on the left",
    "step_free": True,
    "toilets": "no",
    "photo": "entree-b.png",
    "photo_alt_fr": "La porte vitrée",
    "photo_alt_en": "The glass door",
    "photo_credit": "Organisateurs",
}


def with_extras(**changes) -> dict:
    document = small_doc()
    props = document["features"][1]["properties"]
    props.update(EXTRAS)
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return document


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "entree-b.png").write_bytes(png(40, 30))
    return tmp_path


def load(folder, document):
    return stopsfile.load(write_doc(folder / "stops.geojson", document))


def problems(folder, document) -> list[str]:
    with pytest.raises(stopsfile.TourError) as caught:
        load(folder, document)
    return caught.value.problems


def test_the_fields_are_read_with_the_photo_size(folder):
    stop = load(folder, with_extras()).stops[1]
    assert stop.activity.en == "A demonstration of the flat"
    assert stop.notes.fr == "Ascenseur à gauche"
    assert (stop.step_free, stop.toilets) == (True, False)
    assert stop.photo is not None
    assert (stop.photo.file, stop.photo.width, stop.photo.height) == ("entree-b.png", 40, 30)
    assert stop.photo.alt.fr == "La porte vitrée" and stop.photo.credit == "Organisateurs"
    assert stop.photo.version == photos.version_of(png(40, 30))


def test_every_field_is_optional(folder):
    stop = load(folder, small_doc()).stops[1]
    assert stop.photo is None and stop.step_free is None and stop.toilets is None
    assert stop.activity.fr == "" and stop.notes.en == ""


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"photo": "absente.jpg"},
         '"photo": no file "absente.jpg" in the photos folder beside the stops file'),
        ({"photo": "../stops.geojson"}, '"photo" must be the name of a .jpg, .png or .webp file'),
        ({"photo": "entree-b.gif"}, '"photo" must be the name of a .jpg, .png or .webp file'),
        ({"photo_alt_en": None}, '"photo_alt_en" is missing: "photo_alt" needs French and English'),
        ({"photo_alt_fr": None, "photo_alt_en": None}, '"photo_alt_fr" is missing'),
        ({"photo_credit": ""}, '"photo_credit" is missing'),
        ({"photo": None}, '"photo" is missing: photo_alt_fr, photo_alt_en, photo_credit describe'),
        ({"activity_en": None}, '"activity_en" is missing: "activity" needs French and English'),
        ({"notes_fr": "x" * 1001}, '"notes_fr" must be at most 1000 characters'),
        ({"step_free": "maybe"}, '"step_free" must be true or false, got "maybe"'),
        ({"toilets": 2}, '"toilets" must be true or false, got 2'),
    ],
)
def test_mistakes_are_named_with_their_fix(folder, changes, expected):
    found = problems(folder, with_extras(**changes))
    assert any(expected in p and 'feature 1 ("b")' in p for p in found), found


def test_a_photo_that_is_too_large_or_not_an_image_is_refused(folder):
    (folder / "photos" / "entree-b.png").write_bytes(b"\x89PNG" + b"\0" * 100)
    assert any("is not a JPEG, PNG or WebP image" in p for p in problems(folder, with_extras()))
    (folder / "photos" / "entree-b.png").write_bytes(png(40, 30) + b"\0" * photos.MAX_PHOTO_BYTES)
    assert any("bytes, more than 500,000: make it smaller" in p
               for p in problems(folder, with_extras()))


def test_yes_and_no_as_table_editors_write_them(folder):
    for value, expected in [(True, True), ("oui", True), ("1", True), (0, False), ("Non", False)]:
        document = with_extras(step_free=value)
        assert load(folder, document).stops[1].step_free is expected, value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(640, 480), ("png", 640, 480)),
        (jpeg_header(1200, 800), ("jpeg", 1200, 800)),
        (b"RIFF\0\0\0\0WEBPVP8X" + b"\0" * 8 + (99).to_bytes(3, "little")
         + (49).to_bytes(3, "little"), ("webp", 100, 50)),
        (b"GIF89a" + b"\0" * 20, None),
        (b"\xff\xd8\xff\xda\0\x02", None),
        (b"", None),
    ],
)
def test_image_sizes_are_read_from_the_header(data, expected):
    assert photos.image_size(data) == expected


@pytest.fixture
def photo_app(folder):
    write_doc(folder / "stops.geojson", with_extras(notes_fr=HOSTILE, photo_alt_fr=HOSTILE))
    (folder / "photos" / "private.png").write_bytes(png(2, 2))
    return create_app({"TESTING": True, "TOUR_DATA": folder / "stops.geojson",
                       "TOUR_HISTORY_DIR": folder / "history"})


def test_the_itinerary_shows_them_as_text_with_a_lazy_sized_photo(photo_app):
    page = photo_app.test_client().get("/fr/").get_data(as_text=True)
    item = page[page.index('id="stop-b"'):page.index('id="stop-c"')]
    assert "<script>alert" not in page and "49" not in item
    assert html.escape(HOSTILE, quote=False) in item or "&lt;script&gt;alert" in item
    assert "Au programme :" in item and "Démonstration de l&#39;appartement" in item
    assert "Accès de plain-pied" in item and "Pas de toilettes sur place" in item
    img = re.search(r"<img [^>]*>", item)[0]
    assert 'loading="lazy"' in img and 'width="40"' in img and 'height="30"' in img
    assert f'src="/photos/entree-b.png?v={photos.version_of(png(40, 30))}"' in img
    assert 'alt="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; {{ 7*7 }}"' in img
    assert "Photo : Organisateurs" in item
    english = photo_app.test_client().get("/en/").get_data(as_text=True)
    assert "On the programme:" in english and 'alt="The glass door"' in english


def test_the_photo_is_served_cached_and_only_if_the_walk_names_it(photo_app):
    client = photo_app.test_client()
    version = photos.version_of(png(40, 30))
    answer = client.get(f"/photos/entree-b.png?v={version}")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.data == png(40, 30)
    assert "immutable" in answer.headers["Cache-Control"]
    assert client.get("/photos/private.png").status_code == 404  # in the folder, not named
    assert client.get("/photos/stops.geojson").status_code == 404
    assert client.get("/photos/..%2Fstops.geojson").status_code == 404


def test_the_export_carries_the_photo(photo_app, tmp_path):
    report = freeze(photo_app, tmp_path / "site")
    assert report.missing_links == []
    assert (tmp_path / "site" / "photos" / "entree-b.png").read_bytes() == png(40, 30)
    assert not (tmp_path / "site" / "photos" / "private.png").exists()


def test_a_photo_put_in_place_after_a_refusal_is_seen(folder):
    app = create_app({"TESTING": True, "TOUR_DATA": folder / "stops.geojson",
                      "TOUR_HISTORY_DIR": folder / "history"})
    write_doc(folder / "stops.geojson", small_doc())
    with app.app_context():
        from tourapp.stopsfile.store import get_store

        assert get_store().tour().stops[1].photo is None
        (folder / "photos" / "entree-b.png").unlink()
        write_doc(folder / "stops.geojson", with_extras())
        assert get_store().status().problems
        (folder / "photos" / "entree-b.png").write_bytes(png(40, 30))
        get_store()._failed_at = 0.0  # the retry delay, passed
        assert get_store().tour().stops[1].photo.width == 40


def test_the_photo_is_stored_for_offline_use_and_the_run_sheet_has_the_texts(photo_app):
    client = photo_app.test_client()
    listed = client.get("/offline.json").get_json()["precache"]
    assert f"/photos/entree-b.png?v={photos.version_of(png(40, 30))}" in listed
    assert not any("private.png" in url for url in listed)
    sheet = client.get("/fr/guides").get_data(as_text=True)
    assert "Au programme : Démonstration de l&#39;appartement" in sheet
    assert "&lt;script&gt;alert" in sheet and "<script>alert" not in sheet


def test_tour_check_names_a_missing_photo_in_french(folder):
    from flask_babel import force_locale

    from tourapp.render import wording

    (folder / "photos" / "entree-b.png").unlink()
    document = with_extras()
    document["features"][2]["properties"]["step_free"] = "peut-être"  # another stop's mistake
    found = problems(folder, document)
    app = create_app({"TESTING": True, "TOUR_DATA": folder / "stops.geojson",
                      "TOUR_HISTORY_DIR": folder / "history"})
    with app.test_request_context("/fr/"), force_locale("fr"):
        said = [wording.problem(p) for p in found]
    assert any("« photo » : pas de fichier \"entree-b.png\" dans le dossier des photos" in s
               for s in said), said
    assert any("« step_free » doit valoir true ou false" in s for s in said), said
