"""Problems worded for organisers, with their fix, and said again in their language.

A ``Message`` is the English text (a ``str``: logs, JSON, tests use it as is) that
keeps its parts — a gettext template and its values — so that a page or a
command can word it in French (``wording.problem``). Templates are marked with
``N_`` for extraction; they are translated only when shown.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable


def N_(template: str) -> str:  # noqa: N802  (the gettext convention for "mark only")
    """Mark a template for the catalogs without translating it here."""
    return template


class Message(str):
    """An English message made of translatable parts ``(template, values)``."""

    parts: tuple[tuple[str, dict | None], ...]

    def __new__(cls, *parts: tuple[str, dict | None] | str) -> Message:
        # A plain string is a literal (a file name, a stop's id): never translated.
        norm = tuple((p, None) if isinstance(p, str) else p for p in parts)
        text = "".join(t % v if v else t for t, v in norm)
        obj = super().__new__(cls, text)
        obj.parts = norm
        return obj

    @classmethod
    def of(cls, template: str, **values) -> Message:
        return cls((template, values))

    def __add__(self, other: str) -> Message:
        extra = other.parts if isinstance(other, Message) else ((str(other), None),)
        return Message(*self.parts, *extra)

    def __radd__(self, other: str) -> Message:
        return Message((str(other), None), *self.parts)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language ``gettext`` speaks."""
        out = []
        for template, values in self.parts:
            if values is None:
                out.append(template)
            else:
                said = gettext(template)
                # A value may itself be a message (a kind of file, a reason): said too.
                values = {k: v.translated(gettext) if isinstance(v, Message) else v
                          for k, v in values.items()}
                out.append(said % values if values else said)
        return "".join(out)

    def mapped(self, clean: Callable[[str], str]) -> Message:
        """The same message with ``clean`` applied to every text value and literal."""
        return Message(*(
            (clean(t), None) if v is None
            else (t, {k: clean(x) if isinstance(x, str) and not isinstance(x, Message)
                      else x.mapped(clean) if isinstance(x, Message) else x
                      for k, x in v.items()})
            for t, v in self.parts
        ))


def at(source: str, message: Message) -> Message:
    """``message`` about the file ``source`` (the file's name stays as it is)."""
    return Message(source, ": ") + message


# --- the file cannot be read -------------------------------------------------------------

_OS_REASONS = {
    errno.ENOENT: N_("there is no such file: check its name and folder (the TOUR_DATA setting)"),
    errno.EACCES: N_("permission denied: the app's user may not read it"),
    errno.EPERM: N_("permission denied: the app's user may not read it"),
    errno.EISDIR: N_("this is a folder, not a file"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.ENAMETOOLONG: N_("the name is too long"),
    errno.EIO: N_("the disk could not be read (input/output error)"),
}


def os_reason(exc: OSError) -> Message:
    """Why the system refused a file, translatable for the common cases (else its own words)."""
    known = _OS_REASONS.get(exc.errno or 0)
    if known:
        return Message.of(known)
    return Message(exc.strerror or str(exc))


def unreadable(source: str, exc: OSError) -> Message:
    """« SOURCE: cannot read the file: REASON », the reason in the organiser's language."""
    return at(source, Message.of(N_("cannot read the file: %(reason)s"), reason=os_reason(exc)))


# --- the file is not what was expected -------------------------------------------------

def _ogr(source: str, extra: str = "", layer: str = "") -> str:
    # Another name than the source's: ogr2ogr refuses to write over what it reads
    # ("Source and destination datasets must be different"), which a GeoPackage saved
    # as stops.geojson would otherwise ask. The organiser then checks the new file and
    # puts it in place (the history keeps the version it replaces).
    return f"ogr2ogr -f GeoJSON -t_srs EPSG:4326{extra} {_target(source)} {source}{layer}"


def _target(source: str) -> str:
    """Where the converted file goes: beside the source, under another name."""
    folder, _slash, name = source.removeprefix("/vsizip/").rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    target = stem + ".geojson"
    if target == name:  # e.g. a GeoPackage saved as stops.geojson
        target = stem + "-converted.geojson"
    return (folder + "/" if folder else "") + target


def sniff(data: bytes, source: str) -> Message | None:
    """Name a well-known non-GeoJSON format from its first bytes, with the command to convert it."""
    head = data[:512]
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n").lower()
    kind = None
    extra = layer = ""
    if head.startswith(b"SQLite format 3\x00"):
        kind = Message.of(N_("a GeoPackage (an SQLite database)"))
    elif head[:4] == b"\x00\x00\x27\x0a":
        kind = Message.of(N_("a Shapefile (.shp)"))
    elif head.startswith(b"PK\x03\x04"):
        kind = Message.of(N_("a ZIP archive (a zipped Shapefile or a KMZ)"))
        return Message.of(
            N_("this is %(kind)s, not GeoJSON: unzip it, then convert it with: %(command)s"),
            kind=kind, command=_ogr("/vsizip/" + source),
        ) + _put_in_place(source)
    elif text.startswith("<") and "<kml" in text:
        kind = Message.of(N_("a KML file (Google Earth)"))
    elif text.startswith("<") and "<gpx" in text:
        kind = Message.of(N_("a GPX file"))
        layer = " waypoints"  # the stops; GPX also holds routes and tracks
    elif not text.startswith(("{", "[")) and _looks_like_csv(text):
        kind = Message.of(N_("a table (CSV)"))
        # A table says nothing of its coordinate system: longitude/latitude (WGS84) assumed.
        extra = " -s_srs EPSG:4326 -oo X_POSSIBLE_NAMES=lon*,x -oo Y_POSSIBLE_NAMES=lat*,y"
    if kind is None:
        return None
    return Message.of(
        N_("this is %(kind)s, not GeoJSON: convert it with: %(command)s"),
        kind=kind, command=_ogr(source, extra, layer),
    ) + _put_in_place(source)


def _put_in_place(source: str) -> Message:
    target = _target(source)
    return Message.of(
        N_(" — then check the new file (tourapp tour check %(target)s) and save it as the "
           "walk's file (TOUR_DATA) in place of this one; the history keeps every version "
           "served"),
        target=target,
    )


def _looks_like_csv(text: str) -> bool:
    # A header line of column names: several separators, no JSON or XML punctuation.
    header = text.splitlines()[0] if text else ""
    return any(header.count(sep) >= 1 for sep in (",", ";", "\t")) and not any(
        mark in header for mark in '{}[]<>"'
    )


# --- JSON that does not parse ------------------------------------------------------------

def json_error(text: str, exc: json.JSONDecodeError) -> Message:
    """Explain a JSON syntax error: a trailing comma, a cut file, else where it is."""
    before = text[: exc.pos].rstrip()
    # A comma right before "}" or "]": JSON forbids it after the last item.
    rest = text[exc.pos :].lstrip()
    if before.endswith(",") and (rest[:1] in ("}", "]")):
        line = text.count("\n", 0, len(before) - 1) + 1
        return Message.of(
            N_("line %(line)d ends with a comma after the last item of a list or object: "
               "remove that comma"),
            line=line,
        )
    if not text[exc.pos :].strip() or exc.msg.startswith("Unterminated string"):
        # The parser ran out of text (or a string never closes): the end is missing.
        return Message.of(
            N_("the file ends early (line %(line)d, column %(column)d) and looks incomplete: "
               "was it saved completely? Save it again, or restore a version "
               "(flask --app tourapp tour history)"),
            line=exc.lineno, column=exc.colno,
        )
    missing_mark = _MISSING_MARKS.get(exc.msg)
    if missing_mark is not None:
        # Python names the next token; the mark is missing after the previous one.
        line, column = _end_of(before)
        return Message.of(
            N_("invalid JSON at line %(line)d, column %(column)d: %(reason)s"),
            line=line, column=column, reason=Message.of(missing_mark),
        )
    reason = _JSON_REASONS.get(exc.msg)
    return Message.of(
        N_("invalid JSON at line %(line)d, column %(column)d: %(reason)s"),
        line=exc.lineno, column=exc.colno,
        reason=Message.of(reason) if reason else Message(exc.msg),
    )


def _end_of(before: str) -> tuple[int, int]:
    """(line, column) just after the last character of ``before`` (1-based, as editors)."""
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return line, column


_MISSING_MARKS = {
    "Expecting ',' delimiter": N_(
        "a comma is missing here, between two items of a list or object: add it"),
    "Expecting ':' delimiter": N_(
        "a colon is missing here, between a property's name and its value: add it"),
}

_JSON_REASONS = {
    "Invalid control character at": N_(
        "a text holds a control character (a tab or a line break typed inside quotes): "
        "write it as \\t or \\n, or remove it"),
    "Expecting property name enclosed in double quotes": N_(
        "a property name must be written in double quotes (\"name\"), and no comma may "
        "follow the last property"),
    "Expecting value": N_(
        "a value is expected here: a text in double quotes, a number, true, false, null, "
        "a list [ ] or an object { }"),
    "Extra data": N_(
        "something follows the end of the document: remove it (or it is a second document)"),
    "Invalid \\escape": N_(
        "a backslash starts an unknown escape: write \\\\ for a backslash"),
    "Invalid \\uXXXX escape": N_("\\u must be followed by four hexadecimal digits"),
}
