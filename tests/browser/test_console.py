"""The organisers' console in Chromium: sign-in by link, editing, a conflicting save, restore, axe."""

from __future__ import annotations

import pytest

from tourapp import stopsfile
from tourapp.console import auth
from tourapp.domain.tour import LANGUAGES

from .conftest import new_context, wait_until
from .test_accessibility import axe_violations


def _sign_in(page, live_server, lang="en"):
    app = live_server.server.app
    token = auth.make_link_token(app, "Alice", 1)
    page.goto(f"{live_server.url}/{lang}/console/sign-in#token={token}")
    # The script took the code from the fragment, and the fragment out of the address bar.
    wait_until(page, "() => !location.hash")
    assert page.input_value("#token") == token
    page.get_by_role("button", name="Sign in" if lang == "en" else "Se connecter").click()
    page.wait_for_url(f"{live_server.url}/{lang}/console/")


def test_sign_in_by_link_then_the_status_page_opens(page, live_server):
    page.goto(f"{live_server.url}/en/status")
    assert page.url.startswith(f"{live_server.url}/en/console/sign-in")
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/en/status")
    assert page.locator("h1").inner_text() == "Status of the walk's data"
    assert page.errors == []


def test_edit_a_name_by_keyboard_and_see_it_in_the_history(page, live_server, tour_file):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/en/console/edit")
    field = page.locator("#f-musee-fabre-name_en")
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("The Fabre, renamed")
    page.locator("#f-musee-fabre-description_en").focus()  # then Enter in a one-line field
    field.focus()
    page.keyboard.press("Enter")  # submits the form, as any form
    page.wait_for_selector(".console-messages")
    assert "is served to everyone now" in page.locator(".console-messages").inner_text()
    assert stopsfile.load(tour_file).stop("musee-fabre").name.en == "The Fabre, renamed"
    page.goto(f"{live_server.url}/en/console/history")
    assert "renamed" in page.locator(".version--served").inner_text()
    assert page.errors == []


def test_a_conflicting_save_is_refused_with_what_changed(browser, live_server, tour_file):
    pages = []
    for _ in range(2):
        context = new_context(browser)
        page = context.new_page()
        page.errors = []
        _sign_in(page, live_server)
        page.goto(f"{live_server.url}/en/console/edit")
        pages.append(page)
    first, second = pages
    first.fill("#f-musee-fabre-address_en", "39 Boulevard Bonne Nouvelle")
    first.get_by_role("button", name="Save and publish").click()
    first.wait_for_selector(".console-messages")
    second.fill("#f-musee-fabre-name_en", "Late name")
    second.get_by_role("button", name="Save and publish").click()
    conflict = second.locator("[data-conflict]")
    conflict.wait_for()
    assert "39 Boulevard Bonne Nouvelle" in conflict.inner_text()
    tour = stopsfile.load(tour_file)
    assert tour.stop("musee-fabre").name.en != "Late name"
    for page in pages:
        page.context.close()


def test_restore_with_one_button(page, live_server, tour_file):
    original = tour_file.read_text(encoding="utf-8")
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/en/console/edit")
    page.fill("#f-musee-fabre-name_en", "Changed")
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_selector(".console-messages")
    page.goto(f"{live_server.url}/en/console/history")
    restore = page.get_by_role("button", name="Restore version")
    assert restore.count() == 1
    restore.click()
    page.wait_for_selector(".console-messages")
    assert "restored" in page.locator(".console-messages").inner_text()
    assert stopsfile.load(tour_file).stop("musee-fabre").name.en != "Changed"
    assert tour_file.read_text(encoding="utf-8") == original


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_nothing_on_the_console(page, live_server, lang):
    page.goto(f"{live_server.url}/{lang}/console/sign-in")
    assert axe_violations(page)[0] == []
    _sign_in(page, live_server, lang)
    # Something in the history and an error beside a field, so those parts are checked too.
    page.goto(f"{live_server.url}/{lang}/console/edit")
    page.fill("#f-musee-fabre-duration_min", "x")
    page.locator("form.console-edit button[type=submit]").click()
    page.wait_for_selector(".field-error")
    violations, rules = axe_violations(page)
    assert violations == [] and rules > 50
    for path in ("console/", "console/history", "console/new", "status"):
        page.goto(f"{live_server.url}/{lang}/{path}")
        assert axe_violations(page)[0] == [], path


def test_drag_a_stop_on_the_map_then_save(page, live_server, tour_file):
    before = stopsfile.load(tour_file)
    second = before.stops[1]
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/en/console/edit")
    pin = page.locator(".console-pin").nth(1)
    pin.wait_for()
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    lat_before = page.input_value(f"#f-{second.id}-lat")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y - 20, steps=5)
    page.mouse.up()
    wait_until(page, "([id, was]) => document.getElementById(id).value !== was",
               [f"f-{second.id}-lat", lat_before])
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_selector(".console-messages")
    after = stopsfile.load(tour_file)
    moved = after.stop(second.id).location
    assert moved[0] > second.location[0]  # dragged north
    assert all(leg.routed for leg in after.legs)
    assert page.errors == []


def test_a_new_walk_from_rows_previewed_then_published(page, live_server, tour_file):
    _sign_in(page, live_server)
    page.get_by_role("link", name="A new walk").click()
    page.fill("#f-new-title_fr", "Balade 2019")
    page.fill("#f-new-title_en", "Walk 2019")
    page.fill("#f-new-date", "2019-11-19")
    page.fill("#f-new-start", "14:00")
    page.fill("#f-new-end", "16:00")
    page.fill("#f-rows", "Cathédrale\t43.6133, 3.8734\t15\nPeyrou\t43.6112, 3.8698\t10\n"
                         "Comédie\t43.6085, 3.8800\t5\nFabre\t43.6117, 3.8797\t20")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("[data-preview]")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 4
    assert axe_violations(page)[0] == []
    page.get_by_role("button", name="Publish this walk").click()
    page.wait_for_selector(".console-messages")
    tour = stopsfile.load(tour_file)
    assert tour.title.en == "Walk 2019" and len(tour.stops) == 4
    page.goto(f"{live_server.url}/en/")
    assert "Walk 2019" in page.locator("h1").inner_text()


def test_the_end_time_follows_what_is_typed(page, live_server):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/en/console/edit")
    end = page.locator("[data-schedule-end]")
    before = end.inner_text()
    field = page.locator("#f-musee-fabre-duration_min")
    field.fill("")
    field.type("50")
    wait_until(page, "([was]) => document.querySelector('[data-schedule-end]').textContent !== was",
               [before])
    assert "4:17" in end.inner_text()
    assert "4:17" in page.locator('[data-times="musee-fabre"]').inner_text()
