"""The wheel built from the repository is the whole app, installed anywhere.

The real path: the wheel is built from a copy of the repository's files (what a clone
has, nothing the clone's runs left behind), installed with pip into a new virtual
environment (and with pipx), and run from a folder outside the clone by its
``tourapp`` command. Offline: the app's dependencies, already installed for this test
run, are lent to the new environments from a folder of links to them that leaves out
the clone's own (editable) install of tourapp; every test checks that ``tourapp`` is
imported from the new environment, i.e. from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tourapp.testing import listening_port

from .conftest import ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
SECRET_KEY = "a-long-random-key-for-the-packaging-tests-0123456789"


def repository_files() -> list[str]:
    """The files a clone has: tracked, plus new ones not ignored (a helper's uncommitted work)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def dependencies(tmp_path_factory) -> Path:
    """The test run's installed packages, as links, without the clone's tourapp."""
    folder = tmp_path_factory.mktemp("dependencies")
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(("tourapp", "__editable__")):
            (folder / entry.name).symlink_to(entry)
    return folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the repository without build isolation (offline)."""
    src = tmp_path_factory.mktemp("clone")
    for name in repository_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(dist), str(src)],
        check=True, capture_output=True, cwd=dist,
    )
    (built,) = dist.glob("tourapp-*.whl")
    return built


@dataclass
class Installed:
    venv: Path
    elsewhere: Path  # a folder outside the clone, where commands run

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: no PYTHONPATH (the clone), no test instance folder, no TOUR_DATA."""
        return {
            "PATH": f"{self.bin}:/usr/bin:/bin", "HOME": str(self.elsewhere),
            "LC_ALL": "C.UTF-8", **extra,
        }

    def run(self, *args: str, env: dict[str, str] | None = None, check: bool = True,
            **kwargs) -> subprocess.CompletedProcess:
        """``tourapp ARGS…`` as the installed command, from the folder outside the clone."""
        result = subprocess.run(
            [str(self.bin / "tourapp"), *args], cwd=self.elsewhere, env=env or self.env(),
            capture_output=True, text=True, timeout=300, **kwargs,
        )
        if check:
            assert result.returncode == 0, f"tourapp {' '.join(args)}:\n{result.stdout}{result.stderr}"
        return result

    def package_files(self) -> dict[str, int]:
        """Every file of the installed package with its time stamp (nanoseconds)."""
        package = self.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
        package = package / "site-packages" / "tourapp"
        return {
            str(path.relative_to(package)): path.stat().st_mtime_ns
            for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts
        }


@pytest.fixture(scope="module")
def installed(wheel, dependencies, tmp_path_factory) -> Installed:
    """The wheel installed (``pip install``, not editable) into a new virtual environment."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    # After the new environment's own site-packages (see the module's docstring).
    Path(site, "test-run-dependencies.pth").write_text(
        f"import site; site.addsitedir({str(dependencies)!r})\n"
    )
    # Without PYTHONPATH: a clone on it (as in a worktree's test run) shows pip the clone's
    # tourapp metadata, and pip would then install nothing ("already satisfied").
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, env=clean,
    )
    return Installed(venv, tmp_path_factory.mktemp("elsewhere"))


def test_the_wheel_carries_templates_static_files_catalogs_data_and_every_subpackage(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").glob("*.html"):
        assert f"tourapp/templates/{template.name}" in names
    for static in (ROOT / "static").rglob("*"):
        if static.is_file():
            assert f"tourapp/{static.relative_to(ROOT)}" in names
    assert "tourapp/static/vendor/leaflet-lite/leaflet.js" in names
    for lang in ("fr", "en"):
        # Compiled when the wheel is built: an installed app never writes beside its code.
        assert f"tourapp/translations/{lang}/LC_MESSAGES/messages.mo" in names
    assert not [name for name in names if name.endswith(".po")]
    for data in ("stops.geojson", "montpellier/voies.geojson", "montpellier/adresses.csv",
                 "montpellier/README.md"):
        assert f"tourapp/data/{data}" in names
    packages = {
        str(init.parent.relative_to(ROOT)) for init in (ROOT / "tourapp").rglob("__init__.py")
    }
    assert "tourapp/testing" in packages  # the harness, in the clone only
    for package in packages - {"tourapp/testing"}:
        assert f"{package}/__init__.py" in names
    assert not [name for name in names if name.startswith("tourapp/testing")]
    assert f"tourapp-{VERSION}.dist-info/licenses/LICENSE" in names
    (entry_points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    assert "tourapp = tourapp.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_command_runs_the_wheels_code(installed):
    where = subprocess.run(
        [str(installed.bin / "python"), "-c", "import tourapp; print(tourapp.__file__)"],
        cwd=installed.elsewhere, env=installed.env(), check=True, capture_output=True, text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.venv), where
    assert installed.run("--version").stdout.strip() == f"tourapp, version {VERSION}"


def test_the_installed_app_serves_the_walk_it_carries_in_both_languages(installed):
    before = installed.package_files()
    server = subprocess.Popen(
        [str(installed.bin / "tourapp"), "run", "--port", "0"], cwd=installed.elsewhere,
        env=installed.env(FLASK_SECRET_KEY=SECRET_KEY, FLASK_TRUSTED_HOSTS='["127.0.0.1"]'),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{listening_port(server)}"

        def get(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    return response.status, response.read().decode(errors="replace")
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode(errors="replace")

        status, health = get("/healthz")
        assert status == 200 and json.loads(health)["status"] == "ok", health
        status, french = get("/fr/")
        assert status == 200
        assert '<html lang="fr"' in french
        assert "Déambulation urbaine autour de la Cité intelligente" in french
        status, english = get("/en/")
        assert status == 200
        assert '<html lang="en"' in english
        assert "Urban walk around the smart city" in english
        assert "Déambulation" not in english  # the English catalog, not the source strings
        for lang in ("fr", "en"):
            status, gpx = get(f"/{lang}/tour.gpx")
            assert status == 200 and "<gpx" in gpx and "<trkseg>" in gpx
        for asset in re.findall(r'(?:src|href)="(/(?:static|bundles)/[^"]+)"', french):
            assert get(asset.replace("&amp;", "&"))[0] == 200, asset
    finally:
        server.terminate()
        server.wait(10)
        server.stderr.close()
    # Nothing was written inside the package (a read-only install would serve the same).
    assert installed.package_files() == before


def test_every_organiser_command_runs_from_the_installed_package(installed, addok_url, tmp_path):
    walk = installed.elsewhere / "my-walk" / "stops.geojson"
    first = installed.run("tour", "init", str(walk))
    assert f"TOUR_DATA={walk}" in first.stdout
    env = installed.env(
        TOUR_DATA=str(walk), FLASK_SECRET_KEY=SECRET_KEY, FLASK_GEOCODER=f"addok:{addok_url}",
    )
    again = installed.run("tour", "init", str(walk), check=False)
    assert again.returncode == 1 and "already exists" in again.stderr

    def run(*args: str) -> str:
        return installed.run(*args, env=env).stdout

    assert "OK: 4 stops" in run("tour", "check")
    run("tour", "route")  # the city's street network inside the package
    run("tour", "add-stop", "opera-comedie", "--name-fr", "Opéra Comédie",
        "--name-en", "Opéra Comédie", "--address", "11 boulevard Victor Hugo",
        "--after", "espace-french-tech", "--duration", "15")
    run("tour", "move-stop", "opera-comedie", "--lonlat", "3.8797,43.6086")
    run("tour", "remove-stop", "opera-comedie")
    history = run("tour", "history")
    versions = re.findall(r"^\*?\s*([0-9a-f]{8,})", history, re.M)
    assert len(versions) >= 4, history
    run("tour", "restore", versions[-1][:8])
    assert "OK: 4 stops" in run("tour", "check", "--strict")
    out = installed.elsewhere / "out"
    out.mkdir()
    run("tour", "gpx", "--lang", "en", "--url", "https://walk.example.org/",
        "-o", str(out / "walk.gpx"))
    assert "<gpx" in (out / "walk.gpx").read_text(encoding="utf-8")
    assert "/fr/guide#token=" in run("tour", "guide-link", "--url", "https://walk.example.org/")
    link = run("tour", "organiser-link", "--url", "https://walk.example.org/")
    assert "https://walk.example.org/fr/console/sign-in#token=" in link
    run("tour", "actuals", "--csv", str(out / "actuals.csv"), "--gpx", str(out / "track.gpx"))
    assert (out / "actuals.csv").read_text(encoding="utf-8").startswith("order,id,name,")
    run("tour", "live-reset", "--yes")
    run("freeze", str(out / "site"), "--url", "https://walk.example.org/")
    assert (out / "site" / "en" / "index.html").exists()
    # rehearse needs a running app and at least a minute: tests/test_live_rehearsal.py.
    commands = run("tour", "--help").split("Commands:")[1]
    listed = set(re.findall(r"^  ([a-z-]+)", commands, re.M))
    assert listed == {
        "actuals", "add-stop", "check", "gpx", "guide-link", "history", "init", "live-reset",
        "move-stop", "organiser-link", "rehearse", "remove-stop", "restore", "route",
    }, "a new command: run it above"


def test_pipx_installs_the_wheel_as_the_tourapp_command(wheel, dependencies, tmp_path):
    home = tmp_path / "pipx"
    # pipx lends its shared libraries (normally pip alone) to every app it installs: here
    # the dependencies too, already in place, so that its own upgrade of pip is not needed.
    shared = home / "shared"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(shared)], check=True)
    site = next((shared / "lib").glob("python3*/site-packages"))
    for entry in dependencies.iterdir():
        (site / entry.name).symlink_to(entry.resolve())
    (shared / "bin" / "pip").write_text(
        f"#!{shared / 'bin' / 'python'}\nimport sys\n"
        "from pip._internal.cli.main import main\nsys.exit(main())\n"
    )
    (shared / "bin" / "pip").chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PIPX_HOME": str(home),
        "PIPX_BIN_DIR": str(tmp_path / "bin"), "PIPX_MAN_DIR": str(tmp_path / "man"),
        "PIPX_SHARED_LIBS": str(shared), "PIPX_DISABLE_SHARED_LIBS_AUTO_UPGRADE": "1",
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("pipx")), "install",
         "--pip-args=--no-deps --no-index", str(wheel)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    command = tmp_path / "bin" / "tourapp"
    where = subprocess.run(
        [str(home / "venvs" / "tourapp" / "bin" / "python"), "-c",
         "import tourapp; print(tourapp.__file__)"],
        env=env, cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(home / "venvs" / "tourapp"), where
    assert subprocess.run([str(command), "--version"], env=env, cwd=tmp_path, check=True,
                          capture_output=True, text=True).stdout.strip().endswith(VERSION)
    checked = subprocess.run([str(command), "tour", "check"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and "OK: 4 stops" in checked.stdout, checked.stderr


@pytest.mark.parametrize("command", ["installed", "clone"])
def test_serving_without_a_secret_key_says_in_one_sentence_what_to_set(command, request):
    if command == "installed":
        installed = request.getfixturevalue("installed")
        result = installed.run("run", check=False)
    else:  # the clone's own Flask command, as the README offered it
        result = subprocess.run(
            [str(Path(sys.executable).with_name("flask")), "--app", "tourapp", "run"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={k: v for k, v in os.environ.items() if not k.startswith("FLASK_")},
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "FLASK_SECRET_KEY" in line
