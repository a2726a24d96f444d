"""The guides' run sheet as Chromium prints it: one A4 page, with every stop and the QR code."""

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


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_run_sheet_prints_on_one_a4_page(page, live_server, lang):
    page.goto(f"{live_server.url}/{lang}/guides")
    assert page.locator(".runsheet-qr svg").bounding_box()["width"] > 100
    # On a phone the page fits the screen's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The print button calls the browser's print (stubbed: headless Chromium has no dialog).
    page.evaluate("window.print = () => { window.printed = true; }")
    page.locator("[data-print]").click()
    assert page.evaluate("window.printed") is True
    reader = pypdf.PdfReader(io.BytesIO(print_pdf(page)))
    assert len(reader.pages) == 1
    sheet = reader.pages[0]
    assert (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height))) == A4_POINTS
    text = " ".join(sheet.extract_text().split())
    for name in ("Hôtel de Métropole", "Espace French Tech", "Musée Fabre"):
        assert name in text
    km = stopsfile.load(SEEDED).distance_m / 1000  # the seeded walk's total, routed or not
    assert (f"Total : {km:.1f} km".replace(".", ",") if lang == "fr" else f"Total: {km:.1f} km") in text
    assert "(GPX)" not in text and "A4" not in text  # downloads and button: screen only
    assert page.errors == []


def test_a_longer_walk_still_prints_on_one_page(browser, tmp_path):
    """Ten stops with long names and addresses: the sheet stays on one page."""
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
        reader = pypdf.PdfReader(io.BytesIO(print_pdf(page)))
        text = " ".join(reader.pages[0].extract_text().split())
        assert len(reader.pages) == 1, f"{len(reader.pages)} pages"
        assert "Étape numéro 10" in text
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
