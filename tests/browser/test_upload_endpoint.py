"""Streamlit's upload endpoint, hit directly over HTTP as an attacker would:
without a session, without the XSRF token, and with an oversized body.
Every request is refused and the server goes on serving. (Uploaded bytes
only ever reach the database through the Data page's own checks.)"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from cx_metrics import db, demo

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def app(serve_app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upload")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=2_000, ex_rows=500)
    con.close()
    with serve_app(path, tmp, args=("--server.maxUploadSize", "1")) as (url, _log):  # 1 MB
        yield url, path


def put(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    boundary = "----cxboundary"
    data = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + body + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=data, method="PUT", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (ConnectionError, urllib.error.URLError) as e:  # the server may cut an oversized body short
        return 0, str(e)


FORGED = {"Cookie": f"_streamlit_xsrf={TOKEN}", "X-Xsrftoken": TOKEN}
CSV = b"response_id,submitted_at,nps\nR1,2026-10-01,10\n"


@pytest.mark.parametrize(
    ("body", "headers", "codes", "says"),
    [
        (CSV, {}, {403}, "XSRF"),  # no token at all
        (CSV, FORGED, {400}, "Invalid session_id"),  # a token pair an attacker made up, no session
        (b"x" * 3_000_000, FORGED, {0, 400, 413}, ""),  # 3 MB against a 1 MB limit
    ],
    ids=["no-xsrf", "no-session", "oversized"],
)
def test_direct_uploads_are_refused(app, body, headers, codes, says):
    url, _path = app
    status, text = put(f"{url}/_stcore/upload_file/not-a-session/file-1", body, headers)
    assert status in codes and says in text
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:  # still serving
        assert r.read() == b"ok"
