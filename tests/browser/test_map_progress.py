"""The map shows where one is on the walk (issue 20, point 2).

Done, next and later stops look different (shape and label, not colour alone), the next
leg stands out, and re-centring keeps the way to the next stop in view.
"""

from __future__ import annotations

import pytest

from .conftest import wait_until
from .test_card_honesty import LEG2, on_path
from .test_follow import SEEDED_TOUR, card, paris


def look(page, stop_id: str) -> dict:
    """How a stop's marker looks: its class, label and the disc's shape and colour."""
    return page.evaluate(
        """(id) => {
          const node = document.querySelector(`[data-stop="${id}"]`);
          const disc = node.querySelector('.stop-marker__n');
          const style = getComputedStyle(disc);
          return {cls: node.className, label: node.getAttribute('aria-label'),
                  radius: style.borderRadius, colour: style.backgroundColor,
                  mark: getComputedStyle(disc, '::after').content};
        }""",
        stop_id,
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_done_next_and_later_stops_look_different(open_phone, live_server, lang):
    page = open_phone(live_server.url, position=on_path(LEG2, 0.5), at=paris(14, 20), lang=lang)
    assert card(page)["next"] == "msh-saint-charles"
    wait_until(page, "() => document.querySelector('[data-stop=\"hotel-de-metropole\"].is-done')")
    done = look(page, "espace-french-tech")
    nxt = look(page, "msh-saint-charles")
    later = look(page, "musee-fabre")
    assert "is-done" in done["cls"] and "is-next" in nxt["cls"]
    assert "is-done" not in later["cls"] and "is-next" not in later["cls"]
    # Not colour alone: the shapes differ, and the done stop carries a tick.
    assert len({done["radius"], nxt["radius"], later["radius"]}) == 3, (done, nxt, later)
    assert "✓" in done["mark"]
    assert len({done["colour"], nxt["colour"], later["colour"]}) == 3
    # And the labels say it.
    assert done["label"].endswith({"fr": "(terminée)", "en": "(done)"}[lang]), done["label"]
    assert nxt["label"].endswith({"fr": "(prochaine étape)", "en": "(next stop)"}[lang])
    # The next leg stands out: thicker than the others, the done one greyed and dashed.
    legs = page.evaluate(
        "() => tourapp.legs.map((l) => { const s = getComputedStyle(l.getElement());"
        " return {w: parseFloat(s.strokeWidth), c: s.stroke, d: s.strokeDasharray}; })"
    )
    assert legs[1]["w"] > legs[2]["w"] and legs[1]["w"] > legs[0]["w"], legs
    assert legs[0]["c"] != legs[1]["c"] and legs[0]["d"] != "none", legs


def test_recentre_shows_the_way_to_the_next_stop(open_phone, live_server):
    here = on_path(LEG2, 0.2)
    page = open_phone(live_server.url, position=here, at=paris(14, 15))
    assert card(page)["next"] == "msh-saint-charles"
    page.evaluate("() => tourapp.map.setView([43.55, 3.80], 17, {animate: false})")
    page.get_by_role("button", name="Centre the map on my position", exact=True).click()
    msh = list(SEEDED_TOUR.stops[2].location)
    wait_until(page, "(p) => tourapp.map.getBounds().contains(p)", msh)
    assert page.evaluate("(p) => tourapp.map.getBounds().contains(p)", list(here))


def test_at_a_stop_the_leg_ahead_is_next_not_done(open_phone, live_server):
    # At the MSH during its visit (14:32–15:12): the legs walked are done, the one to the
    # Musée Fabre is the next, as when walking it.
    page = open_phone(live_server.url, position=SEEDED_TOUR.stops[2].location, at=paris(14, 45))
    wait_until(page, "() => document.querySelector('[data-stop=\"msh-saint-charles\"].is-current')")
    kinds = page.evaluate(
        "() => tourapp.legs.map((l) => { const c = l.getElement().classList;"
        " return c.contains('leg-done') ? 'done' : c.contains('leg-next') ? 'next' : 'later'; })"
    )
    assert kinds == ["done", "done", "next"], kinds
