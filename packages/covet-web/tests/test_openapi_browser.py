"""/docs and /redoc in a real headless Chromium: the operations must render.

The app runs under uvicorn on a free port; Chromium loads the page with no network
other than loopback, runs its JavaScript and dumps the resulting DOM.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from covet.web import Covet

from ._servers import serve_in_thread


def _find_chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _find_chromium()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason=(
        "!!! NO CHROMIUM (/usr/bin/chromium or on PATH): the headless-browser check that "
        "Swagger UI and ReDoc render the operations DID NOT RUN !!!"
    ),
)


def browser_app() -> Covet:
    app = Covet(title="Browser shop")

    @app.get("/inventory/{item_id:int}", tags=["inventory"])
    async def read_inventory(item_id: int, verbose: bool = False) -> dict[str, int]:
        """Read the stock of one item."""
        return {"id": item_id}

    @app.post("/inventory", tags=["inventory"], status_code=201)
    async def add_inventory(name: str) -> dict[str, str]:
        """Add an item to the stock."""
        return {"name": name}

    return app


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serve_in_thread(browser_app(), lifespan="on") as url:
        yield url


def dump_dom(url: str, profile: Path) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_swagger_ui_renders_the_operations(server_url: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=server_url) as client:
        assert client.get("/docs").status_code == 200
    dom = dump_dom(f"{server_url}/docs", tmp_path / "profile")
    assert "swagger-ui" in dom
    for text in (
        "/inventory/{item_id}",
        "Read the stock of one item.",
        "Add an item to the stock.",
        "Browser shop",
        "inventory",
    ):
        assert text in dom, f"{text!r} not rendered by Swagger UI"
    assert "Unable to render this definition" not in dom


def test_redoc_renders_the_operations(server_url: str, tmp_path: Path) -> None:
    dom = dump_dom(f"{server_url}/redoc", tmp_path / "profile")
    for text in ("Read the stock of one item.", "Add an item to the stock.", "Browser shop"):
        assert text in dom, f"{text!r} not rendered by ReDoc"
