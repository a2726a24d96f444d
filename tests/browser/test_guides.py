"""The guides' run sheet as Chromium prints it: A4, two pages at most, every stop in one
piece, the route drawn and a QR code of at least 6 cm."""

from __future__ import annotations

import io

import pytest

from tourapp import stopsfile

from ..conftest import SEEDED, write_doc
from .conftest import LiveServer, new_context

pypdf = pytest.importorskip("pypdf")

A4_POINTS = (595, 842)  # 210 × 297 mm in PDF points, rounded


def print_pdf(page) -> bytes:
    """The page as Chromium prints it on A4 (print media, the page's own @page rules)."""
    page.emulate_media(media="print")
    return page.pdf(format="A4", prefer_css_page_size=True, print_background=True)


def page_texts(pdf: bytes) -> list[str]:
    """Each printed page's text, spaces collapsed."""
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def assert_rows_whole(texts: list[str], tour, lang: str) -> None:
    """Each stop's row (its address and the way there) printed on one page, never cut."""
    for index, stop in enumerate(tour.stops[1:], 1):
        head = f"Depuis l'étape {index} :" if lang == "fr" else f"From stop {index}:"
        pages = [n for n, text in enumerate(texts) if head in text]
        assert len(pages) == 1, (head, pages)
        assert stop.address[lang] in texts[pages[0]], f"row {index + 1} cut across pages"


def qr_printed_mm(page) -> float:
    """The QR code's printed width: CSS pixels at print media (96 px = 25.4 mm, scale 1)."""
    page.emulate_media(media="print")
    return page.locator(".runsheet-qr svg").bounding_box()["width"] * 25.4 / 96


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_run_sheet_prints_on_at_most_two_a4_pages(page, live_server, lang):
    page.goto(f"{live_server.url}/{lang}/guides")
    assert page.locator(".runsheet-qr svg").bounding_box()["width"] > 100
    # On a phone the page fits the screen's width, the route's drawing too.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".routemap").bounding_box()["width"] <= 390
    # The print button calls the browser's print (stubbed: headless Chromium has no dialog).
    page.evaluate("window.print = () => { window.printed = true; }")
    page.locator("[data-print]").click()
    assert page.evaluate("window.printed") is True
    assert qr_printed_mm(page) >= 60  # a group can scan it from a metre or two
    pdf = print_pdf(page)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2
    for sheet in reader.pages:
        assert (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height))) == A4_POINTS
    texts = page_texts(pdf)
    text = " ".join(texts)
    for name in ("Hôtel de Métropole", "Espace French Tech", "Musée Fabre"):
        assert name in text
    tour = stopsfile.load(SEEDED)
    km = tour.distance_m / 1000  # the seeded walk's total, routed or not
    assert (f"Total : {km:.1f} km".replace(".", ",") if lang == "fr" else f"Total: {km:.1f} km") in text
    assert ("Partez vers le nord" if lang == "fr" else "Head north") in text  # directions
    assert ("Réel" if lang == "fr" else "Actual") in texts[0]
    assert "250 m" in texts[0]  # the route's drawing (its scale bar) on the first page
    assert_rows_whole(texts, tour, lang)
    assert "(GPX)" not in text and "A4" not in text  # downloads and button: screen only
    assert page.errors == []


def test_a_longer_walk_still_prints_on_two_pages(browser, tmp_path):
    """Ten stops with long names and addresses: the sheet stays on two pages, rows whole."""
    stops = []
    for order in range(1, 11):
        props = {
            "id": f"s{order}",
            "order": order,
            "name_fr": f"Étape numéro {order} : un lieu au nom assez long pour passer à la ligne",
            "name_en": f"Stop number {order}: a place whose name is long enough to wrap",
            "address_fr": f"{order}, boulevard du Professeur Louis Ravas, 34000 Montpellier",
            "address_en": f"{order} Boulevard du Professeur Louis Ravas, 34000 Montpellier, France",
            "description_fr": "Une description qui ne figure pas sur la feuille de route.",
            "description_en": "A description that is not on the run sheet.",
            "duration_min": 10,
        }
        if order == 1:
            props.update(
                tour_title_fr="Une longue déambulation",
                tour_title_en="A long walk",
                tour_date="2018-11-20",
                tour_start="09:00",
                tour_end="18:00",
                tour_organiser="Organisateur",
                tour_attribution="Données : exemple",
                tour_phone="+33 4 67 00 00 00",
            )
        point = {"type": "Point", "coordinates": [3.87 + order * 0.002, 43.60 + order * 0.001]}
        stops.append({"type": "Feature", "properties": props, "geometry": point})
    path = write_doc(tmp_path / "stops.geojson", {"type": "FeatureCollection", "features": stops})
    from tourapp import create_app

    app = create_app({"TESTING": True, "TOUR_DATA": path})
    context = new_context(browser)
    with LiveServer(app) as server:
        page = context.new_page()
        page.goto(f"{server.url}/fr/guides")
        assert qr_printed_mm(page) >= 60
        texts = page_texts(print_pdf(page))
        assert len(texts) <= 2, f"{len(texts)} pages"
        assert "Étape numéro 10" in texts[-1] and "+33 4 67 00 00 00" in texts[0]
        assert_rows_whole(texts, stopsfile.load(path), "fr")
    context.close()


def test_download_link_saves_a_gpx_under_its_readable_name(browser, live_server, tmp_path):
    context = new_context(browser, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/fr/guides")
    with page.expect_download() as info:
        page.locator('a[href="/fr/tour.gpx"]').click()
    download = info.value
    # Chromium takes the UTF-8 name from filename*, not the ASCII fallback.
    assert download.suggested_filename == "Déambulation urbaine autour de la Cité intelligente.gpx"
    saved = tmp_path / "walk.gpx"
    download.save_as(saved)
    assert "<wpt " in saved.read_text(encoding="utf-8")
    context.close()
