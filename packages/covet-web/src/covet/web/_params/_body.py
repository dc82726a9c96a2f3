"""The body step of a plan: JSON (one codec per body parameter), forms and uploads.

``make_body_step(specs)`` returns ``step(request, values, errors)`` (awaited once per
request) or None when the handler takes no body. Each JSON or form-model parameter gets
a codec (``_decode``) and, when its type declares validators inside, a nested check
(``_nested``) run on the built value.
"""

from __future__ import annotations

import codecs
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from .._forms import UploadFile
from ._analysis import ParamSpec
from ._codecs import Codec, MsgspecCodec, too_deep, untyped_json
from ._convert import is_sequence, item_type, string_converter
from ._decode import codec_for
from ._errors import (
    ErrorDetail,
    MalformedBodyError,
    ParameterError,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
)
from ._fields import object_fields
from ._markers import Body, File
from ._nested import FAILED, NestedCheck, nested_check
from ._sources import INVALID
from ._typing import is_model, split_annotated, split_optional
from ._validation import error_from_msgspec, expected_object, missing_error

__all__ = ["BodyStep", "make_body_step"]

BodyStep = Callable[[Any, dict[str, Any], list[ErrorDetail]], Awaitable[None]]
Slot = tuple[str, ParamSpec]


def make_body_step(slots: list[Slot]) -> BodyStep | None:
    """The body step for the body/form/file parameters (``(slot, spec)``) of a plan."""
    if not slots:
        return None
    json_slots = [s for s in slots if s[1].source == "body"]
    form_slots = [s for s in slots if s[1].source != "body"]
    if json_slots and form_slots:
        names = ", ".join(s[1].name for s in slots)
        raise ParameterError(
            f"parameters {names} mix a JSON body with form fields or files; a request has one body"
        )
    if form_slots:
        return _form_step(form_slots)
    if len(json_slots) == 1:
        marker = json_slots[0][1].marker
        if not (isinstance(marker, Body) and marker.embed):
            return _single_json_step(*json_slots[0])
    return _embedded_json_step(json_slots)


# -- JSON ---------------------------------------------------------------------------------


def _reader(spec: ParamSpec, *, strict: bool = True) -> tuple[Codec, NestedCheck | None]:
    where = f"parameter {spec.name!r}"
    return codec_for(spec.type, where, strict=strict), nested_check(spec.type)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # clients that send JSON without saying so are common; accept them
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _check_json(content_type: str | None) -> None:
    if not _is_json(content_type):
        media = (content_type or "").partition(";")[0].strip()
        raise UnsupportedMediaTypeError(f"expected an application/json body, got {media}")


def _utf8(body: bytes, content_type: str | None) -> bytes:
    # Only a declared non-UTF-8 charset costs anything.
    if content_type is None or ";" not in content_type:
        return body
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset in ("utf-8", "utf8", "us-ascii", "ascii"):
                return body
            try:
                codecs.lookup(charset)
                return body.decode(charset).encode("utf-8")
            except LookupError:
                raise UnsupportedMediaTypeError(f"unknown charset {charset!r}") from None
            except UnicodeDecodeError:
                raise MalformedBodyError(f"the body is not valid {charset}") from None
    return body


def _single_json_step(slot: str, spec: ParamSpec) -> BodyStep:
    codec, check = _reader(spec)
    required, default = spec.required, spec.default
    loc: list[str | int] = ["body"]

    def absent(values: dict[str, Any], errors: list[ErrorDetail]) -> None:
        if required:
            errors.append(missing_error(list(loc)))
            values[slot] = INVALID
        else:
            values[slot] = default

    if isinstance(codec, MsgspecCodec) and check is None:
        # The common case, kept to one typed decode: msgspec from the bytes, nothing else.
        decode, explain = codec.decode, codec.explain

        async def json_body(
            request: Any, values: dict[str, Any], errors: list[ErrorDetail]
        ) -> None:
            body = await request.body()
            if not body:
                return absent(values, errors)
            content_type = request.content_type
            if content_type != "application/json":  # that one needs no check
                _check_json(content_type)
                body = _utf8(body, content_type)
            try:
                values[slot] = decode(body)
            except msgspec.ValidationError as exc:
                values[slot] = explain(body, exc, loc, errors)
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                raise MalformedBodyError(f"malformed JSON: {exc}") from None
            except RecursionError:
                raise too_deep() from None

        return json_body

    async def checked_json_body(
        request: Any, values: dict[str, Any], errors: list[ErrorDetail]
    ) -> None:
        body = await request.body()
        if not body:
            return absent(values, errors)
        content_type = request.headers.get("content-type")
        _check_json(content_type)
        value = codec.read(_utf8(body, content_type), loc, errors)
        if check is not None and value is not INVALID:
            value = await _checked(check, value, loc, errors)
        values[slot] = value

    return checked_json_body


async def _checked(
    check: NestedCheck, value: Any, loc: list[str | int], errors: list[ErrorDetail]
) -> Any:
    try:
        value = await check(value, list(loc), errors)
    except RecursionError:  # as deep as msgspec could decode, deeper than the walk can go
        raise too_deep() from None
    return INVALID if value is FAILED else value


def _embedded_json_step(slots: list[Slot]) -> BodyStep:
    fields = [(slot, spec, *_reader(spec)) for slot, spec in slots]

    async def embedded_body(
        request: Any, values: dict[str, Any], errors: list[ErrorDetail]
    ) -> None:
        body = await request.body()
        data: Any = {}
        if body:
            content_type = request.headers.get("content-type")
            _check_json(content_type)
            data = untyped_json(_utf8(body, content_type))
            if not isinstance(data, dict):
                errors.append(expected_object(data, ["body"]))
                for slot, *_ in fields:
                    values[slot] = INVALID
                return
        for slot, spec, codec, check in fields:
            loc: list[str | int] = ["body", spec.wire_name]
            if spec.wire_name not in data:
                if spec.required:
                    errors.append(missing_error(loc))
                    values[slot] = INVALID
                else:
                    values[slot] = spec.default
                continue
            value = codec.convert(data[spec.wire_name], loc, errors)
            if check is not None and value is not INVALID:
                value = await _checked(check, value, loc, errors)
            values[slot] = value

    return embedded_body


# -- forms and files ------------------------------------------------------------------------


def _form_step(slots: list[Slot]) -> BodyStep:
    readers = [(slot, spec, _form_reader(spec)) for slot, spec in slots]
    file_limits = [
        spec.marker.max_size if isinstance(spec.marker, File) else None
        for _, spec in slots
        if spec.source == "file"
    ]
    form_kwargs: dict[str, Any] = {}
    if file_limits and None not in file_limits:
        # No part may exceed the largest per-field limit: stop such uploads while streaming.
        form_kwargs["max_file_size"] = max(x for x in file_limits if x is not None)

    async def form_body(request: Any, values: dict[str, Any], errors: list[ErrorDetail]) -> None:
        form = await request.form(**form_kwargs)
        for slot, _, read in readers:
            values[slot] = await read(form, errors)

    return form_body


FormReader = Callable[[Any, list[ErrorDetail]], Awaitable[Any]]


def _form_reader(spec: ParamSpec) -> FormReader:
    name, required, default = spec.wire_name, spec.required, spec.default
    loc: list[str | int] = [spec.source, name]

    def missing(errors: list[ErrorDetail]) -> Any:
        if required:
            errors.append(missing_error(list(loc)))
            return INVALID
        return default

    if spec.source == "file":
        return _file_reader(spec, loc, missing)
    base = split_optional(split_annotated(spec.type)[0])[0]
    if is_model(split_annotated(base)[0]):
        return _form_model_reader(spec)
    many = is_sequence(spec.type)
    convert = string_converter(spec.type)

    async def read_field(form: Any, errors: list[ErrorDetail]) -> Any:
        raw: Any
        if many:
            raw = form.getlist(name)
            items = raw
        else:
            raw = form.get(name)
            items = () if raw is None else (raw,)
        if convert is not None:
            # An empty input in an HTML form means "not given" unless the field is text.
            items = [v for v in items if v != ""]
            raw = items if many else (items[0] if items else None)
        if not items:
            return missing(errors)
        if any(isinstance(v, UploadFile) for v in items):
            errors.append(
                {"loc": list(loc), "msg": "Expected a form field, got a file", "type": "type_error"}
            )
            return INVALID
        if convert is None:
            return raw
        try:
            return convert(raw)
        except msgspec.ValidationError as exc:
            errors.append(error_from_msgspec(exc, list(loc)))
            return INVALID

    return read_field


def _form_model_reader(spec: ParamSpec) -> FormReader:
    codec, check = _reader(spec, strict=False)
    inner = split_annotated(split_optional(split_annotated(spec.type)[0])[0])[0]
    fields = object_fields(inner) or ()
    many = {f.wire_name for f in fields if is_sequence(f.type)}
    loc: list[str | int] = ["form"]

    async def read_model(form: Any, errors: list[ErrorDetail]) -> Any:
        data: dict[str, Any] = {}
        for key in form:
            data[key] = form.getlist(key) if key in many else form[key]
        value = codec.convert(data, loc, errors)
        if check is not None and value is not INVALID:
            value = await _checked(check, value, loc, errors)
        return value

    return read_model


def _file_reader(
    spec: ParamSpec, loc: list[str | int], missing: Callable[[list[ErrorDetail]], Any]
) -> FormReader:
    name = spec.wire_name
    max_size = spec.marker.max_size if isinstance(spec.marker, File) else None
    inner = split_optional(split_annotated(spec.type)[0])[0]
    item = item_type(inner)
    many = item is not None
    as_bytes = (item if many else inner) is bytes

    async def one(value: Any, errors: list[ErrorDetail], where: list[str | int]) -> Any:
        if not isinstance(value, UploadFile):
            errors.append({"loc": where, "msg": "Expected a file upload", "type": "type_error"})
            return INVALID
        if max_size is not None and value.size > max_size:
            raise UploadTooLargeError(
                f"the file in {name!r} is {value.size} bytes, more than the limit of {max_size}"
            )
        if as_bytes:
            await value.seek(0)
            return await value.read()
        return value

    async def read_file(form: Any, errors: list[ErrorDetail]) -> Any:
        if many:
            raw = form.getlist(name)
            if not raw:
                return missing(errors)
            out = [await one(v, errors, [*loc, i]) for i, v in enumerate(raw)]
            return INVALID if any(v is INVALID for v in out) else out
        value = form.get(name)
        if value is None:
            return missing(errors)
        return await one(value, errors, list(loc))

    return read_file
