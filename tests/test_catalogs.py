"""Compiled catalogs: a language is served translated, or the app does not start."""

from __future__ import annotations

import os
import shutil

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tourapp import create_app
from tourapp.domain.tour import LANGUAGES
from tourapp.system import catalogs, durable
from tourapp.testing import sign_in

from .conftest import ROOT
from .test_translations import foreign_phrases, page_urls, visible_text


@pytest.fixture
def translations(tmp_path):
    """A copy of the project's catalog sources (.pot, .po), without any compiled .mo."""
    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder, ignore=shutil.ignore_patterns("*.mo"))
    assert not list(folder.rglob("*.mo"))
    return folder


def make_app(tour_file, folder):
    return create_app(
        {"TESTING": True, "TOUR_DATA": tour_file, "BABEL_TRANSLATION_DIRECTORIES": str(folder)}
    )


def assert_every_page_in(app, lang):
    """Every language page of ``app`` in ``lang`` speaks ``lang`` only, over HTTP."""
    client = app.test_client()
    sign_in(client, lang)  # the organisers' pages too (issue 19: behind sign-in)
    pages = 0
    for url in page_urls(app, lang):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            assert foreign_phrases(lang, visible_text(html, lang)) == [], url
            pages += 1
    assert pages >= 2  # the participant page and the guides' page at least


def test_without_compiled_catalogs_french_is_still_french(tour_file, translations):
    app = make_app(tour_file, translations)
    for lang in LANGUAGES:
        assert_every_page_in(app, lang)
    html = app.test_client().get("/fr/").get_data(as_text=True)
    assert "Aller au contenu" in html and "Skip to content" not in html
    for lang in LANGUAGES:
        assert (translations / lang / "LC_MESSAGES" / "messages.mo").is_file()


def test_a_catalog_older_than_its_source_is_compiled_again(tour_file, translations):
    # A .mo compiled before the French translations were written: every msgstr empty.
    po, mo = catalogs.catalog_paths(translations, "fr", "messages")
    with po.open("rb") as handle:
        old = read_po(handle, locale="fr")
    for message in old:
        if message.id:
            message.string = ("", "") if message.pluralizable else ""
    with mo.open("wb") as handle:
        write_mo(handle, old)
    before = po.stat().st_mtime_ns
    os.utime(mo, ns=(before - 10**9, before - 10**9))  # a second older than its source
    app = make_app(tour_file, translations)
    assert_every_page_in(app, "fr")
    assert mo.stat().st_mtime_ns >= before


def test_an_up_to_date_catalog_is_left_alone(tour_file, translations):
    make_app(tour_file, translations)
    mo = translations / "fr" / "LC_MESSAGES" / "messages.mo"
    first = mo.stat()
    make_app(tour_file, translations)
    assert mo.stat().st_mtime_ns == first.st_mtime_ns and mo.stat().st_ino == first.st_ino


def test_a_catalog_that_cannot_be_written_stops_the_app_with_the_fix(
    tour_file, translations, monkeypatch
):
    # A read-only install (the tests run as root, so chmod would not stop the write).
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(durable.tempfile, "mkstemp", refuse)  # the one atomic write
    with pytest.raises(catalogs.CatalogError) as caught:
        make_app(tour_file, translations)
    message = str(caught.value)
    assert "catalog" in message and "is missing and cannot be compiled here" in message
    assert "(Permission denied)" in message
    assert f"run `pybabel compile -d {translations}`" in message
    assert not list(translations.rglob("*.mo")) and not list(translations.rglob("*.tmp"))


def test_a_language_without_any_catalog_stops_the_app(tour_file, translations):
    shutil.rmtree(translations / "en")
    with pytest.raises(catalogs.CatalogError, match="no en catalog: .*messages.po does not exist"):
        make_app(tour_file, translations)


def test_a_compiled_catalog_shipped_without_its_source_is_used(tour_file, translations):
    make_app(tour_file, translations)
    (translations / "fr" / "LC_MESSAGES" / "messages.po").unlink()
    assert_every_page_in(make_app(tour_file, translations), "fr")


def test_a_bad_source_stops_the_app(tour_file, translations):
    po = translations / "fr" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text("<<<<<<< HEAD\n" + text + "=======\n>>>>>>> other\n", encoding="utf-8")
    with pytest.raises(catalogs.CatalogError) as caught:
        make_app(tour_file, translations)
    assert f"the fr catalog source {po} cannot be read (" in str(caught.value)
    assert not (po.parent / "messages.mo").exists()
