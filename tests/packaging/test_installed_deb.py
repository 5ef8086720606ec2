"""The built .deb installed on this machine and used from its installed files alone.

`bash packaging/smoke-test.sh` builds the bundle and the package and runs this module with
YOMI_DEB naming the .deb (CI does when packaging changes: tests/run.sh). The package is
installed with dpkg as IT would; every `yomi` here is /usr/bin/yomi run with `env -i` and
only PATH, HOME (a fresh folder), DISPLAY and YOMI_SITE_CONFIG where a test says so, from a
working folder outside the source tree: no venv, no PYTHONPATH, no checkout on sys.path.
What the installed program does is compared with what the venv's source does on the same
real files (../shared/data). The last test removes the package and checks that nothing is
left behind. Runs as root (dpkg).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO

DEB = os.environ.get("YOMI_DEB", "")
pytestmark = pytest.mark.skipif(not DEB or os.geteuid() != 0,
                                reason="set YOMI_DEB to a built .deb and run as root (packaging/smoke-test.sh)")

YOMI = "/usr/bin/yomi"
PACKAGE_FILES = ("/opt/yomi/yomi", "/usr/bin/yomi", "/usr/share/applications/yomi.desktop",
                 "/usr/share/icons/hicolor/scalable/apps/yomi.svg", "/etc/yomi/site.toml")
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
CT_SERIES = "ct/lung-dx-a0001/series-2-5mm"


def _dpkg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["dpkg", *args], capture_output=True, text=True,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"})


def _installed() -> bool:
    out = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", "yomi"], capture_output=True, text=True)
    return out.stdout.strip() == "installed"


# A site dir that was here before the package (a station where IT ran `yomi site init` from a
# checkout) is the site's: purge must leave it, so the last test then checks the package's file only.
SITE_DIR_BEFORE = Path("/etc/yomi").exists()


@pytest.fixture(scope="module")
def installed():
    r = _dpkg("-i", DEB)
    assert r.returncode == 0, r.stderr
    yield
    if _installed() or Path("/etc/yomi/site.toml").exists():  # a failed test left it: leave the machine clean
        _dpkg("-P", "yomi")


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def run_installed(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess:
    """The installed `yomi` with a clean environment, from a folder outside the source tree."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_RUNTIME_DIR": str(home), **env}
    return subprocess.run([YOMI, *args], capture_output=True, text=True, env=clean, cwd=home, timeout=600)


def run_venv(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": str(REPO),
           "YOMI_SITE_CONFIG": str(home / "no-site.toml")}
    return subprocess.run([sys.executable, "-m", "app.main", *args], capture_output=True, text=True, env=env,
                          cwd=home, timeout=600)


def test_package_installs_its_files_with_the_project_version(installed) -> None:
    status = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${Conffiles}", "yomi"], capture_output=True,
                            text=True).stdout
    assert status.split()[0] == VERSION
    assert "/etc/yomi/site.toml" in status  # a conffile: IT's edits survive upgrades
    listed = set(_dpkg("-L", "yomi").stdout.split())
    for f in PACKAGE_FILES:
        assert f in listed and Path(f).exists(), f
    assert os.readlink("/usr/bin/yomi") == "/opt/yomi/yomi"
    site_dir = Path("/etc/yomi").stat()
    assert (site_dir.st_uid, site_dir.st_gid, site_dir.st_mode & 0o7777) == (0, 0, 0o755)  # readers cannot write
    entry = Path("/usr/share/applications/yomi.desktop").read_text(encoding="utf-8")
    assert "Exec=yomi --error-dialog" in entry and "Icon=yomi" in entry and "Terminal=false" in entry


def test_version_and_decoders_from_the_installed_files_alone(installed, home: Path) -> None:
    from app.components import decoders

    r = run_installed(["--version"], home)
    assert (r.returncode, r.stdout.strip()) == (0, f"yomi {VERSION}"), r.stderr
    r = run_installed(["--version", "-v"], home)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "bundle: yes; python 3." in r.stdout  # frozen: the bundle's own interpreter and modules
    # every compressed transfer syntax decodes with the same plugins as in the venv today
    bundled = {ln.removeprefix("decoder: ").rsplit(": ", 1)[0]: ln.rsplit(": ", 1)[1]
               for ln in lines if ln.startswith("decoder: ")}
    here = {syntax: ", ".join(plugins) or "(none)" for syntax, plugins in decoders().items()}
    assert bundled == here
    assert any("JPEG 2000" in s and "pylibjpeg" in p for s, p in bundled.items())
    font = next(ln for ln in lines if ln.startswith("cjk font: ")).removeprefix("cjk font: ")
    assert font.startswith("/opt/yomi/") and font.endswith((".ttc", ".ttf"))  # the bundle's own font


def test_inspect_from_the_bundle_matches_the_source(installed, home: Path, shared_data: Path) -> None:
    path = str(shared_data / CT_SERIES)
    bundled = run_installed(["inspect", path, "--json"], home)
    source = run_venv(["inspect", path, "--json"], home)
    assert bundled.returncode == source.returncode == 0, bundled.stderr + source.stderr
    assert json.loads(bundled.stdout) == json.loads(source.stdout)
    assert "Traceback" not in bundled.stderr


def test_render_of_every_transfer_syntax_that_loads_today(installed, home: Path, shared_data: Path,
                                                         artifacts: Path) -> None:
    from PIL import Image

    files = sorted((shared_data / "transfer-syntax").glob("*.dcm"))
    j2k = [f for f in files if "JPEG2000" in f.name]
    assert len(j2k) >= 2
    outcome, expected = {}, {}
    for f in files:
        out = home / f"{f.stem}.png"
        r = run_installed(["render", str(f), "--out", str(out), "--size", "128"], home)
        assert "Traceback" not in r.stderr, f.name
        outcome[f.name] = r.returncode
        if r.returncode == 0:
            px = np.asarray(Image.open(out).convert("L"), dtype=float)
            assert px.std() > 5, f"{f.name}: blank render"
        # the venv's answer for the same file: a syntax no decoder reads (JPEG process 6/8, 10/12)
        # and a file the volume refuses (no pixel data, no pixel spacing) fail in both alike
        expected[f.name] = run_venv(["render", str(f), "--out", str(home / "venv.png"), "--size", "128"],
                                    home).returncode
    assert outcome == expected
    assert all(outcome[f.name] == 0 for f in j2k)
    assert sorted(rc for rc in outcome.values()).count(0) >= len(files) - 4  # the four above, no more
    Image.open(home / f"{j2k[0].stem}.png").save(artifacts / "bundle-render-j2k.png")


def test_render_of_the_real_series_matches_the_source(installed, home: Path, shared_data: Path,
                                                      artifacts: Path) -> None:
    from PIL import Image

    args = ["render", str(shared_data / CT_SERIES), "--plane", "coronal", "--window", "lung"]
    a = run_installed([*args, "--out", str(home / "bundle.png")], home)
    b = run_venv([*args, "--out", str(home / "venv.png")], home)
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    bundled = np.asarray(Image.open(home / "bundle.png").convert("RGB"), dtype=int)
    source = np.asarray(Image.open(home / "venv.png").convert("RGB"), dtype=int)
    Image.open(home / "bundle.png").save(artifacts / "bundle-render-coronal.png")
    assert bundled.shape == source.shape and bundled.std() > 20
    assert np.abs(bundled - source).mean() < 1.0  # same VTK, same pixels (the text may antialias differently)


def test_config_show_names_each_origin(installed, home: Path) -> None:
    r = run_installed(["config", "show", "--json"], home)  # the installed sample: every line commented
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["site_file"] == "/etc/yomi/site.toml" and shown["site_file_present"]
    assert {s["origin"] for s in shown["settings"].values()} == {"defaults"}
    site = home / "site.toml"
    site.write_text('locked = ["centre.dicomweb_url"]\n[centre]\ndicomweb_url = "https://pacs.example/dicom-web"\n'
                    '[station]\nlanguage = "ja"\n', encoding="utf-8")
    user = home / "mine.toml"
    user.write_text("[centre]\nidle_lock_s = 120\n", encoding="utf-8")
    r = run_installed(["config", "show", "--json", "--config", str(user)], home, YOMI_SITE_CONFIG=str(site))
    assert r.returncode == 0, r.stderr
    settings = json.loads(r.stdout)["settings"]
    assert settings["centre.dicomweb_url"] == {"value": "https://pacs.example/dicom-web", "origin": str(site),
                                               "locked": True}
    assert settings["station.language"]["origin"] == str(site)
    assert settings["centre.idle_lock_s"] == {"value": 120.0, "origin": str(user), "locked": False}


@pytest.mark.parametrize("site_text, user_text, named", [
    ("[centre]\nidle_lok_s = 60\n", None, "centre.idle_lok_s"),
    ('[centre]\nidle_lock_s = "five minutes"\n', None, "centre.idle_lock_s"),
    ('[centre]\nca_bundle = "/etc/yomi/missing-ca.pem"\n', None, "centre.ca_bundle"),
    ('locked = ["station.language"]\n[station]\nlanguage = "ja"\n', '[station]\nlanguage = "en"\n',
     "station.language"),
])
def test_a_wrong_site_file_stops_the_start_with_file_and_key(installed, home: Path, site_text: str,
                                                            user_text: str | None, named: str) -> None:
    site = home / "site.toml"
    site.write_text(site_text, encoding="utf-8")
    args = ["--demo"]
    blamed = site
    if user_text is not None:
        blamed = home / "mine.toml"
        blamed.write_text(user_text, encoding="utf-8")
        args += ["--config", str(blamed)]
    r = run_installed(args, home, YOMI_SITE_CONFIG=str(site))  # no DISPLAY: it must stop before any window
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    line = r.stderr.strip()
    assert line.startswith(f"yomi: {blamed}:") and named in line and "\n" not in line


def test_demo_opens_from_the_bundle(installed, home: Path, artifacts: Path) -> None:
    from PIL import Image

    from tests.packaging.xvfb_screen import Screen

    with Screen() as screen:
        clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_RUNTIME_DIR": str(home), "DISPLAY": screen.display}
        proc = subprocess.Popen([YOMI, "--demo"], env=clean, cwd=home, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            frame = screen.wait_for_window(proc)  # the login window, drawn and holding still
            assert proc.poll() is None, proc.communicate()[1]
            assert frame is not None, "no window within 3 minutes"
        finally:
            proc.terminate()
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
    Image.fromarray(frame).save(artifacts / "bundle-demo-login.png")
    lit = frame.sum(axis=-1) > 0
    assert lit.mean() > 0.01, "nothing drawn on the screen"
    ys, xs = np.nonzero(lit)
    window = frame[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    assert window.shape[0] > 80 and window.shape[1] > 200  # a dialog, not a stray pixel
    assert len(np.unique(window.reshape(-1, 3), axis=0)) > 20  # text and widgets, not a flat rectangle
    assert "Traceback" not in err


def test_reinstall_keeps_the_site_file_it_edited(installed, home: Path) -> None:
    site = Path("/etc/yomi/site.toml")
    site.write_text(site.read_text(encoding="utf-8") + "# edited by IT for this station\n", encoding="utf-8")
    r = _dpkg("--force-confold", "-i", DEB)  # the same step as an upgrade: unpack over, configure
    assert r.returncode == 0, r.stderr
    assert site.read_text(encoding="utf-8").endswith("# edited by IT for this station\n")
    assert run_installed(["--version"], home).returncode == 0


def test_remove_leaves_only_the_conffile_and_purge_leaves_nothing(installed) -> None:
    r = _dpkg("-r", "yomi")
    assert r.returncode == 0, r.stderr
    for f in PACKAGE_FILES[:-1]:
        assert not os.path.lexists(f), f
    assert not Path("/opt/yomi").exists()  # nothing written into the bundle at run time either
    assert Path("/etc/yomi/site.toml").is_file()
    r = _dpkg("-P", "yomi")
    assert r.returncode == 0, r.stderr
    assert not Path("/etc/yomi/site.toml").exists()
    assert SITE_DIR_BEFORE or not Path("/etc/yomi").exists()
    assert subprocess.run(["dpkg-query", "-W", "yomi"], capture_output=True).returncode != 0
