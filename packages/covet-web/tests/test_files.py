"""FileResponse: validators, 304/412, Range (single, suffix, multiple, 416), If-Range."""

from __future__ import annotations

import email.parser
import os
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from covet.web._files import FileResponse, content_disposition, guess_media_type
from covet.web._preconditions import evaluate, range_allowed
from covet.web._ranges import MAX_RANGES, Unsatisfiable, parse_range
from covet.web._types import Receive, Scope, Send

from ._web_asgi import body_of, client, headers_of, http_scope, run_asgi

CONTENT = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    return path


def file_app(path: Path, **options: object) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await FileResponse(path, **options)(scope, receive, send)  # type: ignore[arg-type]

    return app


async def get(
    path: Path, headers: dict[str, str] | None = None, method: str = "GET", **options: object
) -> httpx.Response:
    async with client(file_app(path, **options)) as http:  # type: ignore[arg-type]
        return await http.request(method, "/file", headers=headers)


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(data)


async def test_whole_file_with_validators(data_file: Path) -> None:
    response = await get(data_file)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-length"] == "1024"
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    _append(data_file, b"!")
    assert (await get(data_file)).headers["etag"] != etag  # the tag follows the content


async def test_head_has_headers_and_no_body(data_file: Path) -> None:
    response = await get(data_file, method="HEAD")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "1024"


async def test_media_type_from_the_name(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>hi</p>")
    response = await get(page)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert guess_media_type("backup.tar.gz") == "application/gzip"
    assert guess_media_type("styles.css.br") == "application/x-brotli"
    assert guess_media_type("no-extension") == "application/octet-stream"


async def test_larger_files_stream_in_chunks(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 100
    sent = await run_asgi(response, http_scope())
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert len(bodies) > 10
    assert body_of(sent) == CONTENT


async def test_disconnect_stops_reading_the_file(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 10
    sent = await run_asgi(
        response,
        http_scope(),
        disconnect_when=lambda sent: sum(m["type"] == "http.response.body" for m in sent) >= 2,
    )
    assert len(body_of(sent)) < len(CONTENT)


async def test_pathsend_when_the_server_offers_it(data_file: Path) -> None:
    scope = http_scope(extensions={"http.response.pathsend": {}})
    sent = await run_asgi(FileResponse(data_file), scope)
    assert sent[-1] == {"type": "http.response.pathsend", "path": str(data_file)}


async def test_background_runs_after_the_file(data_file: Path) -> None:
    ran: list[str] = []

    async def background() -> None:
        ran.append("done")

    await get(data_file, background=background)
    assert ran == ["done"]


async def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no file at .*missing\.txt"):
        await run_asgi(FileResponse(tmp_path / "missing.txt"), http_scope())


# Content-Disposition -----------------------------------------------------------------


def test_content_disposition_plain_and_unicode() -> None:
    assert content_disposition("report.pdf") == 'attachment; filename="report.pdf"'
    assert content_disposition('a "b".txt', "inline") == 'inline; filename="a \\"b\\".txt"'
    assert content_disposition("Bericht Ü.pdf") == (
        "attachment; filename=\"Bericht ?.pdf\"; filename*=UTF-8''Bericht%20%C3%9C.pdf"
    )


async def test_filename_sets_the_header_and_the_type(data_file: Path) -> None:
    response = await get(data_file, filename="résumé.pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf" in response.headers["content-disposition"]


# Conditional requests ----------------------------------------------------------------


async def test_if_none_match_gives_304_without_body(data_file: Path) -> None:
    etag = (await get(data_file)).headers["etag"]
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await get(data_file, {"if-none-match": value})
        assert response.status_code == 304, value
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-type" not in response.headers
        assert "content-length" not in response.headers
    assert (await get(data_file, {"if-none-match": '"other"'})).status_code == 200


async def test_if_modified_since(data_file: Path) -> None:
    modified = formatdate(1_700_000_000, usegmt=True)
    earlier = formatdate(1_600_000_000, usegmt=True)
    assert (await get(data_file, {"if-modified-since": modified})).status_code == 304
    assert (await get(data_file, {"if-modified-since": earlier})).status_code == 200
    assert (await get(data_file, {"if-modified-since": "not a date"})).status_code == 200
    # If-None-Match wins over If-Modified-Since when both are sent.
    both = {"if-none-match": '"other"', "if-modified-since": modified}
    assert (await get(data_file, both)).status_code == 200


async def test_if_match_and_if_unmodified_since_give_412(data_file: Path) -> None:
    etag = (await get(data_file)).headers["etag"]
    assert (await get(data_file, {"if-match": etag})).status_code == 200
    failed = await get(data_file, {"if-match": '"other"'})
    assert failed.status_code == 412
    assert failed.content == b""
    earlier = formatdate(1_600_000_000, usegmt=True)
    assert (await get(data_file, {"if-unmodified-since": earlier})).status_code == 412


def test_preconditions_only_304_for_safe_methods() -> None:
    outcome = evaluate(
        "POST",
        '"a"',
        0.0,
        if_match=None,
        if_none_match='"a"',
        if_modified_since=None,
        if_unmodified_since=None,
    )
    assert outcome == "failed"
    assert range_allowed(None, None, None)
    assert not range_allowed('W/"a"', 'W/"a"', None)  # If-Range needs a strong match


# Ranges ------------------------------------------------------------------------------


async def test_single_range(data_file: Path) -> None:
    response = await get(data_file, {"range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.content == CONTENT[10:20]
    assert response.headers["content-range"] == "bytes 10-19/1024"
    assert response.headers["content-length"] == "10"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=-10", 1014, 1023),  # suffix
        ("bytes=-5000", 0, 1023),  # suffix longer than the file
        ("bytes=1000-", 1000, 1023),  # open-ended
        ("bytes=1000-99999", 1000, 1023),  # end past the file is clamped
        ("bytes=0-0", 0, 0),
        ("bytes= 5-6 ,", 5, 6),  # whitespace and empty list elements
        ("bytes=0-10,5-20", 0, 20),  # overlaps merge
    ],
)
async def test_range_edges(data_file: Path, header: str, start: int, end: int) -> None:
    response = await get(data_file, {"range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/1024"
    assert response.content == CONTENT[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
async def test_unsatisfiable_range_is_416(data_file: Path, header: str) -> None:
    response = await get(data_file, {"range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */1024"
    assert response.content == b""


@pytest.mark.parametrize(
    "header",
    ["bytes=5-2", "items=0-1", "bytes=abc", "bytes", "bytes=1-2-3", "bytes=-"],
)
async def test_malformed_range_is_ignored(data_file: Path, header: str) -> None:
    response = await get(data_file, {"range": header})
    assert response.status_code == 200
    assert response.content == CONTENT


async def test_range_only_for_get(data_file: Path) -> None:
    response = await get(data_file, {"range": "bytes=0-1"}, method="HEAD")
    assert response.status_code == 200


async def test_multiple_ranges_are_multipart_byteranges(data_file: Path) -> None:
    response = await get(data_file, {"range": "bytes=0-9, 100-109, -4"}, media_type="text/csv")
    assert response.status_code == 206
    content_type = response.headers["content-type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    assert int(response.headers["content-length"]) == len(response.content)
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + response.content
    )
    parts = message.get_payload()
    assert isinstance(parts, list)
    assert [p["Content-Range"] for p in parts] == [
        "bytes 0-9/1024",
        "bytes 100-109/1024",
        "bytes 1020-1023/1024",
    ]
    assert all(p["Content-Type"] == "text/csv; charset=utf-8" for p in parts)
    assert [p.get_payload(decode=True) for p in parts] == [
        CONTENT[0:10],
        CONTENT[100:110],
        CONTENT[1020:1024],
    ]


async def test_multiple_ranges_stream_in_chunks(data_file: Path) -> None:
    response = FileResponse(data_file)
    response.chunk_size = 7
    scope = http_scope(headers=[(b"range", b"bytes=0-99,200-299")])
    sent = await run_asgi(response, scope)
    body = body_of(sent)
    assert int(headers_of(sent)["content-length"]) == len(body)
    assert CONTENT[0:100] in body and CONTENT[200:300] in body


async def test_if_range(data_file: Path) -> None:
    first = await get(data_file)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for validator in (etag, modified):
        response = await get(data_file, {"range": "bytes=0-1", "if-range": validator})
        assert response.status_code == 206
    for stale in ('"old"', "Mon, 01 Jan 2001 00:00:00 GMT"):
        response = await get(data_file, {"range": "bytes=0-1", "if-range": stale})
        assert response.status_code == 200
        assert response.content == CONTENT


@given(header=st.text(max_size=40), size=st.integers(min_value=0, max_value=2000))
def test_parse_range_never_fails_and_stays_inside(header: str, size: int) -> None:
    try:
        ranges = parse_range(header, size)
    except Unsatisfiable:
        return
    if ranges is None:
        return
    assert 1 <= len(ranges) <= MAX_RANGES
    previous_end = -2
    for start, end in ranges:
        assert 0 <= start <= end < size
        assert start > previous_end + 1  # sorted, merged
        previous_end = end


@given(
    specs=st.lists(
        st.tuples(st.integers(0, 3000), st.integers(0, 3000)).map(sorted), min_size=1, max_size=5
    ),
    size=st.integers(min_value=1, max_value=2000),
)
def test_parse_range_covers_exactly_the_requested_bytes(specs: list[list[int]], size: int) -> None:
    header = "bytes=" + ",".join(f"{a}-{b}" for a, b in specs)
    wanted = {i for a, b in specs for i in range(a, min(b, size - 1) + 1)}
    try:
        ranges = parse_range(header, size)
    except Unsatisfiable:
        assert not wanted
        return
    assert ranges is not None
    assert {i for a, b in ranges for i in range(a, b + 1)} == wanted


def test_only_ascii_digits_count() -> None:
    assert parse_range("bytes=\u0663-4", 10) is None


def test_huge_numbers_do_not_break_int() -> None:
    assert parse_range("bytes=0-" + "9" * 5000, 10) == [(0, 9)]
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=" + "9" * 5000 + "-", 10)


def test_too_many_ranges_are_ignored() -> None:
    header = "bytes=" + ",".join(f"{i * 2}-{i * 2}" for i in range(MAX_RANGES + 1))
    assert parse_range(header, 10_000) is None
