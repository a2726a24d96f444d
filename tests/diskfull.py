"""Run inside ``unshare -rm``: the instance folder on a small tmpfs that really fills up.

Used by ``test_live_robust.py`` (issue 21, point 6). A mount namespace of its own lets
an unprivileged user mount a tmpfs of a few hundred kilobytes: writes then fail with
ENOSPC as on a full disk, and ``mount -o remount,ro`` makes the folder read-only as a
failing disk does. Prints one JSON object of what the app answered at each step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


class Clock:
    """The ``time`` module, with a monotonic clock the script moves on instead of sleeping."""

    def __init__(self) -> None:
        self.ahead_s = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead_s

    def __getattr__(self, name: str):
        return getattr(time, name)


def mount(folder: Path, size_kb: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
                   check=True)


def fill(folder: Path) -> Path:
    """Take every free block of the tmpfs."""
    from tourapp.testing import fill_disk

    return fill_disk(folder)


def observe(client, steps: list, name: str) -> None:
    from tourapp.live.views import guide_token
    from tourapp.testing import sign_in

    if not getattr(client, "signed_in", False):
        sign_in(client)  # the status page is the organisers' (issue 19)
        client.signed_in = True
    answers = {}
    for url in ("/fr/", "/healthz", "/live/state.json", "/fr/status", "/tour.geojson"):
        response = client.get(url)
        answers[url] = [response.status_code, response.headers.get("X-Tour-Version")]
    answers["healthz"] = client.get("/healthz").get_json()
    app = client.application
    try:
        with app.app_context():
            token = guide_token("M", 8)
        posted = client.post("/live/guide", json={"type": "message", "text": name},
                             headers={"Authorization": f"Bearer {token}"})
        answers["post"] = posted.status_code
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        answers["post"] = repr(exc)
    steps.append([name, answers])


def main() -> None:
    scenario, instance, data = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    mount(instance, 512)
    os.environ["TOURAPP_INSTANCE"] = str(instance)
    os.environ.pop("LIVE_STORE", None)  # the default: SQLite in the instance folder
    from tourapp import create_app
    from tourapp.live import backends
    from tourapp.stopsfile import history, store

    clock = Clock()
    store.time = backends.time = clock  # type: ignore[assignment]

    def app():
        return create_app({"TESTING": True, "TOUR_DATA": str(data), "SECRET_KEY": "k" * 32})

    steps: list = []
    client = app().test_client()
    observe(client, steps, "before")
    folder = Path(client.application.config["TOUR_HISTORY_DIR"])
    doc = json.loads(data.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name_fr"] = "Nouveau nom"
    if scenario == "full":
        filler = fill(instance)
        data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        observe(client, steps, "full")
        observe(app().test_client(), steps, "full, restarted")
        filler.unlink()
        # The tour's store tries a refused file again RETRY_S after it failed, the live store
        # its database BREAK_S after it failed: their clock is moved on rather than waited for.
        clock.ahead_s += max(store.RETRY_S, backends.Guarded.BREAK_S)
        observe(client, steps, "space back")
        observe(app().test_client(), steps, "space back, restarted")
    else:
        # A read-only bind of the folder over itself: what a disk remounted read-only gives.
        subprocess.run(["mount", "--bind", str(instance), str(instance)], check=True)
        subprocess.run(["mount", "-o", "remount,ro,bind", str(instance)], check=True)
        observe(app().test_client(), steps, "read-only")
        data.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        observe(app().test_client(), steps, "read-only, file changed")
    served = [s[1]["/fr/"][1] for s in steps]
    recorded = [e.version for e in history.History(folder).entries()]
    print(json.dumps({"steps": steps, "served": served, "recorded": recorded,
                      "current": history.History(folder).current()}))


if __name__ == "__main__":
    main()
