"""``flask tour guide-link | actuals | live-reset | rehearse``."""

from __future__ import annotations

import csv
import io
import re

import gpxpy
import pytest

from tourapp import create_app
from tourapp.live import tokens
from tourapp.live.views import get_live

from .browser.conftest import LiveServer
from .conftest import TOUR_PROPS, _stop, write_doc

KEY = "k" * 32


@pytest.fixture
def app(tour_file, live_backend):
    return create_app({"TESTING": True, "TOUR_DATA": tour_file, "SECRET_KEY": KEY,
                       "PUBLIC_URL": "https://walk.example.org/"})


def link_token(output: str) -> str:
    match = re.search(r"https://walk\.example\.org/en/guide#token=(\S+)", output)
    assert match, output
    return match[1]


def test_guide_link_prints_a_working_link_and_its_qr_code(app, runner):
    result = runner.invoke(args=["tour", "guide-link", "--name", "Marie", "--hours", "3", "--lang", "en"])
    assert result.exit_code == 0, result.output
    token = link_token(result.output)
    assert "█" in result.output or "▀" in result.output  # the QR code, in the terminal
    with app.app_context():
        guide = tokens.check(KEY, token, get_live().generation())
    assert guide.name == "Marie"
    client = app.test_client()
    assert client.get("/live/guide", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_revoke_all_refuses_every_earlier_link(app, runner):
    token = link_token(runner.invoke(args=["tour", "guide-link", "--lang", "en"]).output)
    result = runner.invoke(args=["tour", "guide-link", "--revoke-all"])
    assert result.exit_code == 0 and "revoked" in result.output
    client = app.test_client()
    response = client.post("/live/guide", json={"type": "stop"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    fresh = link_token(runner.invoke(args=["tour", "guide-link", "--lang", "en"]).output)
    assert client.get("/live/guide", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_hours_are_bounded(runner):
    result = runner.invoke(args=["tour", "guide-link", "--hours", "0"])
    assert result.exit_code != 0 and "--hours" in result.output


def test_actuals_writes_csv_and_gpx(app, runner, tmp_path):
    with app.app_context():
        live = get_live()
        live.update(lambda d: {"clock": {"real_s": 1.7e9, "plan_min": 828, "speed": 1},
                               "events": [{"stop": "espace-french-tech", "kind": "arrive", "t": 1.7e9}]},
                    [1.7e9, 43.609125, 3.884371, 5.0])
    out_csv, out_gpx = tmp_path / "actuals.csv", tmp_path / "track.gpx"
    result = runner.invoke(args=["tour", "actuals", "--csv", str(out_csv), "--gpx", str(out_gpx)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert rows[1]["actual_arrival"] == "13:48" and rows[1]["arrival_delay_min"] == "9"
    assert gpxpy.parse(out_gpx.read_text()).tracks[0].segments[0].points[0].time.timestamp() == 1.7e9
    stdout = runner.invoke(args=["tour", "actuals", "--lang", "en"]).output
    assert stdout.startswith("order,id,name,")


def test_live_reset(app, runner):
    with app.app_context():
        get_live().update(lambda d: {"guide": "Marie"})
    result = runner.invoke(args=["tour", "live-reset", "--yes"])
    assert result.exit_code == 0
    with app.app_context():
        assert get_live().read()[1] == {}


def test_rehearse_walks_a_short_tour_against_a_running_app(tmp_path, live_backend):
    # Three stops 300 m apart, five minutes at the middle one: 8 s at 100×.
    step = 300 / 111_195  # degrees of latitude for 300 m
    doc = {"type": "FeatureCollection", "features": [
        _stop(1, "a", 3.88, 43.60, 0, **TOUR_PROPS),
        _stop(2, "b", 3.88, 43.60 + step, 5),
        _stop(3, "c", 3.88, 43.60 + 2 * step, 0),
    ]}
    path = write_doc(tmp_path / "short.geojson", doc)
    app = create_app({"TESTING": True, "TOUR_DATA": path, "SECRET_KEY": KEY})
    with LiveServer(app) as server:
        result = app.test_cli_runner().invoke(
            args=["tour", "rehearse", "--url", server.url, "--speed", "100", "--step-m", "150"])
        assert result.exit_code == 0, result.output
        state = app.test_client().get("/live/state.json").get_json()
    assert "arrive c" in result.output and "done:" in result.output
    assert state["where"] == "at" and state["stop"] == "c" and state["guide"] == "Rehearsal"
    assert state["position"] is None  # sharing stopped at the end
    # Each report carries the time it was due: the walk clock saw the plan, to the minute.
    arrival = state["stops"][2]
    assert arrival["arrived"] and abs(arrival["arrival"]["min"] - arrival["planned_arrival"]["min"]) <= 1
    with app.app_context():
        assert len(get_live().track()) >= 4


def test_actuals_and_gpx_use_the_served_walk_when_the_file_is_half_saved(
    app, client, runner, tour_file
):
    served = client.get("/healthz").json["version"]
    tour_file.write_bytes(tour_file.read_bytes()[:400])  # an editor caught mid-save
    for args in (["actuals", "--lang", "en"], ["gpx", "--url", "https://walk.example.org/"]):
        result = runner.invoke(args=["tour", *args])
        assert result.exit_code == 0, result.output
        assert "the file on disk is refused, the served walk is used" in result.stderr
    assert client.get("/healthz").json["version"] == served
