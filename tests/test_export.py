"""CSV/XLSX downloads: OWASP CSV-injection neutralisation, numbers untouched; PNG images,
and what they say without Chromium or when Chromium stops answering."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
import time

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from cx_metrics import chromium, export
from cx_metrics.export import figures
from cx_metrics.export.tables import neutralise_cell

COMMENTS = pd.DataFrame({
    "comment": ["=1+2", "+44 20 7946 0000", "-5 stars", "@SUM(A1)", "\tTab", "\rCR", "fine", "a=b", None],
    "score": [-3.5, 2.0, -1.0, 0.0, 4.0, 5.0, 1.5, -0.25, 3.0],
    "n": [-1, 2, 3, 4, 5, 6, 7, 8, 9],
})
NEUTRALISED = ["'=1+2", "'+44 20 7946 0000", "'-5 stars", "'@SUM(A1)", "'\tTab", "'\rCR", "fine", "a=b", None]


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("ok", "ok"), ("", ""), ("1=1", "1=1"), (-5, -5), (-2.5, -2.5), (None, None),
])
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_neutralise_keeps_numbers_and_neutralises_text_and_headers():
    df = COMMENTS.rename(columns={"n": "=HYPERLINK()"})
    out = export.neutralise(df)
    assert out["comment"].tolist()[:-1] == NEUTRALISED[:-1] and pd.isna(out["comment"].iloc[-1])
    assert out["score"].tolist() == COMMENTS["score"].tolist() and out["score"].dtype == float
    assert list(out.columns) == ["comment", "score", "'=HYPERLINK()"]
    assert df["comment"].iloc[0] == "=1+2"  # the input is not changed


def test_csv_round_trip_keeps_negative_numbers():
    raw = export.csv_bytes(COMMENTS)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[1] == "\"'=1+2\",-3.5,-1"
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back["comment"].tolist()[:-1] == NEUTRALISED[:-1]
    assert back["score"].tolist() == COMMENTS["score"].tolist()
    assert back["n"].tolist() == COMMENTS["n"].tolist()


def test_xlsx_text_is_text_and_numbers_are_numbers():
    wb = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(COMMENTS)))
    ws = wb.active
    assert [c.value for c in ws[1]] == ["comment", "score", "n"]
    first = ws["A2"]
    assert (first.value, first.data_type) == ("'=1+2", "s")  # a string, not a formula ("f")
    assert all(ws.cell(row=r, column=1).data_type != "f" for r in range(2, 11))
    assert (ws["B2"].value, ws["B2"].data_type) == (-3.5, "n")
    assert (ws["C2"].value, ws["C2"].data_type) == (-1, "n")


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_csv_comment_as_text(tmp_path):
    """The acceptance check: a comment `=1+2` in a CSV export opens as text, not as the number 3.

    LibreOffice converts the CSV to XLSX (as opening it would); the cell must hold text.
    The unneutralised file is the control: LibreOffice does evaluate it.
    """
    safe, unsafe = tmp_path / "safe.csv", tmp_path / "unsafe.csv"
    df = pd.DataFrame({"comment": ["=1+2"], "score": [-2]})
    safe.write_bytes(export.csv_bytes(df))
    unsafe.write_text(df.to_csv(index=False))
    # CSV:44,34,76 = comma-separated, double quotes, UTF-8: what a user gets from the import dialog.
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--infilter=CSV:44,34,76", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path), str(safe), str(unsafe)], check=True, capture_output=True, timeout=120)
    safe_cell = openpyxl.load_workbook(tmp_path / "safe.xlsx").active["A2"]
    unsafe_cell = openpyxl.load_workbook(tmp_path / "unsafe.xlsx").active["A2"]
    assert unsafe_cell.data_type == "f"  # the control: a live formula
    assert safe_cell.data_type == "s" and "=1+2" in safe_cell.value
    assert openpyxl.load_workbook(tmp_path / "safe.xlsx").active["B2"].value == -2


@pytest.mark.chromium
def test_png_of_a_plotly_figure():
    data = export.png(go.Figure(go.Scatter(x=[1, 2], y=[3, 1])), 400, 300, scale=1)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (400, 300)


def test_png_without_chromium_says_so_at_once(monkeypatch):
    monkeypatch.setenv("CX_CHROMIUM", "none")  # what a machine without Chrome/Chromium sees

    def no_kaleido(*args, **kwargs):
        raise AssertionError("kaleido must not be started without a browser")

    monkeypatch.setattr("kaleido.start_sync_server", no_kaleido)
    monkeypatch.setattr("kaleido.calc_fig_sync", no_kaleido)
    started = time.monotonic()
    with pytest.raises(export.ImageError) as raised:
        export.png(go.Figure(), 400, 300)
    assert str(raised.value) == ("Chart images and the PDF need Chromium, which is not installed on this machine: "
                                 "run `make chromium` or install Google Chrome/Chromium")
    assert export.chromium_missing() == str(raised.value) == chromium.NEEDED
    assert time.monotonic() - started < 1


def test_png_gives_up_when_chromium_does_not_answer(monkeypatch):
    """A render that never returns (kaleido's server thread died, say) costs one timeout;
    later calls fail at once while it hangs, and work again once it is gone."""
    monkeypatch.setenv("CX_CHROMIUM", sys.executable)  # any executable: kaleido itself is replaced
    monkeypatch.setattr(figures, "TIMEOUT_S", 0.2)
    monkeypatch.setattr(figures, "_stuck", None)
    monkeypatch.setattr(figures, "start_server", lambda: None)
    release = threading.Event()
    monkeypatch.setattr("kaleido.calc_fig_sync", lambda fig, opts: release.wait(30) and b"late")

    started = time.monotonic()
    with pytest.raises(export.ImageError, match=r"^Chromium gave no chart image within 0.2 s$"):
        export.png(go.Figure(), 400, 300)
    with pytest.raises(export.ImageError, match="still not answered an earlier chart image request"):
        export.png(go.Figure(), 400, 300)
    assert time.monotonic() - started < 2

    release.set()
    figures._stuck.join(5)
    monkeypatch.setattr("kaleido.calc_fig_sync", lambda fig, opts: b"\x89PNG")
    assert export.png(go.Figure(), 400, 300) == b"\x89PNG"


def test_a_kaleido_error_becomes_one_line(monkeypatch):
    monkeypatch.setenv("CX_CHROMIUM", sys.executable)
    monkeypatch.setattr(figures, "start_server", lambda: None)

    def fails(fig, opts):
        raise RuntimeError("The browser seemed to close immediately after starting.\nMore detail")

    monkeypatch.setattr("kaleido.calc_fig_sync", fails)
    with pytest.raises(export.ImageError) as raised:
        export.png(go.Figure(), 400, 300)
    assert str(raised.value) == ("could not render a chart image with kaleido/Chromium: "
                                 "The browser seemed to close immediately after starting.")
