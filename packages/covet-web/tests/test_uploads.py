"""Upload limits: multipart bodies have their own limits, apart from ``max_body_size``,
set app-wide or per route and enforced while the body streams in (413 problems that name
the limit), including chunked bodies that declare no length."""

from __future__ import annotations

import asyncio
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Annotated, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.web import ConfigurationError, Covet, FormLimits, Request, UploadFile
from covet.web.params import File, Form
from covet.web.testing import TestClient

from ._servers import serve
from ._web_asgi import body_of, start_of

KiB = 1024
MiB = 1024 * KiB

Part = tuple[str, str | None, bytes]
"""(field name, filename or None for a text field, content)."""


def multipart(parts: Sequence[Part], boundary: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = boundary or uuid.uuid4().hex
    out = bytearray()
    for name, filename, content in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def make_app(**app_options: Any) -> Covet:
    app = Covet(**app_options)

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, Any]:
        form = await request.form()
        out: dict[str, Any] = {}
        for key, value in form.multi_items():
            out[key] = value.size if isinstance(value, UploadFile) else value
        return out

    @app.post("/typed")
    async def typed(doc: UploadFile, title: Annotated[str, Form()]) -> dict[str, Any]:
        return {"title": title, "size": len(await doc.read())}

    @app.post("/big", form_limits=FormLimits(max_upload_size=64 * KiB, max_files=2))
    async def big(doc: UploadFile) -> int:
        return doc.size

    @app.post("/json")
    async def json_body(request: Request) -> int:
        return len(await request.json())

    return app


class ASGICall:
    """Calls the app with a request body given in chunks; records what it sent.

    ``chunks_read`` tells how much of the body the app asked for before answering.
    """

    def __init__(self, app: Covet) -> None:
        self.app = app
        self.sent: list[dict[str, Any]] = []
        self.chunks_read = 0

    async def __call__(
        self, path: str, chunks: Sequence[bytes], content_type: str, *, length: bool
    ) -> tuple[int, dict[str, Any] | bytes]:
        headers = [(b"host", b"testserver"), (b"content-type", content_type.encode())]
        if length:
            headers.append((b"content-length", str(sum(map(len, chunks))).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        pending = list(chunks)

        async def receive() -> dict[str, Any]:
            if not pending:
                await asyncio.Future()  # the client never sends more
            self.chunks_read += 1
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

        async def send(message: dict[str, Any]) -> None:
            self.sent.append(message)

        await self.app(scope, receive, send)
        status = start_of(self.sent)["status"]
        body = body_of(self.sent)
        if status >= 400:
            return status, httpx.Response(status, content=body).json()
        return status, body


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def test_the_json_body_cap_does_not_cap_uploads() -> None:
    app = make_app(max_body_size=1 * KiB)
    with TestClient(app) as client:
        response = client.post(
            "/upload", files={"doc": ("a.bin", b"x" * (200 * KiB))}, data={"note": "big one"}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"doc": 200 * KiB, "note": "big one"}

        typed = client.post(
            "/typed", files={"doc": ("a.bin", b"y" * (50 * KiB))}, data={"title": "t"}
        )
        assert typed.json() == {"title": "t", "size": 50 * KiB}

        # The JSON cap still holds for JSON, and for url-encoded forms (read whole).
        assert client.post("/json", json=["z" * 2 * KiB]).status_code == 413
        form = client.post("/upload", data={"note": "w" * 2 * KiB})
        assert form.status_code == 413
        assert "larger than the limit of 1024 bytes" in form.json()["detail"]


@pytest.mark.parametrize(
    ("limits", "parts", "limit", "detail"),
    [
        (
            FormLimits(max_upload_size=8 * KiB),
            [("doc", "a.bin", b"x" * (9 * KiB))],
            "max_upload_size",
            "the multipart body is larger than 8192 bytes (max_upload_size)",
        ),
        (
            FormLimits(max_file_size=1 * KiB),
            [("small", "a.bin", b"x" * 1000), ("doc", "b.bin", b"x" * 1025)],
            "max_file_size",
            "file 'b.bin' is larger than 1024 bytes (max_file_size)",
        ),
        (
            FormLimits(max_files=2),
            [("f", f"{i}.txt", b"x") for i in range(3)],
            "max_files",
            "the form has more than 2 files (max_files)",
        ),
        (
            FormLimits(max_fields=2),
            [("f", None, b"x") for _ in range(3)],
            "max_fields",
            "the form has more than 2 fields (max_fields)",
        ),
        (
            FormLimits(max_field_size=10),
            [("comment", None, b"x" * 11)],
            "max_field_size",
            "form field 'comment' is larger than 10 bytes (max_field_size)",
        ),
    ],
)
@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
async def test_each_limit_is_a_413_problem_naming_it(
    limits: FormLimits, parts: list[Part], limit: str, detail: str, length: bool
) -> None:
    app = make_app(form_limits=limits)
    body, content_type = multipart(parts)
    status, problem = await ASGICall(app)("/upload", split(body, 512), content_type, length=length)
    assert status == 413
    assert isinstance(problem, dict)
    assert problem["detail"] == detail
    assert problem["limit"] == limit
    assert problem["status"] == 413


def test_urlencoded_forms_keep_the_field_limits() -> None:
    app = make_app(form_limits=FormLimits(max_field_size=4, max_fields=2))
    with TestClient(app) as client:
        assert client.post("/upload", data={"a": "é" * 2}).json() == {"a": "éé"}
        too_long = client.post("/upload", data={"a": "é" * 3})  # 3 characters, 6 bytes
        assert too_long.json()["limit"] == "max_field_size"
        too_many = client.post("/upload", data={"a": "1", "b": "2", "c": "3"})
        assert too_many.json()["limit"] == "max_fields"


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    app = make_app(form_limits=FormLimits(max_upload_size=1 * MiB))
    body, content_type = multipart([("doc", "a.bin", b"x" * (2 * MiB))])
    call = ASGICall(app)
    status, problem = await call("/upload", split(body, 64 * KiB), content_type, length=True)
    assert status == 413
    assert isinstance(problem, dict) and problem["limit"] == "max_upload_size"
    assert call.chunks_read == 0


async def test_a_chunked_body_is_stopped_once_it_passes_the_limit() -> None:
    app = make_app(form_limits=FormLimits(max_upload_size=1 * MiB))
    body, content_type = multipart([("doc", "a.bin", b"x" * (8 * MiB))])
    chunks = split(body, 64 * KiB)
    call = ASGICall(app)
    status, problem = await call("/upload", chunks, content_type, length=False)
    assert status == 413
    assert isinstance(problem, dict) and problem["maximum"] == 1 * MiB
    # 1 MiB is 16 chunks of 64 KiB: the 17th passes the limit, the rest is never read.
    assert call.chunks_read == 17 < len(chunks)


async def test_uploads_are_spooled_to_disk_not_held_in_memory() -> None:
    """Many files each under the spool size: together they must not stay in memory."""
    app = Covet(form_limits=FormLimits(spool_max_size=256 * KiB))

    @app.post("/many")
    async def many(files: Annotated[list[UploadFile], File()]) -> int:
        total = 0
        for upload in files:
            total += len(await upload.read())
        return total

    parts: list[Part] = [("files", f"{i}.bin", bytes([i]) * (200 * KiB)) for i in range(40)]
    body, content_type = multipart(parts)  # 8 MB
    chunks = split(body, 64 * KiB)
    del body
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        status, answer = await ASGICall(app)("/many", chunks, content_type, length=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (status, answer) == (200, str(40 * 200 * KiB).encode())
    assert peak < 3 * MiB, f"parsing 8 MB of uploads peaked at {peak / MiB:.1f} MiB"


def test_route_limits_override_the_apps() -> None:
    app = make_app(form_limits=FormLimits(max_upload_size=16 * KiB))
    with TestClient(app) as client:
        payload = {"doc": ("a.bin", b"x" * (32 * KiB))}
        refused = client.post("/upload", files=payload)
        assert refused.status_code == 413
        assert refused.json()["limit"] == "max_upload_size"
        # /big allows 64 KiB, whatever the app says...
        assert client.post("/big", files=payload).json() == 32 * KiB
        # ...and sets its own other limits (max_files=2), the rest being the defaults.
        three = [("doc", (f"{i}.bin", b"x")) for i in range(3)]
        assert client.post("/big", files=three).json()["limit"] == "max_files"
        too_big = client.post("/big", files={"doc": ("a.bin", b"x" * (65 * KiB))})
        assert too_big.json()["detail"] == (
            "the multipart body is larger than 65536 bytes (max_upload_size)"
        )


def test_router_routes_and_resources_take_form_limits() -> None:
    from covet.web import Router, operation

    router = Router(prefix="/files")

    @router.post("/small", form_limits=FormLimits(max_file_size=10))
    async def small(doc: UploadFile) -> int:
        return doc.size

    app = Covet()
    app.include_router(router, prefix="/v1")

    @app.resource("/items")
    class Items:
        @operation(form_limits=FormLimits(max_fields=1))
        async def post(self, request: Request) -> int:
            return len(await request.form())

    with TestClient(app) as client:
        assert client.post("/v1/files/small", files={"doc": ("a", b"x" * 10)}).json() == 10
        refused = client.post("/v1/files/small", files={"doc": ("a", b"x" * 11)})
        assert refused.json()["limit"] == "max_file_size"
        two_fields = {"a": "1", "b": "2"}
        assert client.post("/items", data=two_fields).json()["limit"] == "max_fields"
        assert client.post("/items", data={"a": "1"}).json() == 1


def test_request_form_arguments_override_the_route() -> None:
    app = Covet(form_limits=FormLimits(max_file_size=10))

    @app.post("/explicit")
    async def explicit(request: Request) -> int:
        form = await request.form(FormLimits(max_file_size=100), max_files=1)
        upload = form["doc"]
        assert isinstance(upload, UploadFile)
        return upload.size

    @app.post("/bad-option")
    async def bad_option(request: Request) -> int:
        await request.form(max_bananas=1)  # type: ignore[call-arg]
        return 0

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/explicit", files={"doc": ("a", b"x" * 50)}).json() == 50
        two = [("doc", ("a", b"x")), ("doc", ("b", b"y"))]
        assert client.post("/explicit", files=two).json()["limit"] == "max_files"
        assert client.post("/bad-option", files={"doc": ("a", b"x")}).status_code == 500


def test_file_marker_max_size_still_applies_within_the_form_limits() -> None:
    app = Covet()

    @app.post("/avatar")
    async def avatar(image: Annotated[UploadFile, File(max_size=100)]) -> int:
        return image.size

    with TestClient(app) as client:
        assert client.post("/avatar", files={"image": ("a.png", b"x" * 100)}).json() == 100
        refused = client.post("/avatar", files={"image": ("a.png", b"x" * 101)})
        assert refused.status_code == 413


def test_form_limits_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="max_upload_size must be a number >= 0 or None"):
        FormLimits(max_upload_size=-1)
    with pytest.raises(ConfigurationError, match="max_files must be a number >= 0, not None"):
        FormLimits(max_files=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="spool_max_size"):
        FormLimits(spool_max_size=True)
    assert FormLimits(max_upload_size=None).max_upload_size is None
    assert Covet().form_limits == FormLimits()
    assert FormLimits().max_upload_size == 100 * MiB


async def test_real_server_answers_413_to_a_chunked_upload() -> None:
    app = make_app(form_limits=FormLimits(max_upload_size=256 * KiB))
    body, content_type = multipart([("doc", "a.bin", b"x" * (4 * MiB))])
    sent = 0

    async def chunked() -> AsyncIterator[bytes]:
        nonlocal sent
        for chunk in split(body, 64 * KiB):
            sent += len(chunk)
            yield chunk

    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        small, small_type = multipart([("doc", "a.bin", b"x" * (100 * KiB))])
        ok = await client.post(
            "/upload",
            content=iter_async(split(small, 16 * KiB)),
            headers={"content-type": small_type},
        )
        assert ok.request.headers["transfer-encoding"] == "chunked"
        assert ok.json() == {"doc": 100 * KiB}
        try:
            response = await client.post(
                "/upload", content=chunked(), headers={"content-type": content_type}
            )
        except httpx.WriteError:  # pragma: no cover - the server may close before we finish
            pytest.skip("the server closed the connection before the answer was read")
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["limit"] == "max_upload_size"


async def iter_async(chunks: Iterator[bytes] | list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=4),
    limit=st.integers(min_value=0, max_value=8000),
    chunk=st.integers(min_value=1, max_value=2000),
    length=st.booleans(),
)
def test_upload_limit_holds_for_any_chunking(
    sizes: list[int], limit: int, chunk: int, length: bool
) -> None:
    """413 exactly when the body is larger than max_upload_size, however it is split."""
    app = make_app(form_limits=FormLimits(max_upload_size=limit))
    parts: list[Part] = [(f"f{i}", f"{i}.bin", b"\x00" * size) for i, size in enumerate(sizes)]
    body, content_type = multipart(parts, boundary="b0undary")
    status, answer = asyncio.run(
        ASGICall(app)("/upload", split(body, chunk), content_type, length=length)
    )
    if len(body) > limit:
        assert status == 413
        assert isinstance(answer, dict) and answer["limit"] == "max_upload_size"
    else:
        assert status == 200
        assert httpx.Response(200, content=answer).json() == {
            f"f{i}": size for i, size in enumerate(sizes)
        }
