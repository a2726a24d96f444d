"""The organisers' console over HTTP: sign-in, sessions, CSRF, every organiser URL both ways."""

from __future__ import annotations

import re
import time

import pytest

from tourapp.console import auth
from tourapp.testing import csrf_of, sign_in

ORGANISER_PAGES = [
    "/fr/status", "/en/status", "/fr/console/", "/en/console/",
    "/fr/console/history", "/en/console/history", "/fr/console/edit", "/en/console/edit",
]
ORGANISER_DOWNLOADS = ["/fr/actuals.csv", "/en/actuals.csv", "/fr/track.gpx", "/en/track.gpx"]
CONSOLE_POSTS = ["/fr/console/", "/fr/console/restore", "/fr/console/edit",
                 "/fr/console/sign-out"]
PUBLIC = ["/", "/fr/", "/en/", "/fr/map.js", "/fr/guides", "/fr/tour.gpx", "/fr/legs/1.gpx",
          "/tour.geojson", "/healthz", "/live/state.json", "/fr/guide"]


def _token(app, hours=1.0, name="Alice"):
    return auth.make_link_token(app, name, hours)


def _post_sign_in(client, token, lang="fr", next_url=""):
    page = client.get(f"/{lang}/console/sign-in")
    url = f"/{lang}/console/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"token": token, "csrf_token": csrf_of(page.text)})


@pytest.mark.parametrize("url", ORGANISER_PAGES)
def test_organiser_pages_lead_to_sign_in_then_open(client, url):
    response = client.get(url)
    assert response.status_code == 303
    lang = url[1:3]
    assert response.headers["Location"] == f"/{lang}/console/sign-in?next={url}"
    sign_in(client, lang)
    opened = client.get(url)
    assert opened.status_code == 200 and opened.mimetype == "text/html"
    assert "no-store" in opened.headers["Cache-Control"]


@pytest.mark.parametrize("url", ORGANISER_DOWNLOADS)
def test_organiser_downloads_answer_401_then_open(client, url):
    refused = client.get(url)
    assert refused.status_code == 401
    assert "attachment" not in refused.headers.get("Content-Disposition", "")
    sign_in(client)
    answer = client.get(url)
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]


@pytest.mark.parametrize("url", CONSOLE_POSTS)
def test_console_posts_without_session_or_csrf_are_refused(client, url):
    assert client.post(url, data={}).status_code == 403  # no CSRF token at all
    csrf = sign_in(client)
    assert client.post(url, data={"csrf_token": csrf + "x"}).status_code == 403
    assert client.post(url, data={"csrf_token": ""}).status_code == 403


@pytest.mark.parametrize("url", PUBLIC)
def test_participants_and_guides_urls_set_no_cookie_and_need_none(client, url):
    response = client.get(url)
    assert response.status_code in (200, 302)
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_session_cookie_is_httponly_samesite_and_expiring(client, app):
    response = _post_sign_in(client, _token(app))
    assert response.status_code == 303 and response.headers["Location"] == "/fr/console/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("tourapp_organiser=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # plain http in tests: a Secure cookie would be dropped


def test_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/fr/console/sign-in", base_url="https://walk.example")
    response = client.post("/fr/console/sign-in", base_url="https://walk.example",
                           data={"token": _token(app), "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert "; Secure" in response.headers["Set-Cookie"]


def test_sign_in_goes_back_to_the_page_asked_but_never_elsewhere(client, app):
    assert _post_sign_in(client, _token(app), next_url="/en/status").headers["Location"] \
        == "/en/status"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        other = app.test_client()
        assert _post_sign_in(other, _token(app), next_url=evil).headers["Location"] \
            == "/fr/console/"


def _broken(token: str) -> str:
    """``token`` with one character of its signature changed."""
    # Not its last characters: the last of a base64 text may carry only padding bits, so
    # changing it can leave the signature's bytes as they were (a test that passes by luck).
    at = len(token) - 5
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]


@pytest.mark.parametrize(("make", "status"), [
    (lambda app: "", 401),
    (lambda app: "not-a-token", 401),
    (lambda app: _broken(_token(app)), 401),  # signature broken
    # A guide's link is signed with the same key, under another salt: it opens nothing here.
    (lambda app: __import__("tourapp.live.tokens").live.tokens.make(
        app.config["SECRET_KEY"], "G", 1, 0), 401),
])
def test_bad_links_do_not_sign_in(client, app, make, status):
    response = _post_sign_in(client, make(app))
    assert response.status_code == status
    assert client.get("/fr/console/").status_code == 303


def test_an_expired_link_is_refused(client, app, monkeypatch):
    token = _token(app, hours=1)
    later = time.time() + 3601
    monkeypatch.setattr(auth.tokens.time, "time", lambda: later)
    response = _post_sign_in(client, token)
    assert response.status_code == 401 and "a expiré" in response.text
    assert client.get("/fr/console/").status_code == 303


def test_a_session_expires(client, app, monkeypatch):
    sign_in(client)
    assert client.get("/fr/console/").status_code == 200
    later = time.time() + app.config["CONSOLE_SESSION_HOURS"] * 3600 + 1
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert client.get("/fr/console/").status_code == 303


def test_revoke_all_refuses_old_links_and_sessions(client, app, runner):
    token = _token(app)
    sign_in(client)
    result = runner.invoke(args=["tour", "organiser-link", "--revoke-all"])
    assert result.exit_code == 0 and "revoked" in result.output
    assert client.get("/fr/console/").status_code == 303  # signed out
    response = _post_sign_in(app.test_client(), token)
    assert response.status_code == 401 and "révoqué" in response.text


def test_the_command_prints_a_link_that_signs_in(app, runner):
    result = runner.invoke(args=["tour", "organiser-link", "--hours", "2", "--lang", "en",
                                 "--url", "https://walk.example/"])
    assert result.exit_code == 0
    link = result.stdout.strip().splitlines()[0]
    match = re.fullmatch(r"https://walk\.example/en/console/sign-in#token=(\S+)", link)
    assert match
    client = app.test_client()
    assert _post_sign_in(client, match[1], lang="en").status_code == 303
    assert client.get("/en/console/").status_code == 200
    bad = runner.invoke(args=["tour", "organiser-link", "--hours", "100"])
    assert bad.exit_code != 0


def test_sign_out_ends_the_session(client):
    csrf = sign_in(client)
    assert client.post("/fr/console/sign-out", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/fr/console/").status_code == 303


def test_guide_links_are_made_and_revoked_from_the_console(client, app):
    csrf = sign_in(client)
    page = client.post("/en/console/", data={"csrf_token": csrf, "action": "make",
                                             "name": "Marie", "hours": "4"})
    assert page.status_code == 200
    token = re.search(r'value="http://localhost/en/guide#token=([^"]+)"', page.text)[1]
    assert client.get("/live/guide", headers={"Authorization": f"Bearer {token}"}).json == {
        "name": "Marie", "expires": pytest.approx(time.time() + 4 * 3600, abs=60)}
    revoked = client.post("/en/console/", data={"csrf_token": csrf, "action": "revoke"})
    assert revoked.status_code == 303
    assert client.get("/live/guide",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 403
    too_long = client.post("/en/console/", data={"csrf_token": csrf, "name": "x",
                                                 "hours": "73"}, follow_redirects=True)
    assert "from 1 to 72 hours" in too_long.text


def test_large_forms_only_for_organisers(client):
    big = {"csrf_token": "x", "rows": "a" * 100_000}
    assert client.post("/fr/console/new", data=big).status_code == 413  # not signed in
    big["csrf_token"] = sign_in(client)
    answer = client.post("/fr/console/new", data={**big, "action": "preview"})
    assert answer.status_code == 422  # read, and refused for what it says
