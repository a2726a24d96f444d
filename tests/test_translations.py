"""Bilingual everywhere: complete catalogs, and no page shows a string of the other language."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import PoFileError, read_po, unescape

from tourapp.domain.tour import LANGUAGES
from tourapp.testing import sign_in

from .conftest import ROOT

CATALOGS = ROOT / "translations"
ATTRIBUTES = (
    "aria-label", "title", "alt", "placeholder", "aria-description", "aria-roledescription"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdf]")
SAME_IN_EVERY_LANGUAGE = {"%(num)d min", "%(count)s min"}
"""Source strings whose translations are rightly the same in every language."""


def read_catalog(lang: str | None):
    """The catalog of ``lang``, or the extracted template for None."""
    if lang is None:
        path = CATALOGS / "messages.pot"
    else:
        path = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        return read_po(handle, locale=lang)


def catalog_files() -> list[Path]:
    """The template and every language's catalog."""
    return [CATALOGS / "messages.pot", *(CATALOGS / lang / "LC_MESSAGES" / "messages.po"
                                        for lang in LANGUAGES)]


def msgid_lines(text: str) -> list[tuple[int, tuple[str | None, str]]]:
    """Each entry's (msgctxt, msgid) and the line of its msgid (from 1), in the file's
    order; obsolete entries (``#~``) left out. For a file babel has read strictly."""
    found: list[tuple[int, tuple[str | None, str]]] = []
    context = msgid = None
    line, current = 0, ""
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        keyword, _, rest = stripped.partition(" ")
        if keyword == "msgctxt":
            context, current = unescape(rest), keyword
        elif keyword == "msgid":
            msgid, line, current = unescape(rest), number, keyword
        elif stripped.startswith('"') and current == "msgctxt":
            context = (context or "") + unescape(stripped)
        elif stripped.startswith('"') and current == "msgid":
            msgid = (msgid or "") + unescape(stripped)
        elif keyword == "msgid_plural" or keyword.startswith("msgstr"):
            if msgid is not None:
                found.append((line, (context, msgid)))
            context = msgid = None
            current = keyword
    return found


def catalog_problems(path: Path) -> list[str]:
    """What is wrong with a catalog's syntax, as ``file:line: problem``: an entry that
    lost a line (a union merge dropped a ``msgstr ""`` twice), or a msgid given twice.

    babel's own reading keeps going past both (the second msgid wins), and so would
    every test that reads the catalogs through it.
    """
    with open(path, "rb") as handle:
        try:
            read_po(handle, abort_invalid=True)
        except PoFileError as error:  # its message ends " on <lineno>", counted from 0
            return [f"{path}:{error.lineno + 1}: {str(error).removesuffix(f' on {error.lineno}')}"]
    first: dict[tuple[str | None, str], int] = {}
    problems = []
    for line, key in msgid_lines(path.read_text(encoding="utf-8")):
        if key in first:
            problems.append(f"{path}:{line}: msgid {key[1]!r} already given on line {first[key]}")
        first.setdefault(key, line)
    return problems


def msgfmt_problems(path: Path) -> list[str]:
    """GNU msgfmt's strict check of a catalog (syntax, duplicates, placeholders, header)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt is missing: run .ci/install-system-deps (Debian: gettext)")
    result = subprocess.run([msgfmt, "-c", "--check-format", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True, timeout=60)
    # Warnings (the template's header left at its defaults) do not fail it.
    return [] if result.returncode == 0 else result.stderr.splitlines()


def msgids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def texts(catalog) -> list[str]:
    """Every translated string of a catalog, plural forms included."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [s for s in strings if s]
    return found


def tells(lang: str) -> set[str]:
    """Phrases that can only come from a language other than ``lang``.

    The other catalogs' strings, cut at their placeholders, keeping the pieces that
    hold a word of 3 letters or more and appear in none of ``lang``'s own strings
    (« min » is French and English). Day and month names come from the locale
    data (dates are formatted by Babel, not by the catalogs).
    """
    own = " ".join(texts(read_catalog(lang))).casefold()
    own_locale = Locale.parse(lang)
    own_names = {n.casefold() for n in _date_names(own_locale)}
    found = set()
    for other in LANGUAGES:
        if other == lang:
            continue
        for text in texts(read_catalog(other)):
            for piece in PLACEHOLDER.split(text):
                piece = piece.strip(" .,:;()«»\u00a0–-")
                if re.search(r"[^\W\d_]{3,}", piece) and piece.casefold() not in own:
                    found.add(piece)
        found |= {n for n in _date_names(Locale.parse(other)) if n.casefold() not in own_names}
    return found


def _date_names(locale: Locale) -> set[str]:
    return set(locale.days["format"]["wide"].values()) | set(
        locale.months["format"]["wide"].values()
    )


def foreign_phrases(lang: str, chunks: list[str]) -> list[str]:
    """The phrases of other languages found as whole words in ``chunks`` of text."""
    text = " ".join(" ".join(chunks).split())
    return sorted(
        phrase for phrase in tells(lang)
        if re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text, re.IGNORECASE)
    )


class VisibleText(HTMLParser):
    """Text a person sees or hears in a page: text nodes and labelling attributes.

    Elements marked with another ``lang`` (the language switch's « English ») and
    scripts or styles are skipped.
    """

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, lang: str):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.lang = lang
        self.chunks: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = self._skipped() or tag in ("script", "style") or (
            attrs.get("lang") not in (None, self.lang)
        )
        if not skipped:
            self.chunks += [attrs[name] for name in ATTRIBUTES if attrs.get(name)]
            if tag == "meta" and attrs.get("name") == "description":
                self.chunks.append(attrs.get("content", ""))
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipped():
            self.chunks.append(data)


def visible_text(html: str, lang: str) -> list[str]:
    """The chunks of text of ``html`` in ``lang`` (see ``VisibleText``)."""
    parser = VisibleText(lang)
    parser.feed(html)
    return parser.chunks


def language_pages(app) -> list:
    """Every GET route under /<lang>/ whose only argument is the language."""
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.arguments == {"lang"}:
            rules.append(rule)
    return rules


def page_urls(app, lang: str) -> list[str]:
    """The URLs of every language route in ``lang`` (pages, map scripts, manifests…)."""
    with app.test_request_context():
        from flask import url_for

        return [url_for(rule.endpoint, lang=lang) for rule in language_pages(app)]


@pytest.mark.parametrize("path", catalog_files(), ids=lambda p: str(p.relative_to(CATALOGS)))
def test_every_catalog_is_well_formed_without_a_msgid_twice(path):
    assert catalog_problems(path) == []
    assert msgfmt_problems(path) == []


def broken_copy(folder: Path, how: str) -> tuple[Path, int]:
    """A copy of the French catalog as a union merge can leave it, and the line (from 1)
    a check must name: the msgid whose entry is broken or given again."""
    lines = (CATALOGS / "fr" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8").splitlines(True)
    msgids_at = [n for n, line in enumerate(lines) if line.startswith("msgid ")]
    if how == "long entry without its msgstr":  # its translation then reads as more msgid
        at = next(n for n in msgids_at[1:] if lines[n] == 'msgid ""\n')  # after the header's
        lost = lines.index('msgstr ""\n', at)
        lines, line = [*lines[:lost], *lines[lost + 1:]], at + 1
    elif how == "last entry without its msgstr":
        at = msgids_at[-1]
        lost = next(n for n in range(at, len(lines)) if lines[n].startswith("msgstr"))
        lines, line = [*lines[:lost], *lines[lost + 1:]], at + 1
    else:  # "an entry twice": appended by both sides of a merge
        at = next(n for n in msgids_at[1:] if lines[n + 1].startswith('msgstr "')
                  and lines[n + 1] != 'msgstr ""\n')
        lines, line = [*lines, "\n", lines[at], lines[at + 1]], len(lines) + 2
    path = folder / "messages.po"
    path.write_text("".join(lines), encoding="utf-8")
    return path, line


@pytest.mark.parametrize("how", ["long entry without its msgstr", "last entry without its msgstr",
                                 "an entry twice"])
def test_a_catalog_broken_by_a_merge_is_named_with_its_line(tmp_path, how):
    path, line = broken_copy(tmp_path, how)
    for problems in (catalog_problems(path), msgfmt_problems(path)):
        assert any(problem.startswith(f"{path}:{line}: ") for problem in problems), problems


def test_both_catalogs_are_complete_and_match_the_template():
    template = msgids(read_catalog(None))
    for lang in LANGUAGES:
        catalog = read_catalog(lang)
        assert msgids(catalog) == template, f"{lang}: run `make translate`"
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"{lang}: no translation for {message.id!r}"
            assert not message.fuzzy, f"{lang}: fuzzy translation of {message.id!r}"
        problems = [(message.id, errors) for message, errors in catalog.check()]
        assert problems == [], f"{lang}: placeholders differ from the source: {problems}"


def test_translations_differ_between_languages():
    # A string copied from the other language instead of translated is not translated.
    strings = {lang: {m.id: m.string for m in read_catalog(lang) if m.id} for lang in LANGUAGES}
    first, *others = LANGUAGES
    for msgid, text in strings[first].items():
        for other in others:
            if (msgid if isinstance(msgid, str) else msgid[0]) not in SAME_IN_EVERY_LANGUAGE:
                same = f"{msgid!r} is the same in {first} and {other}"
                assert strings[other].get(msgid) != text, same


def test_the_template_holds_every_string_of_the_code():
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = dict(DEFAULT_KEYWORDS, lazy_gettext=None)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords
        )
    }
    template = {m if isinstance(m, str) else m[0] for m in msgids(read_catalog(None))}
    assert found - template == set(), "strings missing from the catalogs: run `make translate`"
    assert template - found == set(), "strings no longer used: run `make translate`"


def test_tells_are_phrases_of_the_other_language_only():
    assert {"Itinerary", "Skip to content", "Zoom in"} <= tells("fr")
    assert {"Itinéraire", "Aller au contenu", "Zoomer", "novembre", "mardi"} <= tells("en")
    assert "min" not in tells("fr") | tells("en")
    assert foreign_phrases("fr", ["Itinéraire", "Zoom in!"]) == ["Zoom in"]
    assert foreign_phrases("en", ["Tuesday 20 November"]) == []


def test_every_language_route_is_checked(app):
    endpoints = {rule.endpoint for rule in language_pages(app)}
    assert {"tour.page", "tour.map_script", "offline.manifest"} <= endpoints


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_shows_the_other_language(app, client, lang):
    sign_in(client, lang)  # the organisers' pages too
    checked = 0
    for url in page_urls(app, lang):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html, url
        assert foreign_phrases(lang, visible_text(html, lang)) == [], url
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_error_pages_speak_the_language_of_their_url(client, lang):
    for url, code in [(f"/{lang}/no-such-page", 404), ("/no-such-page", 404)]:
        response = client.get(url, headers={"Accept-Language": lang})
        assert response.status_code == code
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html, url
        assert foreign_phrases(lang, visible_text(html, lang)) == [], url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_manifests_are_in_their_language(client, lang):
    manifest = client.get(f"/{lang}/manifest.webmanifest").get_json()
    text = [manifest["name"], manifest["short_name"], manifest["description"]]
    assert foreign_phrases(lang, text) == []
    assert manifest["lang"] == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_switch_keeps_the_page(app, client, lang):
    other = next(code for code in LANGUAGES if code != lang)
    sign_in(client, lang)  # the organisers' pages too
    for url in page_urls(app, lang):
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+"', html)
        assert links == [(url.replace(f"/{lang}/", f"/{other}/", 1), other)], url


GETTEXT_CALLS = {"_": 1, "gettext": 1, "lazy_gettext": 1, "N_": 1, "ngettext": 2, "pgettext": 2}
"""The translation functions of the code, and how many of their first arguments are texts."""

PASS_THROUGH = {
    # Message.say translates templates marked where they are written: N_("…") in schema.py.
    "tourapp/stopsfile/messages.py": "gettext(template)",
}
"""Calls with a variable on purpose: the literal is marked for extraction elsewhere."""


def gettext_calls(root=ROOT / "tourapp"):
    """(place, call, function name, inside an f-string) for every translation call, in order."""
    import ast

    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstring = {
            id(node) for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr)
            for node in ast.walk(joined)
        }
        found = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in GETTEXT_CALLS:
                place = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append((node.lineno, (place, node, name, id(node) in in_fstring)))
        yield from (call for _line, call in sorted(found, key=lambda item: item[0]))


def test_every_translation_call_has_literal_texts_the_extractor_can_see():
    """pybabel skips, without a word, _() inside an f-string and _() of anything but a literal."""
    import ast

    hidden = []
    for place, call, name, in_fstring in gettext_calls():
        texts = GETTEXT_CALLS[name]
        if PASS_THROUGH.get(place.split(":")[0]) == ast.unparse(call):
            continue
        literal = len(call.args) >= texts and all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            for arg in call.args[:texts]
        )
        if in_fstring or not literal:
            hidden.append(f"{place}: {ast.unparse(call)}")
    assert hidden == [], "messages the extractor cannot see:\n" + "\n".join(hidden)


def test_the_checker_finds_a_call_inside_an_f_string(tmp_path):
    (tmp_path / "m.py").write_text(
        "x = f\"{title} – {_('walk %(n)d', n=1)}\"\ny = _(f'{a}')\nz = _('fine')\n"
    )
    found = [(place.split(":")[1], in_fstring) for place, _c, _t, in_fstring in
             _calls_under(tmp_path)]
    assert found == [("1", True), ("2", False), ("3", False)]


def _calls_under(folder):
    import tests.test_translations as me

    saved = me.ROOT
    me.ROOT = folder
    try:
        return list(gettext_calls(folder))
    finally:
        me.ROOT = saved


def test_every_message_of_the_code_and_templates_is_translated_in_french():
    """Every msgid babel extracts from the tree (code by AST too) has a French translation."""
    import ast

    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = dict(DEFAULT_KEYWORDS, lazy_gettext=None, N_=None)
    used = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords
        )
    }
    # And what the extractor cannot see: literals inside f-strings (the test above refuses them).
    for _place, call, name, _f in gettext_calls():
        index = 1 if name == "pgettext" else 0  # pgettext(context, message)
        if len(call.args) > index and isinstance(call.args[index], ast.Constant):
            used.add(call.args[index].value)
    french = {
        (m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_catalog("fr") if m.id
    }
    missing = sorted(m for m in used if not french.get(m))
    assert missing == [], "not in the French catalog (append them to messages.po):\n" + "\n".join(
        missing
    )


def test_a_leg_download_is_named_in_french(client):
    response = client.get("/fr/legs/1.gpx")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "marche%201.gpx" in disposition or "marche 1.gpx" in disposition, disposition
    assert "walk" not in disposition
