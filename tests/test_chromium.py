"""Finding Chrome/Chromium (cx_metrics.chromium), `make chromium` without one, and the
browser tests' marker: every test in tests/browser is `browser` and skips without a browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cx_metrics import chromium

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bare(monkeypatch, tmp_path) -> Path:
    """A machine with no browser: no settings, an empty PATH folder, no usual places."""
    for setting in chromium.SETTINGS:
        monkeypatch.delenv(setting, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(chromium, "PLACES", ())
    return tmp_path


def executable(folder: Path, name: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_none_found(bare):
    assert chromium.find() is None


@pytest.mark.parametrize("name", ["chromium", "chromium-browser", "google-chrome"])
def test_found_on_path(bare, name):
    path = executable(bare, name)
    assert chromium.find() == path


def test_found_in_a_usual_place(bare, monkeypatch, tmp_path):
    app = executable(tmp_path, "Google Chrome")  # say /Applications/Google Chrome.app/Contents/MacOS/
    monkeypatch.setattr(chromium, "PLACES", (str(tmp_path / "missing"), app))
    assert chromium.find() == app


@pytest.mark.parametrize(("cx", "browser_path", "found"), [
    ("chrome", None, "chrome"),  # CX_CHROMIUM names the browser
    (None, "chrome", "chrome"),  # kaleido's own setting works too
    ("chrome", "other", "chrome"),  # ours wins
    ("none", "chrome", None),  # a value that is no browser means none (how tests simulate a bare machine)
    ("none", None, None),
])
def test_settings_win_over_the_search(bare, monkeypatch, cx, browser_path, found):
    paths = {"chrome": executable(bare, "my-chrome"), "other": executable(bare, "other-chrome")}
    executable(bare, "chromium")  # on PATH, but a setting decides
    for setting, value in zip(chromium.SETTINGS, (cx, browser_path)):
        if value:
            monkeypatch.setenv(setting, paths.get(value, value))
    assert chromium.find() == paths.get(found)


@pytest.mark.parametrize(("setting", "code"), [("none", 1), (sys.executable, 0)])
def test_the_module_prints_the_path_or_how_to_get_one(setting, code):
    proc = subprocess.run([sys.executable, "-m", "cx_metrics.chromium"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CX_CHROMIUM": setting}, timeout=60)
    assert proc.returncode == code
    assert proc.stdout == (chromium.HOW_TO if code else sys.executable) + "\n"


@pytest.mark.skipif(not shutil.which("make"), reason="no make on this machine")
def test_make_chromium_never_fails_and_says_what_is_off():
    # With CX_CHROMIUM set, the target installs nothing: this only checks what it says.
    proc = subprocess.run(["make", "--no-print-directory", "chromium"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CX_CHROMIUM": "none"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == chromium.HOW_TO + "\n"


def pytest_in(folder: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", folder, "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=300)


def test_every_browser_test_carries_the_marker():
    proc = pytest_in("tests/browser", "--collect-only", "-m", "not browser")
    assert proc.returncode == 5, proc.stdout + proc.stderr  # 5: nothing left to run
    assert "no tests collected" in proc.stdout and " deselected" in proc.stdout


def test_without_chromium_every_browser_test_skips_and_says_why():
    proc = pytest_in("tests/browser", "-rs", CX_CHROMIUM="none")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert " skipped" in summary and not any(w in summary for w in ("passed", "failed", "error")), summary
    assert "no Chrome/Chromium here (`make chromium` says how to get one)" in proc.stdout
