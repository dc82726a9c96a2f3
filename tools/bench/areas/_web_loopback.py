"""Over loopback: each implementation's app under uvicorn in a subprocess, driven by wrk.

The server is ``uvicorn.run(app, loop="uvloop", http="httptools", access_log=False)``, one
worker, on a free port of 127.0.0.1, started once per run (a client of the harness) and
stopped at the end. ``wrk -t1 -c64 -dNs`` drives it; H4's POST body comes from a Lua script
written to a temporary file. When this process is pinned (``--cpu``), wrk inherits the pin
and the server is moved to the other CPUs, so the two never share a core.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _harness import Measured

from . import _web_common as c

# Litestar's default logging config sets the root logger to INFO, and httpx then logs each
# check's request; the checks are not what the reader wants to see.
logging.getLogger("httpx").setLevel(logging.WARNING)

BENCH_DIR = Path(__file__).resolve().parent.parent
THREADS = 1
CONNECTIONS = 64
START_TIMEOUT = 30.0

_SERVER = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
import uvicorn
app = importlib.import_module(sys.argv[2]).build_app()
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), loop="uvloop", http="httptools",
            workers=1, access_log=False, log_level="warning", lifespan="on")
"""


def missing_wrk() -> str | None:
    """Why the loopback scenarios cannot run here, or None when wrk is installed."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install wrk, or brew install wrk)"
    return None


def lua_script(req: c.Req) -> str:
    """A wrk script sending ``req``'s method, headers and body."""
    lines = [f'wrk.method = "{req.method}"']
    if req.body:
        lines.append(f"wrk.body = [[{req.body.decode()}]]")
    lines += [f'wrk.headers["{k.decode()}"] = "{v.decode()}"' for k, v in req.headers]
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_cpus() -> set[int] | None:
    """The CPUs the server gets: those this (pinned) process does not use, if any."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    mine = os.sched_getaffinity(0)
    everything = set(range(os.cpu_count() or 1))
    rest = everything - mine
    return rest or everything


@dataclass
class Server:
    """A running uvicorn subprocess serving one implementation's app."""

    name: str
    url: str
    process: asyncio.subprocess.Process
    scripts: dict[str, Path]


@asynccontextmanager
async def server(name: str, module: str, scripts: dict[str, Path]) -> AsyncIterator[Server]:
    """Start ``module.build_app()`` under uvicorn and wait until it answers."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SERVER,
        str(BENCH_DIR),
        module,
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    cpus = _server_cpus()
    if cpus is not None:
        os.sched_setaffinity(process.pid, cpus)
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(process, url)
        yield Server(name, url, process, scripts)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_ready(process: asyncio.subprocess.Process, url: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with httpx.AsyncClient() as client:
        while True:
            if process.returncode is not None:
                err = b"" if process.stderr is None else await process.stderr.read()
                tail = err.decode(errors="replace").strip().splitlines()[-3:]
                raise RuntimeError(f"uvicorn exited ({process.returncode}): {' | '.join(tail)}")
            try:
                await client.get(url + c.H1.path, timeout=1.0)
                return
            except httpx.TransportError:
                if loop.time() > deadline:
                    raise RuntimeError(f"uvicorn did not answer within {START_TIMEOUT}s") from None
                await asyncio.sleep(0.1)


@dataclass(frozen=True)
class WrkStats:
    requests: int
    seconds: float
    non_2xx: int
    errors: int
    output: str


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_wrk(output: str) -> WrkStats:
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output)
    if done is None:
        raise RuntimeError(f"cannot read wrk's output: {output.strip()[:300]}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkStats(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * _UNITS[done.group(3)],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
        output=output,
    )


async def wrk(srv: Server, req: c.Req, key: str, seconds: int) -> Measured:
    """Drive ``srv`` with ``req`` for ``seconds``; the sample is wrk's own figure."""
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    if key in srv.scripts:
        args += ["-s", str(srv.scripts[key])]
    target = srv.url + req.path + (f"?{req.query.decode()}" if req.query else "")
    process = await asyncio.create_subprocess_exec(
        *args, target, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    output = out.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output.strip()[:300]}")
    stats = parse_wrk(output)
    return Measured(stats.seconds, stats.requests, (srv, stats))


async def fetch(srv: Server, req: c.Req) -> c.Resp:
    """One real HTTP request, for the checks."""
    async with httpx.AsyncClient(base_url=srv.url) as client:
        response = await client.request(
            req.method,
            req.path,
            params=req.query.decode() or None,
            headers=[(k.decode(), v.decode()) for k, v in req.headers],
            content=req.body or None,
        )
    headers: dict[str, Any] = {k.lower(): v for k, v in response.headers.items()}
    return c.Resp(response.status_code, headers, response.content)
