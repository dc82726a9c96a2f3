"""Unions msgspec cannot describe (untagged models of every style), and classes holding them.

The params layer validates such unions member by member; the document describes each
member as a component and the union as a ``oneOf`` with a ``discriminator`` when a
``Literal`` field selects the member, an ``anyOf`` otherwise. What the document accepts
is what the app accepts.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, NotRequired, TypedDict

import attrs
import msgspec
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from covet.web import ConfigurationError, Covet
from covet.web.openapi import generate_openapi
from covet.web.testing import TestClient

REF = "#/components/schemas/"
NULL = {"type": "null"}


@dataclasses.dataclass
class DCat:
    kind: Literal["cat"]
    lives: int


@dataclasses.dataclass
class DDog:
    """A dog."""

    kind: Literal["dog"]
    good: bool = True


class TCat(TypedDict):
    kind: Literal["cat"]
    lives: int


class TDog(TypedDict):
    kind: Literal["dog"]
    good: NotRequired[bool]


class SCat(msgspec.Struct):
    kind: Literal["cat"]
    lives: int


class SDog(msgspec.Struct):
    kind: Literal["dog"]
    good: bool = True


class PCat(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(strict=True)
    kind: Literal["cat"]
    lives: int


class PDog(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(strict=True)
    kind: Literal["dog"]
    good: bool = True


@attrs.define
class ACat:
    kind: Literal["cat"]
    lives: int


@attrs.define
class ADog:
    kind: Literal["dog"]
    good: bool = True


@dataclasses.dataclass
class Card:
    number: str


class Voucher(TypedDict):
    code: str


STYLES = {
    "dataclass": (DCat, DDog),
    "typeddict": (TCat, TDog),
    "struct": (SCat, SDog),
    "pydantic": (PCat, PDog),
    "attrs": (ACat, ADog),
    "mixed": (PCat, DDog),
}


def _route(app: Covet, path: str, body: Any, returns: Any) -> None:
    async def handler(body: Any) -> Any:
        return "ok"  # the status is what the tests read

    handler.__annotations__.update(body=body, **{"return": returns})
    app.add_route(path, handler, ["POST"], name=path.strip("/"))


def _body_schema(doc: dict[str, Any], path: str) -> Any:
    return doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def _response_schema(doc: dict[str, Any], path: str) -> Any:
    return doc["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]


def _validator(doc: dict[str, Any], schema: Any) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": doc["components"]})


@pytest.mark.parametrize("style", list(STYLES))
def test_untagged_unions_with_a_literal_field_are_one_of_with_a_discriminator(style: str) -> None:
    cat, dog = STYLES[style]
    app = Covet()
    _route(app, "/pets", cat | dog, cat | dog)
    _route(app, "/maybe", cat | dog | None, list[cat | dog])
    with TestClient(app) as client:
        served = client.get("/openapi.json")  # was a 500: msgspec refuses these unions
        assert served.status_code == 200
        doc = served.json()
        validate(doc)
        accepted = client.post("/pets", json={"kind": "dog"})
        assert accepted.status_code == 200
        assert client.post("/pets", json={"kind": "cow"}).status_code == 422

    refs = [REF + cat.__name__, REF + dog.__name__]
    union = {
        "oneOf": [{"$ref": r} for r in refs],
        "discriminator": {
            "propertyName": "kind",
            "mapping": dict(zip(["cat", "dog"], refs, strict=True)),
        },
    }
    assert _body_schema(doc, "/pets") == union
    assert _response_schema(doc, "/pets") == union
    assert _body_schema(doc, "/maybe") == {"anyOf": [union, NULL]}
    assert _response_schema(doc, "/maybe") == {"type": "array", "items": union}
    components = doc["components"]["schemas"]
    assert components[cat.__name__]["properties"]["lives"]["type"] == "integer"
    assert {"kind", "lives"} <= set(components[cat.__name__]["required"])
    assert _validator(doc, _body_schema(doc, "/pets")).is_valid({"kind": "dog"})
    assert not _validator(doc, _body_schema(doc, "/pets")).is_valid({"kind": "cow"})


def test_unions_without_a_discriminator_are_any_of_their_members() -> None:
    app = Covet()
    _route(app, "/pay", Card | Voucher, Card | Voucher | None)
    _route(app, "/mixed", PCat | int, SCat | list[SCat])
    doc = generate_openapi(app)
    validate(doc)
    card_or_voucher = [{"$ref": REF + "Card"}, {"$ref": REF + "Voucher"}]
    assert _body_schema(doc, "/pay") == {"anyOf": card_or_voucher}
    assert _response_schema(doc, "/pay") == {"anyOf": [*card_or_voucher, NULL]}
    assert _body_schema(doc, "/mixed") == {"anyOf": [{"$ref": REF + "PCat"}, {"type": "integer"}]}
    assert _response_schema(doc, "/mixed") == {  # msgspec describes this one itself
        "anyOf": [{"type": "array", "items": {"$ref": REF + "SCat"}}, {"$ref": REF + "SCat"}]
    }


# -- what the document accepts is what the app accepts ---------------------------------

AGREEMENT_BODIES = {
    "/dataclasses": DCat | DDog,
    "/typeddicts": TCat | TDog | None,
    "/structs": SCat | SDog,
    "/mixed": PCat | DDog,
    "/untagged": Card | Voucher,
}
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.sampled_from(["cat", "dog", "cow", "", "12"])
)
well_formed = st.one_of(
    st.fixed_dictionaries({"kind": st.just("cat"), "lives": st.integers(0, 9)}),
    st.fixed_dictionaries({"kind": st.just("dog")}, optional={"good": st.booleans()}),
    st.fixed_dictionaries({"number": st.text("0123456789", max_size=3)}),
    st.fixed_dictionaries({"code": st.text("ABC", max_size=3)}),
)


@st.composite
def payloads(draw: st.DrawFn) -> Any:
    """A body of one member, often spoiled: a field dropped, or given a wrong value."""
    body = dict(draw(well_formed))
    for key in draw(
        st.lists(st.sampled_from(["kind", "lives", "good", "number", "code"]), max_size=2)
    ):
        if draw(st.booleans()):
            body.pop(key, None)
        else:
            body[key] = draw(scalars | st.sampled_from(["cat", "dog"]))
    return body


JSON = {"content-type": "application/json"}


def test_the_document_accepts_exactly_the_bodies_the_app_accepts() -> None:
    app = Covet()
    for path, body in AGREEMENT_BODIES.items():
        _route(app, path, body, body)
    doc = generate_openapi(app)
    validators = {path: _validator(doc, _body_schema(doc, path)) for path in AGREEMENT_BODIES}

    with TestClient(app) as client:

        @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(payload=payloads() | scalars | st.lists(scalars, max_size=2))
        def check(payload: Any) -> None:
            content = msgspec.json.encode(payload)  # json=None would send no body
            for path, validator in validators.items():
                status = client.post(path, content=content, headers=JSON).status_code
                assert status in (200, 422), (path, payload, status)
                assert (status == 200) == validator.is_valid(payload), (path, payload)

        check()


# -- classes msgspec refuses: described field by field -----------------------------------


@dataclasses.dataclass
class Owner:
    """Someone with a pet (validated by pydantic: it holds pydantic models)."""

    pet: PCat | PDog
    pets: list[PCat | PDog] = dataclasses.field(default_factory=list)
    name: str = "ada"


@dataclasses.dataclass
class Node:
    pet: Card | Voucher
    children: list[Node] = dataclasses.field(default_factory=list)


class Box(msgspec.Struct, tag="box", forbid_unknown_fields=True):
    content: DCat | DDog | None = None


def test_classes_holding_such_unions_become_components_field_by_field() -> None:
    app = Covet()
    _route(app, "/owners", Owner, Owner)
    _route(app, "/trees", Card, Node | Box)  # returned only: never validated
    with TestClient(app) as client:
        doc = client.get("/openapi.json").json()
        payload = {"pet": {"kind": "cat", "lives": 9}, "pets": [{"kind": "dog"}]}
        assert client.post("/owners", json=payload).status_code == 200
    validate(doc)
    components = doc["components"]["schemas"]
    pcat_or_pdog = {
        "oneOf": [{"$ref": REF + "PCat"}, {"$ref": REF + "PDog"}],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {"cat": REF + "PCat", "dog": REF + "PDog"},
        },
    }
    assert components["Owner"] == {
        "title": "Owner",
        "description": "Someone with a pet (validated by pydantic: it holds pydantic models).",
        "type": "object",
        "properties": {
            "pet": pcat_or_pdog,
            "pets": {"type": "array", "items": pcat_or_pdog},
            "name": {"type": "string", "default": "ada"},
        },
        "required": ["pet"],
    }
    assert _body_schema(doc, "/owners") == {"$ref": REF + "Owner"}
    assert _validator(doc, _body_schema(doc, "/owners")).is_valid(payload)
    assert components["Node"]["properties"] == {  # recursive: a $ref to itself
        "pet": {"anyOf": [{"$ref": REF + "Card"}, {"$ref": REF + "Voucher"}]},
        "children": {"type": "array", "items": {"$ref": REF + "Node"}},
    }
    box = components["Box"]
    assert box["required"] == ["type"] and box["additionalProperties"] is False
    assert box["properties"]["type"] == {"enum": ["box"], "type": "string"}
    assert box["properties"]["content"]["anyOf"][-1] == NULL


def test_a_stand_in_class_named_like_another_gets_a_qualified_name() -> None:
    first = msgspec.defstruct("Holder", [("pet", DCat | DDog)], module="shop.pets")
    second = msgspec.defstruct("Holder", [("n", int)], module="shop.numbers")
    third = msgspec.defstruct("Holder", [("pet", Card | Voucher)], module="shop.pets")
    app = Covet()
    _route(app, "/a", Card, second)
    _route(app, "/b", Card, first)
    _route(app, "/c", Card, third)
    doc = generate_openapi(app)
    validate(doc)
    assert _response_schema(doc, "/a") == {"$ref": REF + "Holder"}
    assert _response_schema(doc, "/b") == {"$ref": REF + "shop.pets.Holder"}
    assert _response_schema(doc, "/c") == {"$ref": REF + "shop.pets.Holder_2"}
    components = doc["components"]["schemas"]
    assert list(components["shop.pets.Holder"]["properties"]["pet"]) == ["oneOf", "discriminator"]
    assert list(components["shop.pets.Holder_2"]["properties"]["pet"]) == ["anyOf"]


def test_a_field_that_cannot_be_described_is_named_with_its_route() -> None:
    holder = msgspec.defstruct("Holder", [("pet", DCat | DDog), ("blob", msgspec.msgpack.Ext)])
    app = Covet()
    _route(app, "/blob", Card, holder)
    with pytest.raises(ConfigurationError, match=r"Ext.*\(POST /blob, field Holder\.blob\)"):
        generate_openapi(app)
