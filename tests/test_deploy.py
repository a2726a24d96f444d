"""deploy/: nginx in front of gunicorn against real slow clients, the systemd unit, Redis's
settings against a real SIGKILL, /healthz with the live store down, the production log."""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tourapp import create_app, settings
from tourapp.live.views import get_live, guide_token
from tourapp.testing import Gunicorn, RedisServer, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx-tourapp.conf"
UNIT = DEPLOY / "tourapp.service"
REDIS_CONF = DEPLOY / "redis-tourapp.conf"
HOST = "walk.example.org"  # the site's server_name: other names get no answer
SECRET = "0123456789abcdef0123456789abcdef"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TIME_LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def get(port: int, path: str = "/healthz", timeout_s: float = 15.0, host: str = HOST,
        headers: dict | None = None) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one GET, on a new connection."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        connection.close()


# --- the systemd unit -----------------------------------------------------------------------


def unit_command() -> list[str]:
    """The unit's ExecStart as the argument list systemd runs (``%%`` is a literal ``%``)."""
    line = next(x for x in UNIT.read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart=").replace("%%", "%"))


def test_the_shipped_env_file_holds_settings_and_no_usable_key():
    # Copied unchanged, it must not start a server with a key everybody can read here.
    pairs = dict(line.split("=", 1) for line in (DEPLOY / "tourapp.env").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert pairs["FLASK_SECRET_KEY"] == "" and pairs["FLASK_TRUSTED_PROXIES"] == "1"
    known = {s.env for s in settings.SETTINGS}
    assert set(pairs) <= known


def test_the_unit_runs_the_documented_production_command():
    command = unit_command()
    documented = "gunicorn --preload --workers 2 --threads 4 --keep-alive 10 --bind 127.0.0.1:8000"
    assert command[0].endswith("/gunicorn")
    assert " ".join(["gunicorn", *command[1:]]).startswith(documented)
    assert command[-1] == "tourapp:create_app()"
    # docs/deploy.md shows the same command, copy-pastable in a shell.
    assert f"`{shlex.join(['gunicorn', *command[1:]])}`" in (ROOT / "docs" / "deploy.md").read_text()
    # The nginx site sends to the address gunicorn binds.
    assert "server 127.0.0.1:8000;" in SITE.read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
def test_systemd_analyze_finds_nothing_to_say_about_the_unit(tmp_path):
    # Verified with this machine's gunicorn in place of /srv/tourapp/.venv's (it must exist).
    unit = tmp_path / "tourapp.service"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    unit.write_text(UNIT.read_text().replace("/srv/tourapp/.venv/bin/gunicorn", str(gunicorn)))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


# --- nginx in front of gunicorn -------------------------------------------------------------


def blocks(text: str) -> list[str]:
    """The top-level blocks of an nginx file (comments dropped), as text."""
    lines = [re.sub(r"#.*", "", line).rstrip() for line in text.splitlines()]
    found, depth, current = [], 0, []
    for line in lines:
        if not line.strip() and depth == 0:
            continue
        current.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0 and current:
            found.append("\n".join(current))
            current = []
    return found


def directives(block: str) -> list[str]:
    return [" ".join(line.split()) for line in block.splitlines() if line.strip()]


def site_for_test(port: int, upstream: int) -> str:
    """The shipped site on a loopback port in plain HTTP: TLS needs a certificate.

    Kept: the upstream, the server that drops unknown host names and the site's server
    with every directive except its listen and certificate lines.
    """
    upstream_block, drop_http, drop_tls, redirect, site = blocks(SITE.read_text())
    assert "return 444" in drop_http and "ssl_reject_handshake" in drop_tls
    assert "return 301 https://" in redirect and "proxy_pass" in site
    tls = re.compile(r"^\s*(listen|ssl_certificate|ssl_certificate_key) ")
    http_drop = "\n".join(line if "listen" not in line else "" for line in drop_http.splitlines())
    http_drop = http_drop.replace("{", f"{{\n    listen 127.0.0.1:{port} default_server;", 1)
    site_http = "\n".join(line for line in site.splitlines() if not tls.match(line))
    site_http = site_http.replace("{", f"{{\n    listen 127.0.0.1:{port};", 1)
    upstream_block = upstream_block.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
    kept = [d for d in directives(site) if not tls.match(d)]
    assert [d for d in directives(site_http) if not d.startswith("listen ")] == kept
    return "\n\n".join([upstream_block, http_drop, site_http]) + "\n"


class Nginx:
    """Debian's nginx, in the foreground, on a loopback port, with the shipped site."""

    def __init__(self, folder: Path, upstream: int):
        if not os.path.exists(NGINX):
            pytest.fail("nginx is missing: run .ci/install-system-deps (Debian: nginx)")
        self.folder = folder
        self.port = free_port()
        (folder / "site.conf").write_text(site_for_test(self.port, upstream))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers write in the test's folder
        temp = "".join(f"    {kind}_temp_path {folder / kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} info;\n"
            "events { worker_connections 2048; }\n"
            f"http {{\n    access_log {folder / 'access.log'};\n{temp}"
            f"    include {folder / 'site.conf'};\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        self.process = subprocess.Popen(
            [NGINX, "-e", "stderr", "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

        def answers() -> bool:
            try:
                return get(self.port)[0] == 200
            except OSError:
                return False

        try:
            wait_for(answers, f"nginx on port {self.port}", alive=lambda: self.process.poll() is None)
        except (RuntimeError, TimeoutError):
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process.stderr.close()


class SlowClients:
    """24 connections sending a request's headers a line a second, 200 that send nothing."""

    def __init__(self, port: int, slow: int = 24, idle: int = 200):
        self.port, self.slow, self.idle = port, slow, idle
        self.sockets: list[socket.socket] = []
        self.stop = threading.Event()

    def __enter__(self) -> SlowClients:
        trickle = []
        for index in range(self.slow + self.idle):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            self.sockets.append(sock)
            if index < self.slow:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode())
                trickle.append(sock)

        def drip() -> None:
            while not self.stop.wait(1.0):
                for sock in trickle:
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass  # the server gave up on it: that is its right

        self.thread = threading.Thread(target=drip, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def probe(port: int, seconds: float, timeout_s: float) -> list[float | None]:
    """GET /healthz every 0.25 s for ``seconds``: each answer's time, None if none came."""
    times: list[float | None] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, _, took = get(port, timeout_s=timeout_s)
            times.append(took if status == 200 else None)
        except OSError:
            times.append(None)
        time.sleep(0.25)
    return times


@pytest.fixture
def production(tmp_path, tour_file):
    """gunicorn started with the unit's own command line (bind and log files aside)."""
    command = unit_command()[1:-1]
    bind = command.index("--bind")
    del command[bind:bind + 2]  # the test binds a port the OS picks
    access = tmp_path / "access.log"
    # Links from nginx's X-Forwarded-Host, a trusted one (PUBLIC_URL would hide it).
    env = {"FLASK_TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": SECRET,
           "FLASK_TRUSTED_HOSTS": f'["{HOST}"]',
           "FLASK_INSTANCE_PATH": str(tmp_path / "instance"), "FLASK_TRUSTED_PROXIES": "1",
           "FLASK_LIVE_STORE": f"sqlite:///{tmp_path / 'live.sqlite3'}"}
    with Gunicorn([*command, "--access-logfile", str(access)], env, ROOT) as server:
        server.access = access
        server.port = int(server.url.rsplit(":", 1)[1])
        yield server


def test_slow_clients_do_not_stop_the_site_behind_nginx(tmp_path, production):
    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    with Nginx(nginx_folder, production.port) as nginx:
        with SlowClients(nginx.port):
            through_proxy = probe(nginx.port, seconds=6, timeout_s=3)
        # The reason the recipe exists: the same clients straight at gunicorn.
        with SlowClients(production.port):
            direct = probe(production.port, seconds=4, timeout_s=2)
        # nginx passed the address it saw, and the app believed exactly that one proxy.
        status, body, _ = get(nginx.port, "/fr/guides", headers={"X-Forwarded-Host": "evil.example"})
        assert status == 200 and b"evil.example" not in body
        assert f"http://{HOST}/fr/".encode() in body  # the QR code's link
    print(f"\n/healthz through nginx, held by 24 slow + 200 idle clients: {len(through_proxy)} "
          f"probes, slowest {max(t for t in through_proxy if t is not None):.3f} s; "
          f"straight at gunicorn: {sum(t is None for t in direct)} of {len(direct)} unanswered")
    assert None not in through_proxy and max(through_proxy) < 2.0, through_proxy
    assert all(t is None for t in direct), direct


def test_nginx_answers_no_other_host_name(tmp_path, production):
    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    with Nginx(nginx_folder, production.port) as nginx:
        # 444: nginx closes the connection without an answer.
        with pytest.raises(http.client.RemoteDisconnected):
            get(nginx.port, "/fr/", host="evil.example")
        assert get(nginx.port, "/fr/")[0] == 200


def test_the_request_log_has_time_method_path_status_and_duration(production):
    status, _, _ = get(production.port, "/fr/?at=14:00")
    assert status == 200
    line_re = re.compile(r"^\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] GET /fr/ 200 \d+ms$")

    def logged() -> bool:
        return production.access.exists() and any(
            line_re.match(line) for line in production.access.read_text().splitlines())

    wait_for(logged, "the access log line", timeout_s=10)
    assert "at=14" not in production.access.read_text()  # no query strings in the log


# --- Redis: the shipped settings against a SIGKILL, and /healthz while it is down ----------


SHIPPED = f"include {REDIS_CONF}\n"
SNAPSHOTS = "appendonly no\nsave 3600 1 300 100 60 10000\n"  # Redis's defaults


def guide_reports(app, count: int) -> list[int]:
    """Post ``count`` messages as guides (one link each: the rate limit is per link)."""
    client = app.test_client()
    acknowledged = []
    for index in range(count):
        with app.app_context():
            token = guide_token(f"G{index}", 1)
        response = client.post("/live/guide", json={"type": "message", "text": f"report {index}"},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        acknowledged.append(index)
    return acknowledged


def live_state(app) -> tuple[int, dict, int]:
    with app.app_context():
        live = get_live()
        rev, doc = live.read()
        return rev, doc, live.generation()


@pytest.mark.parametrize(("redis_settings", "kept"), [(SHIPPED, True), (SNAPSHOTS, False)],
                         ids=["deploy/redis-tourapp.conf", "Redis's default snapshots"])
def test_acknowledged_reports_and_revocations_survive_a_sigkill(tmp_path, tour_file, redis_settings,
                                                                kept):
    redis_server = RedisServer(tmp_path / "redis", redis_settings)
    with redis_server:
        app = create_app({"TESTING": True, "TOUR_DATA": tour_file, "LIVE_STORE": redis_server.url,
                          "SECRET_KEY": SECRET})
        with app.app_context():
            old_token = guide_token("Old", 1)
        guide_reports(app, 6)
        revoked = app.test_cli_runner().invoke(args=["tour", "guide-link", "--revoke-all"])
        assert revoked.exit_code == 0, revoked.output
        before = live_state(app)
        redis_server.kill()  # right after the last answer: no time to snapshot or sync later
        redis_server.start()
        after = live_state(app)
        still_revoked = app.test_client().get(
            "/live/guide", headers={"Authorization": f"Bearer {old_token}"}).status_code
    if kept:
        assert after == before and before[0] >= 6
        assert still_revoked == 403
    else:  # what the shipped settings prevent: the walk went back
        assert after[0] < before[0]
        # A lost generation starts anew at random: revoked links stay refused (point 4).
        assert after[2] != before[2] and still_revoked == 403


def test_healthz_reports_a_live_store_that_does_not_answer(tmp_path, tour_file):
    with RedisServer(tmp_path / "redis", SHIPPED) as redis:
        env = {"FLASK_TOUR_DATA": str(tour_file), "FLASK_SECRET_KEY": SECRET,
               "FLASK_PUBLIC_URL": f"https://{HOST}/",
               "FLASK_INSTANCE_PATH": str(tmp_path / "instance"), "FLASK_LIVE_STORE": redis.url}
        with Gunicorn(["--preload", "--workers", "2", "--threads", "4", "--keep-alive", "10"],
                      env, ROOT) as server:
            port = int(server.url.rsplit(":", 1)[1])
            assert get(port)[0] == 200
            redis.kill()
            status, body, took = get(port, timeout_s=10)
            assert status == 503, body
            assert b'"status":"degraded"' in body.replace(b" ", b"")
            assert b"the live store does not answer (ConnectionError)" in body
            assert str(redis.port).encode() not in body  # the store's address stays in the log
            assert took < 2.0, f"/healthz took {took:.2f} s with Redis down"
            # Participants' pages do not need the live store: they keep being served.
            assert get(port, "/fr/")[0] == 200 and get(port, "/tour.geojson")[0] == 200
            for _ in range(3):
                get(port, timeout_s=10)
            redis.start()
            wait_for(lambda: get(port)[0] == 200, "/healthz to say ok again", timeout_s=15)
            log = "".join(server.log)
    # The outage is logged once per worker, with time and level, not once per check.
    errors = [line for line in log.splitlines() if "live store: the live store does not" in line]
    assert 1 <= len(errors) <= 2, log
    assert all(TIME_LEVEL.match(line) and " ERROR tourapp: " in line for line in errors), errors
