"""One honest group state over HTTP: several guides, late taps, reports sent twice, the
group's real position along a leg, the meeting point before the start, the end."""

# ruff: noqa: F811 - the fixtures of test_live_views are imported, then named as arguments
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tourapp.live.views import get_live
from tourapp.testing import sign_in

from .conftest import reset_rate_limits
from .test_live_views import FRENCH_TECH, app, client, clock, make_token, nb, state  # noqa: F401

HOTEL = (43.6077999, 3.8907432)


@pytest.fixture
def post(app, client, clock):
    """Post as the guide named ``name`` (one link per name), past the rate limit."""
    headers = {}

    def send(name, body):
        if name not in headers:
            headers[name] = {"Authorization": f"Bearer {make_token(app, name)}"}
        reset_rate_limits(app)
        return client.post("/live/guide", json=body, headers=headers[name])

    return send


def at(lat, lon, **extra):
    return {"type": "position", "lat": lat, "lon": lon, "accuracy": 10, **extra}


def test_two_guides_never_overwrite_each_other(client, post, clock):
    """Paul's message stays Paul's; the group's marker stays with the guide who holds it;
    one guide stopping does not hide the group while the other shares."""
    assert post("Marie", at(*FRENCH_TECH)).status_code == 200
    clock.now += 5
    assert post("Paul", {"type": "message", "text": "Paul here: wait at the fountain"}).status_code == 200
    clock.now += 5
    post("Paul", at(*HOTEL))  # Paul, 550 m behind
    clock.now += 5
    post("Marie", at(FRENCH_TECH[0] + 0.0001, FRENCH_TECH[1]))
    s = state(client)
    assert s["message"]["guide"] == "Paul" and s["message"]["text"].startswith("Paul here")
    # The group is where Marie (who shared first) is, not a jump to Paul and back.
    assert s["position"]["guide"] == "Marie" and s["position"]["lat"] == FRENCH_TECH[0] + 0.0001
    assert s["guides"] == ["Marie", "Paul"]
    clock.now += 5
    post("Paul", {"type": "stop"})
    s = state(client)
    assert s["position"]["guide"] == "Marie" and s["guides"] == ["Marie"]
    clock.now += 5
    post("Marie", {"type": "stop"})
    assert state(client)["position"] is None


def test_the_group_passes_to_the_other_guide_when_its_holder_stops(client, post, clock):
    post("Marie", at(*FRENCH_TECH))
    clock.now += 5
    post("Paul", at(*HOTEL))
    clock.now += 5
    post("Marie", {"type": "stop"})
    assert state(client)["position"]["guide"] == "Paul"


def test_each_report_is_signed_and_undo_takes_back_only_ones_own(app, client, post, clock):
    post("Marie", {"type": "clock", "at": "13:40"})
    post("Marie", {"type": "arrive", "stop": "espace-french-tech"})
    clock.now += 60
    post("Paul", {"type": "leave", "stop": "espace-french-tech"})
    with app.app_context():
        events = get_live().read()[1]["events"]
    assert [(e["kind"], e["guide"]) for e in events] == [("arrive", "Marie"), ("leave", "Paul")]
    refused = post("Marie", {"type": "undo"})
    assert refused.status_code == 422 and "another guide" in refused.get_json()["error"]
    assert state(client)["where"] == "walking"
    assert post("Paul", {"type": "undo"}).status_code == 200
    assert state(client)["where"] == "at" and state(client)["stop"] == "espace-french-tech"


def test_early_at_the_meeting_point_is_not_early(client, post):
    """A tap at 13:20 at the meeting point: the walk still starts at 13:30."""
    post("Marie", {"type": "clock", "at": "13:20"})
    post("Marie", {"type": "arrive", "stop": "hotel-de-metropole"})
    s = state(client)
    assert s["started"] is False and s["delay_min"] == 0
    assert s["stops"][1]["arrival"]["fr"] == nb("13 h 39")


def test_the_walk_ends_at_the_last_stop(client, post):
    post("Marie", {"type": "clock", "at": "15:30"})
    post("Marie", {"type": "arrive", "stop": "musee-fabre"})
    s = state(client)
    assert s["where"] == "finished" and s["delay_min"] is None and s["started"] is True


def test_a_guide_ends_the_walk_and_can_undo_it(client, post, clock):
    post("Marie", {"type": "clock", "at": "14:40"})
    post("Marie", {"type": "arrive", "stop": "msh-saint-charles"})
    clock.now += 5
    post("Marie", {"type": "end"})
    assert state(client)["where"] == "finished"
    clock.now += 5
    post("Marie", {"type": "undo"})
    assert state(client)["where"] == "at"


def test_a_shortened_visit_moves_the_estimates(client, post):
    post("Marie", {"type": "clock", "at": "14:32"})
    post("Marie", {"type": "arrive", "stop": "msh-saint-charles"})
    assert state(client)["stops"][3]["arrival"]["fr"] == nb("15 h 27")
    post("Marie", {"type": "visit", "stop": "msh-saint-charles", "minutes": 20})
    assert state(client)["stops"][3]["arrival"]["fr"] == nb("15 h 07")


def test_a_tap_kept_offline_keeps_its_time_on_the_walks_day(app, client, post, clock):
    """A departure tapped at 14:04 and sent at 14:19 (a 15-minute outage) is 14:04."""
    zone = ZoneInfo("Europe/Paris")
    today = dt.datetime.fromtimestamp(clock.now, zone)
    clock.now = today.replace(hour=14, minute=19, second=0).timestamp()
    tapped = clock.now - 15 * 60
    post("Marie", {"type": "clock", "at": "14:19"})
    assert post("Marie", {"type": "leave", "stop": "espace-french-tech", "t": tapped}).status_code == 200
    sign_in(client)  # the actuals are the organisers' (issue 19)
    csv = client.get("/en/actuals.csv").get_data(as_text=True).splitlines()
    assert csv[2].split(",")[6] == "14:04"
    yesterday = today.replace(hour=12) - dt.timedelta(days=1)
    late = post("Marie", {"type": "arrive", "stop": "musee-fabre", "t": yesterday.timestamp()})
    assert late.status_code == 422


def test_a_report_sent_twice_counts_once(app, client, post):
    post("Marie", {"type": "clock", "at": "13:48"})
    body = {"type": "arrive", "stop": "espace-french-tech", "id": "r-1"}
    first = post("Marie", body)
    again = post("Marie", body)  # the answer was lost: the phone sends it again
    assert first.status_code == again.status_code == 200
    assert again.get_json()["rev"] == first.get_json()["rev"]
    with app.app_context():
        assert len(get_live().read()[1]["events"]) == 1


def test_the_estimate_uses_where_the_group_is_along_the_leg(client, post, clock):
    """Left at 14:09 for the MSH (23 min, 1.7 km); at 14:22, two thirds along: there by 14:30,
    not at the plan's 14:32."""
    post("Marie", {"type": "clock", "at": "14:09"})
    post("Marie", {"type": "leave", "stop": "espace-french-tech"})
    clock.now += 13 * 60
    post("Marie", at(43.6131954, 3.8743756))  # on the leg, two thirds along
    s = state(client)
    assert s["where"] == "walking"
    assert s["stops"][2]["arrival"]["min"] < 14 * 60 + 31


def test_actuals_csv_for_a_spreadsheet_and_consistent_rounding(client, post, clock):
    """13:20:57 against a planned 13:30 is « 13:20 » and −10 (both rounded down); the
    spreadsheet variant has a BOM and semicolons, as French spreadsheets open it."""
    post("Marie", {"type": "clock", "at": "13:20"})
    clock.now += 57
    post("Marie", {"type": "arrive", "stop": "hotel-de-metropole"})
    sign_in(client)  # the actuals are the organisers' (issue 19)
    rows = client.get("/en/actuals.csv").get_data(as_text=True).splitlines()
    assert rows[1].split(",")[4] == "13:20" and rows[1].split(",")[7] == "-10"
    raw = client.get("/fr/actuals.csv?for=spreadsheet").get_data()
    assert raw.startswith("\ufeff".encode()) and raw.decode("utf-8-sig").startswith("order;id;name;")


def test_the_status_page_lists_every_guide(client, post, clock):
    post("Marie", at(*FRENCH_TECH))
    clock.now += 120
    post("Paul", {"type": "message", "text": "Paul ici"})
    sign_in(client)  # the status page is the organisers' (issue 19)
    html = " ".join(client.get("/en/status").get_data(as_text=True).split())
    assert "Marie: last report 2 min ago. The group's position on the map is theirs." in html
    assert "Paul: last report 0 min ago." in html
