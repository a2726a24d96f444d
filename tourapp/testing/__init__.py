"""One harness for the tests and the benchmarks: live servers, Chromium on a phone.

Benchmarks run as ``.venv/bin/python benchmarks/x.py``, outside pytest, so what they
share with the tests lives in the installed package rather than in ``tests/``.
Nothing here is imported by the app. Playwright is a test extra: it is imported by
the functions that drive a browser, never at module level.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's Chromium (Playwright's own browser download cannot work offline)."""

CHROMIUM_ARGS = [
    "--no-sandbox",  # headless as root, in a container: the sandbox needs user namespaces
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No traffic of Chromium's own (updates, sync, field trials) on a machine without a network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Only loopback resolves: outside hosts fail at once, for service workers too, and
    # without request routing, which would turn off the HTTP cache a benchmark measures.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 568}
LANDSCAPE_PHONE = {"width": 844, "height": 390}

def answers(url: str, timeout_s: float = 2.0) -> bool:
    """Whether an HTTP server answers a GET of ``url`` (any status counts, no redirect followed)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_s)
    try:
        connection.request("GET", parts.path or "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30.0,
             alive: Callable[[], bool] = lambda: True) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` on timeout or if ``alive`` stops."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if not alive():
            raise RuntimeError(f"gave up waiting for {what}: the process ended")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.02)


class LiveServer:
    """A WSGI app served on a loopback port the OS chooses, in a thread.

    The socket is bound (port 0) and kept from the start, so no other process can take
    the port between choosing and serving; ``__enter__`` returns once a request is answered.
    """

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        try:
            wait_for(lambda: answers(self.url + "/"), f"the live server at {self.url}")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


class Gunicorn:
    """``gunicorn`` serving ``tourapp:create_app()`` on a loopback port it picks and reports.

    ``env`` is the whole environment of the server (add ``TOUR_DATA``, ``FLASK_SECRET_KEY``…).
    Production needs the site's address: without ``FLASK_PUBLIC_URL`` or
    ``FLASK_TRUSTED_HOSTS`` in ``env``, the loopback names are the trusted hosts.
    """

    def __init__(self, args: list[str], env: Mapping[str, str], cwd: str | os.PathLike):
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")), "--bind", "127.0.0.1:0",
            "--access-logfile", "/dev/null", "--log-level", "info", *args,
            "tourapp:create_app()",
        ]
        self.env = {"PATH": "/usr/bin:/bin", **env}
        if not {"FLASK_PUBLIC_URL", "FLASK_TRUSTED_HOSTS"} & set(env):
            self.env["FLASK_TRUSTED_HOSTS"] = json.dumps(LOOPBACK_HOSTS)
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.log: list[str] = []

    def __enter__(self) -> Gunicorn:
        process = self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, text=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        assert process.stderr is not None  # stderr=PIPE
        # gunicorn logs the address it bound: with port 0, that is the only way to know it.
        for line in process.stderr:
            self.log.append(line)
            match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            self.__exit__()
            raise RuntimeError("gunicorn did not start:\n" + "".join(self.log))
        # Keep reading its log, or a chatty server blocks on a full pipe.
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        try:
            # It binds before its workers load the app: wait until one answers.
            wait_for(lambda: answers(self.url + "/healthz"), f"gunicorn at {self.url}",
                     alive=lambda: process.poll() is None)
        except (RuntimeError, TimeoutError) as exc:
            self.__exit__()
            raise RuntimeError(f"gunicorn did not start ({exc}):\n" + "".join(self.log)) from None
        return self

    def _drain(self) -> None:
        stderr = self.process.stderr if self.process is not None else None
        for line in stderr or ():
            self.log.append(line)

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
        try:
            # A graceful stop lets requests in flight finish: on a loaded machine that
            # takes longer than a few seconds, and gunicorn's own limit is 30 s.
            self.process.wait(45)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        if getattr(self, "_drainer", None) is not None:
            self._drainer.join(10)  # the pipe is at its end once the server has exited
        if self.process.stderr is not None:
            self.process.stderr.close()


def free_port() -> int:
    """A TCP port free on loopback now (for servers that cannot bind port 0 and report it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """Debian's redis-server on a loopback port, killable and restarted on the same files.

    ``config`` is added to its configuration: ``f"include {deploy/redis-tourapp.conf}"``
    for the shipped settings, or the persistence a test wants (default: none at all).
    """

    NO_PERSISTENCE = 'save ""\nappendonly no\n'

    def __init__(self, folder: str | os.PathLike, config: str = NO_PERSISTENCE):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: run .ci/install-system-deps")
        self.binary = binary
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = self.folder / "redis.conf"
        self.conf.write_text(f"port {self.port}\nbind 127.0.0.1\ndir {self.folder}\n"
                             f"daemonize no\nlogfile {self.folder / 'redis.log'}\n{config}\n")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def answers(self) -> bool:
        """Whether it answers PING."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> RedisServer:
        """Start it (again) and wait until it answers."""
        process = self.process = subprocess.Popen(
            [self.binary, str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.answers, f"redis-server on port {self.port}", timeout_s=20,
                 alive=lambda: process.poll() is None)
        return self

    def kill(self) -> None:
        """SIGKILL: no time to save or sync anything more."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()


def fill_disk(folder: str | os.PathLike) -> Path:
    """Take every free block of the file system ``folder`` is on (a small tmpfs): ENOSPC."""
    filler = Path(folder) / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass  # ENOSPC: full
    finally:
        os.close(fd)
    return filler


def listening_port(process: subprocess.Popen, timeout_s: float = 30.0) -> int:
    """The TCP port a server process told to bind port 0 listens on, read from /proc (Linux).

    For servers that do not log the port they were given (osrm-routed logs "0").
    """
    pid = process.pid

    def find() -> int | None:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for table in ("tcp", "tcp6"):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    return int(fields[1].rsplit(":", 1)[1], 16)
        return None

    port = None

    def listening() -> bool:
        nonlocal port
        port = find()
        return port is not None

    wait_for(listening, f"process {pid} to listen", timeout_s,
             alive=lambda: process.poll() is None)
    assert port is not None  # wait_for returned: listening() saw it
    return port


# --- Chromium on a phone -------------------------------------------------------------------


def launch_chromium(playwright, args: list[str] | None = None):
    """Headless Debian Chromium with the shared flags (plus ``args``)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *(args or [])]
    )


def is_loopback(url: str) -> bool:
    """Whether ``url`` goes to this machine (or is local: data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True
    host = parts.hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def phone_context(browser, viewport: dict | None = None, block_outside: bool = True, **options):
    """A phone-sized browser context (touch, 2× pixels); requests to other hosts are aborted.

    Request routing turns off Chromium's HTTP cache: a benchmark that measures a repeat
    visit passes ``block_outside=False`` and relies on the launch flags' host rules.
    Tests may add their own routes (later routes take precedence).
    """
    settings = {
        "viewport": viewport or PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        **options,
    }
    context = browser.new_context(**settings)
    if block_outside:
        context.route(lambda url: not is_loopback(url), lambda route: route.abort())
    return context


def wait_until(page, expression: str, arg=None, timeout_s: float = 10.0) -> None:
    """Poll ``expression`` (a JS function of ``arg``) in ``page`` until it is truthy.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the
    page, which the app's Content-Security-Policy (no 'unsafe-eval') rightly forbids;
    ``page.evaluate`` runs through the DevTools protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for: {expression}")
        page.wait_for_timeout(50)


__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LANDSCAPE_PHONE",
    "PHONE",
    "SMALL_PHONE",
    "Gunicorn",
    "LiveServer",
    "RedisServer",
    "answers",
    "fill_disk",
    "free_port",
    "is_loopback",
    "launch_chromium",
    "listening_port",
    "phone_context",
    "wait_for",
    "wait_until",
]


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first console form in ``html``."""
    match = CSRF_RE.search(html)
    if match is None:
        raise AssertionError("no CSRF field in the page")
    return match[1]


def edit_form(html: str, **changes: str) -> dict[str, str]:
    """The console's edit form (``/<lang>/console/edit``) as it would be posted: every field
    with its value, ``changes`` put in (a field's name with "." written "__":
    ``tour__tour_start="14:00"``)."""
    fields = dict(re.findall(r'<input id="[^"]+" name="([^"]+)" type="text" value="([^"]*)"',
                             html))
    fields.update(re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>',
                             html))
    fields = {k: v.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
              for k, v in fields.items()}
    base = re.search(r'name="base" value="([^"]+)"', html)
    if base is None:
        raise AssertionError("no edit form in the page")
    fields.update({"csrf_token": csrf_of(html), "base": base[1]})
    fields.update({k.replace("__", "."): v for k, v in changes.items()})
    return fields


def sign_in(client, lang: str = "fr", name: str = "Test organiser", hours: float = 1) -> str:
    """Sign a Flask test client in as an organiser through the real sign-in page; its CSRF token."""
    from tourapp.console import auth

    token = auth.make_link_token(client.application, name, hours)
    page = client.get(f"/{lang}/console/sign-in")
    answer = client.post(f"/{lang}/console/sign-in",
                         data={"token": token, "csrf_token": csrf_of(page.text)})
    if answer.status_code != 303:
        raise AssertionError(f"sign-in refused: {answer.status_code}")
    return csrf_of(client.get(f"/{lang}/console/").text)


def sign_in_browser(page, base_url: str, app, lang: str = "en") -> None:
    """Sign a Playwright page in as an organiser, through the link and the sign-in page."""
    from tourapp.console import auth

    token = auth.make_link_token(app, "Test organiser", 1)
    page.goto(f"{base_url}/{lang}/console/sign-in#token={token}")
    wait_until(page, "() => !location.hash && document.getElementById('token').value")
    page.locator("form[data-sign-in] button[type=submit]").click()
    page.wait_for_url(f"{base_url}/{lang}/console/")
