"""Form fields, form models and multipart uploads (sizes checked per field)."""

import dataclasses
from collections.abc import Sequence
from typing import Annotated, Any

import pytest

from covet.web._forms import UploadFile
from covet.web._params import ParameterError, build_plan
from covet.web._request import Request
from covet.web.errors import HTTPError
from covet.web.params import Body, File, Form, RequestValidationError, UploadTooLargeError

from ._synthetic import make_request


async def run(plan: Any, request: Request) -> Any:
    """Run the plan, then release the spooled uploads (the app does it after responding)."""
    try:
        return await plan.run(request)
    finally:
        await request.close()


def urlencoded(body: bytes) -> Request:
    return make_request(
        method="POST", body=body, headers=[("content-type", "application/x-www-form-urlencoded")]
    )


def multipart(fields: Sequence[tuple[str, str | tuple[str, bytes]]]) -> Request:
    boundary = "covetboundary"
    out = b""
    for name, value in fields:
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, data = value
            out += (
                (
                    f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n"
                ).encode()
                + data
                + b"\r\n"
            )
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    out += f"--{boundary}--\r\n".encode()
    return make_request(
        method="POST",
        body=out,
        headers=[("content-type", f"multipart/form-data; boundary={boundary}")],
    )


async def test_form_fields_converted_and_validated() -> None:
    async def login(
        username: Annotated[str, Form(min_length=2)],
        age: Annotated[int | None, Form()] = None,
        roles: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> Any:
        return username, age, roles

    plan = build_plan(login)
    assert await run(plan, urlencoded(b"username=bo&age=&roles=a&roles=b")) == (
        "bo",
        None,
        ["a", "b"],
    )
    with pytest.raises(RequestValidationError) as info:
        await run(plan, urlencoded(b"username=b&age=old"))
    assert [e["loc"] for e in info.value.errors] == [["form", "username"], ["form", "age"]]
    assert plan.body is not None
    assert plan.body.media_type == "application/x-www-form-urlencoded"


async def test_form_model() -> None:
    @dataclasses.dataclass
    class Signup:
        email: str
        age: int
        tags: list[str] = dataclasses.field(default_factory=list)

    async def signup(data: Annotated[Signup, Form()]) -> Signup:
        return data

    plan = build_plan(signup)
    assert await run(plan, urlencoded(b"email=a%40b.c&age=30&tags=x&tags=y")) == Signup(
        "a@b.c", 30, ["x", "y"]
    )
    with pytest.raises(RequestValidationError) as info:
        await run(plan, urlencoded(b"age=x"))
    assert sorted(e["loc"] for e in info.value.errors) == [["form", "age"], ["form", "email"]]
    assert plan.body is not None and plan.body.type is Signup


async def test_uploads_as_files_bytes_and_lists() -> None:
    async def upload(
        doc: UploadFile,
        raw: Annotated[bytes, File()],
        many: Annotated[list[UploadFile], File()],
        title: Annotated[str, Form()],
    ) -> Any:
        return doc.filename, await doc.read(), raw, [m.filename for m in many], title

    plan = build_plan(upload)
    request = multipart(
        [
            ("doc", ("a.txt", b"hello")),
            ("raw", ("b.bin", b"\x00\x01")),
            ("many", ("c1", b"1")),
            ("many", ("c2", b"2")),
            ("title", "T"),
        ]
    )
    assert await run(plan, request) == ("a.txt", b"hello", b"\x00\x01", ["c1", "c2"], "T")
    assert plan.body is not None and plan.body.media_type == "multipart/form-data"


async def test_missing_file_and_field_instead_of_file() -> None:
    async def upload(doc: UploadFile, note: Annotated[str, Form()] = "") -> None: ...

    with pytest.raises(RequestValidationError) as info:
        await run(build_plan(upload), multipart([("note", "x")]))
    assert info.value.errors == [
        {"loc": ["file", "doc"], "msg": "Field required", "type": "missing"}
    ]
    with pytest.raises(RequestValidationError) as info:
        await run(build_plan(upload), multipart([("doc", "not a file")]))
    assert info.value.errors[0]["type"] == "type_error"


async def test_per_field_size_limit_is_413() -> None:
    async def upload(
        small: Annotated[UploadFile, File(max_size=4)],
        big: Annotated[UploadFile | None, File(max_size=100)] = None,
    ) -> int:
        return small.size

    plan = build_plan(upload)
    assert await run(plan, multipart([("small", ("s", b"1234"))])) == 4
    with pytest.raises(UploadTooLargeError) as info:
        await run(plan, multipart([("small", ("s", b"12345"))]))
    assert info.value.status == 413
    with pytest.raises(HTTPError) as streamed:  # beyond every field's limit: stopped while parsing
        await run(plan, multipart([("small", ("s", b"1")), ("big", ("b", b"x" * 200))]))
    assert streamed.value.status == 413


async def test_form_handler_given_json_is_415() -> None:
    async def login(username: Annotated[str, Form()]) -> str:
        return username

    request = make_request(
        method="POST", body=b"{}", headers=[("content-type", "application/json")]
    )
    with pytest.raises(HTTPError) as info:
        await run(build_plan(login), request)
    assert info.value.status == 415


async def test_json_and_form_cannot_mix() -> None:
    async def bad(a: Annotated[int, Body()], b: Annotated[str, Form()]) -> None: ...

    with pytest.raises(ParameterError, match="one body"):
        build_plan(bad)
