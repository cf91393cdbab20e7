"""Shared by every test: tests marked ``chromium`` draw chart images (kaleido drives
Chrome/Chromium), so on a machine without one they skip and say why.

``CX_CHROMIUM=none pytest`` shows what a machine without Chromium sees.
"""

from __future__ import annotations

import pytest

from cx_metrics import chromium

NO_CHROMIUM = "needs Chrome/Chromium and there is none here (`make chromium` says how to get one)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium.find() is not None:
        return
    for item in items:
        if item.get_closest_marker("chromium"):
            item.add_marker(pytest.mark.skip(reason=f"chart images: {NO_CHROMIUM}"))
