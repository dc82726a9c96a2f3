"""Real servers: the app under uvicorn (in a thread and through ``app.run()``) and granian,
on a free port, answering real HTTP requests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from covet.web import ConfigurationError, Covet, MissingDependencyError, Request
from covet.web._server import import_string_for

from ._servers import free_port, serve_in_thread


def make_app() -> Covet:
    app = Covet(on_startup=[lambda: setattr(app.state, "started", True)])

    @app.get("/plaintext")
    async def plaintext() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/{id:int}")
    async def user(id: int, q: str, request: Request) -> dict[str, Any]:
        return {"id": id, "q": q, "started": request.app.state.started}

    @app.post("/echo")
    async def echo(request: Request) -> Any:
        return await request.json()

    return app


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serve_in_thread(make_app(), lifespan="on") as url:
        yield url


def test_uvicorn_serves_the_app(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        response = client.get("/plaintext")
        assert (response.status_code, response.text) == (200, "Hello, World!")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert client.get("/json").json() == {"message": "Hello, World!"}
        assert client.get("/users/7", params={"q": "x"}).json() == {
            "id": 7,
            "q": "x",
            "started": True,
        }
        assert client.post("/echo", json=[1, {"a": None}]).json() == [1, {"a": None}]
        head = client.head("/json")
        assert (head.status_code, head.content) == (200, b"")


def test_uvicorn_errors_are_problems(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        for method, path, content, status in [
            ("GET", "/nope", None, 404),
            ("POST", "/json", None, 405),
            ("GET", "/users/7", None, 422),
            ("POST", "/echo", b"{broken", 400),
        ]:
            response = client.request(method, path, content=content)
            assert response.status_code == status
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == status


async def test_uvicorn_with_async_client_and_concurrency(server_url: str) -> None:
    import asyncio

    async with httpx.AsyncClient(base_url=server_url) as client:
        responses = await asyncio.gather(*(client.get(f"/users/{i}?q=c") for i in range(20)))
    assert [r.json()["id"] for r in responses] == list(range(20))


APP_MODULE = """
from covet.web import Covet

app = Covet()


@app.get("/ping")
async def ping() -> dict:
    return {"pong": True}


if __name__ == "__main__":
    import sys

    app.run(port=int(sys.argv[1]), log_level="warning", workers=int(sys.argv[2]))
"""


def wait_for(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            if process.poll() is not None:
                out = process.stdout.read() if process.stdout else b""
                raise RuntimeError(f"server exited: {out.decode(errors='replace')}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def run_process(args: list[str], cwd: Path, url: str) -> httpx.Response:
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        return wait_for(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_app_run(tmp_path: Path, workers: int) -> None:
    (tmp_path / "service.py").write_text(textwrap.dedent(APP_MODULE))
    port = free_port()
    response = run_process(
        [sys.executable, "service.py", str(port), str(workers)],
        tmp_path,
        f"http://127.0.0.1:{port}/ping",
    )
    assert response.json() == {"pong": True}


@pytest.mark.skipif(shutil.which("granian") is None, reason="granian is not installed")
def test_granian_serves_the_app(tmp_path: Path) -> None:
    (tmp_path / "service.py").write_text(textwrap.dedent(APP_MODULE))
    port = free_port()
    granian = shutil.which("granian")
    assert granian is not None
    response = run_process(
        [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "service:app"],
        tmp_path,
        f"http://127.0.0.1:{port}/ping",
    )
    assert response.json() == {"pong": True}


def test_run_without_uvicorn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'covet-web\[server\]'"):
        Covet().run()


def test_run_rejects_bad_workers() -> None:
    with pytest.raises(ConfigurationError, match="workers"):
        Covet().run(workers=0)


module_level_app = Covet()


def test_import_string_for() -> None:
    assert import_string_for(module_level_app).endswith(":module_level_app")
    with pytest.raises(ConfigurationError, match="importable by name"):
        import_string_for(Covet())
