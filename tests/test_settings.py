"""tourapp/settings.py: one table of settings, read from the environment, checked at start."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tourapp import create_app, settings
from tourapp.settings import SettingError

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
GOOD_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def env(monkeypatch, tour_file):
    """A clean environment of settings (the developer's shell must not leak in)."""
    for name in list(os.environ):
        if name.startswith("FLASK_") or name in ("TOUR_DATA", "LIVE_STORE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TOUR_DATA", str(tour_file))
    return monkeypatch


def test_the_docs_table_is_the_settings_table():
    # docs/settings.md holds exactly the table settings.py prints: no setting missing or extra.
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert "\n".join(rows) + "\n" == settings.table()
    names = [re.match(r"\| `FLASK_(\w+)`", row).group(1) for row in rows[2:]]
    assert names == [s.name for s in settings.SETTINGS]


@pytest.mark.parametrize(("value", "hosts"), [
    ('["walk.example.org", ".example.fr"]', ["walk.example.org", ".example.fr"]),
    ("walk.example.org, balade.example.fr", ["walk.example.org", "balade.example.fr"]),
    ("", None),
])
def test_trusted_hosts_are_read_as_json_or_a_list(env, value, hosts):
    env.setenv("FLASK_TRUSTED_HOSTS", value)
    assert create_app({"TESTING": True}).config["TRUSTED_HOSTS"] == hosts


def test_every_setting_has_a_meaning_and_a_valid_default():
    for setting in settings.SETTINGS:
        assert setting.meaning.endswith(".") and "\n" not in setting.meaning, setting.name
        assert setting.parse(setting.default) == setting.default, setting.name


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("LIVE_STORE", "postgres://x", "expected redis://host:port/db"),
        ("FLASK_LIVE_STORE", "sqlite://relative.db", "expected redis://host:port/db"),
        ("FLASK_TOUR_HISTORY_KEEP", "ten", "expected a whole number from 1 up"),
        ("FLASK_TOUR_HISTORY_KEEP", "0", "expected a whole number from 1 up"),
        ("FLASK_TOUR_HISTORY_KEEP", "-3", "expected a whole number from 1 up"),
        ("FLASK_TOUR_MAX_BYTES", "8MB", "expected a whole number from 1 up"),
        ("FLASK_OFFLINE_TILE_CACHE_MAX", "", "expected a whole number from 1 up"),
        ("FLASK_TILE_URL", "https://tiles.example.org/{z}/{x}.png", "expected a tile address holding {z}, {x} and {y}"),
        ("FLASK_TILE_URL", "tiles.example.org/{z}/{x}/{y}.png", "expected a tile address holding {z}, {x} and {y}"),
        ("FLASK_PUBLIC_URL", "walk.example.org", "expected an http:// or https:// address"),
        ("FLASK_PUBLIC_URL", "ftp://walk.example.org/", "expected an http:// or https:// address"),
        ("FLASK_TRUSTED_HOSTS", '["walk.example.org"', "expected host names such as"),
        ("FLASK_TRUSTED_HOSTS", "https://walk.example.org/", "expected host names such as"),
        ("FLASK_TRUSTED_HOSTS", '{"walk.example.org": 1}', "expected host names such as"),
        ("FLASK_GEOCODER_TIMEOUT", "soon", "expected a number of seconds from 0 to 600"),
        ("FLASK_GEOCODER_TIMEOUT", "0", "expected a number of seconds from 0 to 600"),
        ("FLASK_GEOCODER_TIMEOUT", "601", "expected a number of seconds from 0 to 600"),
        ("TOUR_DATA", "", "expected a file or folder path"),
        ("FLASK_CONSOLE_SESSION_HOURS", "0", "expected a number of hours above 0 and at most 72"),
        ("FLASK_CONSOLE_SESSION_HOURS", "72.5", "expected a number of hours above 0 and at most 72"),
        ("FLASK_CONSOLE_SESSION_HOURS", "a day", "expected a number of hours above 0 and at most 72"),
        ("FLASK_CONSOLE_FAR_KM", "0", "expected a number of kilometres above 0 and at most 100"),
        ("FLASK_CONSOLE_FAR_KM", "2,5", "expected a number of kilometres above 0 and at most 100"),
    ],
)
def test_a_wrong_value_is_refused_at_start_naming_the_variable(env, variable, value, expected):
    env.setenv(variable, value)
    with pytest.raises(SettingError) as caught:
        create_app({"TESTING": True})
    message = str(caught.value)
    assert message.startswith(f"tourapp cannot start: {variable} is {value!r}, {expected}")
    assert message.count(". ") == 0 and "\n" not in message  # one sentence


@pytest.mark.parametrize(
    ("variable", "value", "name", "read"),
    [
        # Boundaries, the accepted side.
        ("FLASK_TOUR_HISTORY_KEEP", "1", "TOUR_HISTORY_KEEP", 1),
        ("FLASK_TOUR_HISTORY_KEEP", " 250 ", "TOUR_HISTORY_KEEP", 250),
        ("FLASK_GEOCODER_TIMEOUT", "600", "GEOCODER_TIMEOUT", 600.0),
        ("FLASK_GEOCODER_TIMEOUT", "0.5", "GEOCODER_TIMEOUT", 0.5),
        ("FLASK_TILE_URL", "https://{s}.tile.example.org/{z}/{x}/{y}.png", "TILE_URL",
         "https://{s}.tile.example.org/{z}/{x}/{y}.png"),
        ("FLASK_TILE_URL", "/tiles/{z}/{x}/{y}.png", "TILE_URL", "/tiles/{z}/{x}/{y}.png"),
        ("FLASK_PUBLIC_URL", "https://walk.example.org/", "PUBLIC_URL", "https://walk.example.org/"),
        ("FLASK_PUBLIC_URL", "", "PUBLIC_URL", ""),
        ("LIVE_STORE", "redis://127.0.0.1:6379/0", "LIVE_STORE", "redis://127.0.0.1:6379/0"),
        ("FLASK_LIVE_STORE", "unix:///run/redis/redis.sock", "LIVE_STORE",
         "unix:///run/redis/redis.sock"),
        ("FLASK_LIVE_STORE", "sqlite:///srv/tourapp/live.db", "LIVE_STORE",
         "sqlite:///srv/tourapp/live.db"),
        ("FLASK_GEOCODER", "addok:http://127.0.0.1:7878", "GEOCODER", "addok:http://127.0.0.1:7878"),
        ("FLASK_CONSOLE_SESSION_HOURS", "72", "CONSOLE_SESSION_HOURS", 72.0),
        ("FLASK_CONSOLE_SESSION_HOURS", "0.5", "CONSOLE_SESSION_HOURS", 0.5),
        ("FLASK_CONSOLE_FAR_KM", "100", "CONSOLE_FAR_KM", 100.0),
    ],
)
def test_a_good_value_is_read_and_typed(env, variable, value, name, read):
    env.setenv(variable, value)
    assert create_app({"TESTING": True}).config[name] == read


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"GEOCODER": "google"}, "GEOCODER='google' is not a geocoder"),
        ({"GEOCODER": "nominatim"}, "needs GEOCODER_USER_AGENT"),
        ({"TOUR_HISTORY_KEEP": "many"}, "TOUR_HISTORY_KEEP is 'many', expected a whole number"),
        ({"TOUR_HISTORY_KEEP": True}, "TOUR_HISTORY_KEEP is 'True', expected a whole number"),
    ],
)
def test_a_test_config_is_checked_the_same_way(env, config, message):
    with pytest.raises(SettingError, match=re.escape(message)):
        create_app({"TESTING": True, **config})


def test_old_and_new_names_both_work_and_must_agree(env, tour_file, tmp_path):
    env.delenv("TOUR_DATA")
    env.delenv("TOURAPP_INSTANCE")
    env.setenv("FLASK_TOUR_DATA", str(tour_file))
    env.setenv("FLASK_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"TESTING": True})
    assert app.config["TOUR_DATA"] == str(tour_file)
    assert app.instance_path == str(tmp_path / "inst")
    env.setenv("TOUR_DATA", str(tour_file))  # the same value under the old name: fine
    create_app({"TESTING": True})
    env.setenv("TOUR_DATA", str(tmp_path / "other.geojson"))
    with pytest.raises(SettingError, match="tourapp cannot start: FLASK_TOUR_DATA and TOUR_DATA are both set, to "
                                           "different values: set only FLASK_TOUR_DATA"):
        create_app({"TESTING": True})


def test_a_relative_instance_folder_is_made_absolute(env, tmp_path):
    env.chdir(tmp_path)
    env.setenv("TOURAPP_INSTANCE", "inst")
    assert create_app({"TESTING": True}).instance_path == str(tmp_path / "inst")


def test_an_unknown_flask_variable_is_named_in_the_log(env, caplog):
    env.setenv("FLASK_TILE_ULR", "https://tiles.example.org/{z}/{x}/{y}.png")
    env.setenv("FLASK_RUN_PORT", "5001")  # Flask's command line: not reported
    env.setenv("FLASK_MAX_CONTENT_LENGTH", "1024")  # Flask's own setting: still read
    with caplog.at_level(logging.WARNING, logger="tourapp"):
        app = create_app({"TESTING": True})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["FLASK_TILE_ULR is not a tourapp setting and is ignored (docs/settings.md)"]
    assert app.config["MAX_CONTENT_LENGTH"] == 1024


def test_only_settings_py_reads_the_environment_for_settings():
    # Every setting is read in one place; the others read the environment for other things.
    allowed = {
        "tourapp/settings.py",
        "tourapp/__init__.py",  # hands os.environ to settings.from_environ
        "tourapp/cli/language.py",  # the shell's language (LANG, LC_ALL) for commands' output
        "tourapp/testing/__init__.py",  # the harness starts servers with an environment
        "tourapp/geodata/local_addok.py",  # a program's PATH for the local geocoder
    }
    readers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tourapp").rglob("*.py")
        if re.search(r"os\.environ|getenv\(", path.read_text(encoding="utf-8"))
    }
    assert readers <= allowed, readers - allowed


# --- the real start paths: a sentence, never a traceback --------------------------------


def start(command: list[str], env: dict, timeout_s: float = 60) -> subprocess.CompletedProcess:
    base = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "TOURAPP_INSTANCE": os.environ["TOURAPP_INSTANCE"]}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                          env={**base, **env}, cwd=ROOT)


GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "--bind", "127.0.0.1:0",
            "tourapp:create_app()"]


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (GUNICORN[:1] + ["--preload", "--workers", "2", "--threads", "4"] + GUNICORN[1:], 3),
        (GUNICORN[:1] + ["--workers", "1"] + GUNICORN[1:], 3),  # each worker loads the app
        ([FLASK, "--app", "tourapp", "run", "--port", "0"], 1),
    ],
    ids=["gunicorn --preload", "gunicorn", "flask run"],
)
@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"LIVE_STORE": "postgres://x", "FLASK_SECRET_KEY": GOOD_KEY},
         "tourapp cannot start: LIVE_STORE is 'postgres://x', expected redis://host:port/db"),
        ({}, "tourapp refuses to start in production with a development SECRET_KEY"),
        ({"FLASK_SECRET_KEY": GOOD_KEY},
         "tourapp refuses to start in production without the site's address: set "
         "FLASK_PUBLIC_URL"),
    ],
    ids=["LIVE_STORE", "no key", "no address"],
)
def test_servers_refuse_a_wrong_setting_with_one_sentence(tour_file, command, status, env, sentence):
    result = start(command, {"TOUR_DATA": str(tour_file), **env})
    assert result.returncode == status, result.stderr
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr


def test_commands_log_only_warnings_and_servers_more(tour_file, tmp_path):
    # An organiser's command prints its own output: the app's INFO lines would be noise.
    env = {"TOUR_DATA": str(tour_file), "TOURAPP_INSTANCE": str(tmp_path)}
    checked = start([FLASK, "--app", "tourapp", "tour", "check"], env)
    assert checked.returncode == 0, checked.stderr
    assert " INFO tourapp" not in checked.stdout + checked.stderr
    typo = start([FLASK, "--app", "tourapp", "tour", "check"], {**env, "FLASK_TILE_ULR": "x"})
    warning = [line for line in typo.stderr.splitlines() if "FLASK_TILE_ULR" in line]
    assert len(warning) == 1 and re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING tourapp: FLASK_TILE_ULR is not", warning[0])


def test_guide_link_refuses_the_development_key(tour_file, tmp_path):
    env = {"TOUR_DATA": str(tour_file), "TOURAPP_INSTANCE": str(tmp_path)}
    refused = start([FLASK, "--app", "tourapp", "tour", "guide-link"], env)
    assert refused.returncode == 1
    assert "refusing to sign a guide link with the development SECRET_KEY" in refused.stderr
    assert "#token=" not in refused.stdout and "Traceback" not in refused.stderr
    # With the server's key, or for a development server (--debug), a link is printed.
    signed = start([FLASK, "--app", "tourapp", "tour", "guide-link"],
                   {**env, "FLASK_SECRET_KEY": GOOD_KEY})
    assert signed.returncode == 0 and "/fr/guide#token=" in signed.stdout, signed.stderr
    dev = start([FLASK, "--app", "tourapp", "--debug", "tour", "guide-link"], env)
    assert dev.returncode == 0 and "/fr/guide#token=" in dev.stdout, dev.stderr


@pytest.mark.parametrize(
    ("trusted", "headers", "link"),
    [
        # No proxy trusted: a client's own X-Forwarded-* changes nothing.
        ("0", {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
         "http://localhost/fr/"),
        # One proxy: what it set is believed (it overwrites what the client sent)…
        ("1", {"X-Forwarded-Host": "walk.example.org", "X-Forwarded-Proto": "https"},
         "https://walk.example.org/fr/"),
        # …and only the last hop of a list: a client cannot add one in front of it.
        ("1", {"X-Forwarded-Host": "evil.example, walk.example.org", "X-Forwarded-Proto": "https"},
         "https://walk.example.org/fr/"),
    ],
)
def test_the_app_trusts_exactly_the_proxies_it_is_told(env, trusted, headers, link):
    env.setenv("FLASK_TRUSTED_PROXIES", trusted)
    body = create_app({"TESTING": True}).test_client().get("/fr/guides", headers=headers)
    text = body.get_data(as_text=True)
    assert link in text and "evil.example" not in text


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_trusted_proxies_is_a_count(env, value):
    env.setenv("FLASK_TRUSTED_PROXIES", value)
    with pytest.raises(SettingError, match="FLASK_TRUSTED_PROXIES is .*, expected 0 .no proxy."):
        create_app({"TESTING": True})
