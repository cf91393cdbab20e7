"""`pip install .`: the wheel holds cx_metrics and its subpackages, and its `cx` command
is `python -m cx_metrics`. Built offline (no build isolation, no index) from a copy of
the files the wheel needs, so nothing is written into the checkout."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, **kwargs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout, installed into a folder of its own."""
    pytest.importorskip("setuptools", reason="setuptools builds the wheel (requirements-dev.txt pins it)")
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    shutil.copytree(ROOT / "cx_metrics", src / "cx_metrics", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "requirements.txt"):
        shutil.copy(ROOT / name, src / name)
    run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(tmp / "dist"), str(src)])
    (wheel,) = (tmp / "dist").glob("cx_dashboard-*.whl")
    site = tmp / "site"
    run([*PIP, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)])
    return site


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in (folder / "cx_metrics").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_holds_every_file_of_the_package_and_declares_cx(installed):
    # Every file: subpackages, and any data file a later change adds (it needs package-data then).
    assert files(installed) == files(ROOT)
    (dist,) = [d for d in importlib.metadata.distributions(path=[str(installed)]) if d.name == "cx-dashboard"]
    (cx,) = dist.entry_points.select(group="console_scripts")
    assert (cx.name, cx.value) == ("cx", "cx_metrics.cli:main")
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and line[0] != "#"]
    assert dist.requires == pins


def test_cx_help_is_python_m_cx_metrics_help(installed, tmp_path):
    script = installed / ("Scripts/cx.exe" if os.name == "nt" else "bin/cx")
    # The installed copy, not the checkout: PYTHONPATH holds only the install, and cwd is elsewhere.
    env = {**os.environ, "PYTHONPATH": str(installed)}
    cx = run([str(script), "--help"], cwd=tmp_path, env=env)
    where = run([sys.executable, "-c", "import cx_metrics; print(cx_metrics.__file__)"], cwd=tmp_path, env=env)
    assert Path(where.stdout.strip()).is_relative_to(installed)
    module = run([sys.executable, "-m", "cx_metrics", "--help"], cwd=ROOT)
    assert cx.stdout == module.stdout
    assert "boardpack" in cx.stdout
