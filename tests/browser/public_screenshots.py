"""Screenshots of the public 检查码 page at a phone's 390×844 (``ui/screenshots/public-code-{zh,en}.png``):
``.venv/bin/python -m tests.browser.public_screenshots`` plans tiny into a temporary district and serves it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

from tests.browser.harness import REPO, browser


def main() -> None:
    from tests.test_serve import _served

    with tempfile.TemporaryDirectory() as tmp:
        env = {"JOINTCHECK_LEDGER": f"{tmp}/j.db", "JOINTCHECK_KEY_FILE": f"{tmp}/d.key"}
        subprocess.run([sys.executable, "-m", "ui.cli", "plan", str(REPO / "scenarios" / "tiny"), "--seed", "20240301",
                        "--out", f"{tmp}/plan"], cwd=REPO, env={**os.environ, **env}, check=True, capture_output=True)
        code = pl.read_parquet(Path(tmp) / "plan" / "visits.parquet")["inspection_code"][0]
        with _served(Path(tmp) / "plan", REPO / "scenarios" / "tiny", env=env) as url, browser(390, 844) as page:
            for lang in ("zh", "en"):
                page.goto(f"{url}/c/{code}?lang={lang}")
                page.screenshot(path=str(REPO / "ui" / "screenshots" / f"public-code-{lang}.png"), full_page=True)


if __name__ == "__main__":
    main()
