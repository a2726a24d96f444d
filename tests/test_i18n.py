"""Language choice and locale formatting of times and distances."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import g

from tourapp.render import i18n


@pytest.mark.parametrize(
    ("lang", "moment", "expected"),
    [
        ("fr", dt.time(13, 30), "13\u00a0h\u00a030"),  # no-break spaces: one line
        ("en", dt.time(13, 30), "1:30\u00a0PM"),
        ("fr", dt.time(9, 5), "9\u00a0h\u00a005"),
        ("en", dt.time(9, 5), "9:05\u00a0AM"),
    ],
)
def test_clock(app, lang, moment, expected):
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        assert i18n.clock(moment) == expected


@pytest.mark.parametrize(
    ("lang", "metres", "expected"),
    [
        ("fr", 534, "530\u00a0m"),
        ("en", 534, "530\u00a0m"),
        ("fr", 1247, "1,2\u00a0km"),
        ("en", 1247, "1.2\u00a0km"),
        ("fr", 12_345, "12,3\u00a0km"),
    ],
)
def test_distance(app, lang, metres, expected):
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        assert i18n.distance(metres) == expected


def test_clock_keeps_the_tours_time_zone(app):
    # 13:30 in Paris is 12:30 UTC: the page must say 13 h 30 whatever the server's zone.
    moment = dt.datetime(2018, 11, 20, 12, 30, tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Paris"))
    with app.test_request_context("/fr/"):
        g.lang = "fr"
        assert i18n.clock(moment) == "13\u00a0h\u00a030"


@pytest.mark.parametrize(
    ("header", "lang"),
    [("en-GB,en;q=0.9", "en"), ("fr-FR,fr;q=0.8,en;q=0.5", "fr"), ("de-DE", "fr"), ("", "fr")],
)
def test_root_redirects_by_accept_language(client, header, lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{lang}/"
    assert "Accept-Language" in response.headers["Vary"]
