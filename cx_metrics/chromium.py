"""Find the machine's Chrome or Chromium: kaleido drives it to draw chart images and
the PDF board pack, and the browser tests drive it through Playwright.

Standard library only, so ``python3 -m cx_metrics.chromium`` runs before the venv
exists (the Makefile's ``chromium`` target). It prints the browser's path and exits 0,
or prints one line saying what needs a browser and how to get one, and exits 1.
"""

from __future__ import annotations

import os
import shutil
import sys

#: Settings that name the browser: ours, then the one kaleido (through choreographer) reads.
SETTINGS = ("CX_CHROMIUM", "BROWSER_PATH")
#: Names looked up on PATH, in this order.
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Where browsers are installed off PATH: Debian/Ubuntu packages, then macOS apps.
PLACES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)

#: What the app says when a chart image or the PDF is asked for and there is no browser.
NEEDED = ("Chart images and the PDF need Chromium, which is not installed on this machine: "
          "run `make chromium` or install Google Chrome/Chromium")
#: What ``make chromium`` says when it found none and could not install one.
HOW_TO = ("No Chrome/Chromium here, so chart images, the PDF board pack and the browser tests are off "
          "(they skip): install Google Chrome or Chromium (Debian: apt-get install chromium; "
          "macOS: brew install --cask chromium), or set CX_CHROMIUM to its path, then run `make chromium`.")


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find() -> str | None:
    """The path of the Chrome/Chromium to use, or None when the machine has none.

    ``CX_CHROMIUM`` (or kaleido's ``BROWSER_PATH``) wins when it is set. A value that
    is not an executable file, such as ``CX_CHROMIUM=none``, means "no browser": the
    way to see how the app and ``make test`` behave on a machine without one.
    """
    for setting in SETTINGS:
        if os.environ.get(setting):
            path = os.environ[setting]
            return path if _executable(path) else None
    for name in NAMES:
        if found := shutil.which(name):
            return found
    return next((p for p in PLACES if _executable(p)), None)


def main() -> int:
    path = find()
    print(path or HOW_TO)
    return 0 if path else 1


if __name__ == "__main__":
    sys.exit(main())
