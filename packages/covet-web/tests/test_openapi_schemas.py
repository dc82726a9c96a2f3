"""Schema shapes tools read best: tagged unions as oneOf, 3.1 nullable types; and summaries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
import pydantic
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from covet.web import Covet, operation
from covet.web.openapi import generate_openapi
from covet.web.openapi._tidy import tidy_schema
from covet.web.testing import TestClient

REF = "#/components/schemas/"


class Cat(msgspec.Struct, tag="cat"):
    lives: int


class Dog(msgspec.Struct, tag="dog"):
    good: bool


class Bird(msgspec.Struct, tag="bird"):
    wings: int


class PCat(pydantic.BaseModel):
    kind: Literal["cat"]
    lives: int


class PDog(pydantic.BaseModel):
    kind: Literal["dog"]
    good: bool


class PFish(pydantic.BaseModel):
    kind: str  # not a tag: a union with it has no discriminator
    fins: int


class Profile(msgspec.Struct):
    nickname: str | None = None
    age: Annotated[int, msgspec.Meta(ge=0)] | None = None
    mood: Literal["happy", "sad"] | None = None
    pet: Cat | None = None
    code: int | str = 0


def pets_app() -> Covet:
    app = Covet()

    @app.post("/pets")
    async def add_pet(pet: Cat | Dog) -> Cat | Dog | None:
        return pet

    @app.get("/adopted")
    async def adopted() -> list[PCat | PDog]:
        return [PCat(kind="cat", lives=9), PDog(kind="dog", good=True)]

    @app.get("/chosen")
    async def chosen() -> Annotated[PCat | PDog, pydantic.Field(discriminator="kind")]:
        return PDog(kind="dog", good=True)

    @app.get("/maybe")
    async def maybe() -> PCat | PDog | None:
        return None

    @app.get("/any-fish")
    async def any_fish() -> PCat | PFish:
        return PFish(kind="trout", fins=4)

    @app.put("/profile")
    async def put_profile(profile: Profile, limit: int | None = None) -> Profile:
        return profile

    return app


def json_schema(doc: dict[str, Any], method: str, path: str, status: str = "200") -> Any:
    responses = doc["paths"][path][method]["responses"]
    return responses[status]["content"]["application/json"]["schema"]


def test_tagged_struct_unions_are_one_of_with_a_discriminator() -> None:
    app = pets_app()
    doc = generate_openapi(app)
    validate(doc)
    cat_or_dog = {
        "oneOf": [{"$ref": REF + "Cat"}, {"$ref": REF + "Dog"}],
        "discriminator": {
            "propertyName": "type",
            "mapping": {"cat": REF + "Cat", "dog": REF + "Dog"},
        },
    }
    body = doc["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == cat_or_dog
    assert json_schema(doc, "post", "/pets") == {"anyOf": [cat_or_dog, {"type": "null"}]}
    assert doc["components"]["schemas"]["Cat"]["properties"]["type"] == {
        "enum": ["cat"],
        "type": "string",
    }
    with TestClient(app) as client:  # the tag the document names is the one the app reads
        assert client.post("/pets", json={"type": "dog", "good": True}).json() == {
            "type": "dog",
            "good": True,
        }
        assert client.post("/pets", json={"type": "fish"}).status_code == 422


def test_unions_of_pydantic_models_with_a_literal_tag_get_a_discriminator() -> None:
    app = pets_app()
    doc = generate_openapi(app)
    validate(doc)
    cat_or_dog = {
        "oneOf": [{"$ref": REF + "PCat"}, {"$ref": REF + "PDog"}],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {"cat": REF + "PCat", "dog": REF + "PDog"},
        },
    }
    assert json_schema(doc, "get", "/adopted") == {"type": "array", "items": cat_or_dog}
    assert json_schema(doc, "get", "/chosen") == cat_or_dog  # Field(discriminator=...)
    assert json_schema(doc, "get", "/maybe") == {"anyOf": [cat_or_dog, {"type": "null"}]}
    # No field tags PCat | PFish: a plain anyOf, nothing claimed.
    assert json_schema(doc, "get", "/any-fish") == {
        "anyOf": [{"$ref": REF + "PCat"}, {"$ref": REF + "PFish"}]
    }
    assert {"PCat", "PDog", "PFish"} <= set(doc["components"]["schemas"])
    with TestClient(app) as client:
        assert client.get("/adopted").json()[1] == {"kind": "dog", "good": True}


def test_nullable_values_use_3_1_type_lists() -> None:
    doc = generate_openapi(pets_app())
    validate(doc)
    profile = doc["components"]["schemas"]["Profile"]["properties"]
    assert profile["nickname"] == {"type": ["string", "null"], "default": None}
    assert profile["age"] == {"type": ["integer", "null"], "minimum": 0, "default": None}
    assert profile["code"] == {"type": ["integer", "string"], "default": 0}
    # An enum or a reference keeps the anyOf with a null branch.
    assert profile["mood"] == {
        "anyOf": [{"enum": ["happy", "sad"], "type": "string"}, {"type": "null"}],
        "default": None,
    }
    assert profile["pet"] == {"anyOf": [{"$ref": REF + "Cat"}, {"type": "null"}], "default": None}
    (limit,) = doc["paths"]["/profile"]["put"]["parameters"]
    assert limit["schema"] == {"type": ["integer", "null"], "default": None}


# -- tidying never changes what a schema accepts ---------------------------------------

TIDIED_TYPES: list[Any] = [
    int | None,
    Annotated[str, msgspec.Meta(min_length=2, pattern="^[a-z]+$")] | None,
    int | str | None,
    list[int] | None,
    Literal["a", "b"] | None,
    Cat | Dog,
    Cat | Bird | None,
    Profile,
    dict[str, float | None],
]
RAW, RAW_COMPONENTS = msgspec.json.schema_components(TIDIED_TYPES, ref_template=REF + "{name}")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
near_misses = st.fixed_dictionaries(
    {"type": st.sampled_from(["cat", "dog", "bird", "x"])},
    optional={
        "lives": st.integers() | st.text(max_size=2),
        "good": st.booleans() | st.none(),
        "wings": st.integers(),
        "nickname": st.text(max_size=3) | st.none(),
        "age": st.integers(-2, 2) | st.none(),
        "mood": st.sampled_from(["happy", "bored"]) | st.none(),
        "code": st.integers() | st.text(max_size=2) | st.floats(allow_nan=False),
    },
)


def validator(schema: Any, components: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": {"schemas": components}})


RAW_VALIDATORS = [validator(s, RAW_COMPONENTS) for s in RAW]
TIDY_COMPONENTS = {n: tidy_schema(s, RAW_COMPONENTS) for n, s in RAW_COMPONENTS.items()}
TIDY_VALIDATORS = [validator(tidy_schema(s, RAW_COMPONENTS), TIDY_COMPONENTS) for s in RAW]


@given(value=json_values | near_misses | st.text(min_size=0, max_size=4))
def test_tidied_schemas_accept_exactly_what_the_originals_accept(value: Any) -> None:
    for raw, tidy in zip(RAW_VALIDATORS, TIDY_VALIDATORS, strict=True):
        assert raw.is_valid(value) == tidy.is_valid(value)


# -- summaries and descriptions ----------------------------------------------------------


def test_docstrings_fill_what_the_decorator_leaves_out() -> None:
    app = Covet()

    @app.get("/a", description="From the decorator.")
    async def a() -> None:
        """Docstring summary.

        Docstring body.
        """

    @app.get("/b", summary="Decorator summary")
    async def b() -> None:
        """The whole docstring describes it.

        Both paragraphs.\f
        :returns: nothing (after a form feed: for the code's readers only).
        """

    @app.get("/c", summary="S", description="D")
    async def c() -> None:
        """Ignored."""

    @app.get("/d")
    async def d() -> None:
        """Only a summary.\f
        Hidden."""

    @app.resource("/e", include_in_schema=False)
    class E:
        async def get(self) -> None: ...

    @app.resource("/f")
    class F:
        @operation(deprecated=True, include_in_schema=False)
        async def get(self) -> None: ...

        @operation(deprecated=True)
        async def delete(self) -> None: ...

    doc = generate_openapi(app)
    validate(doc)

    def texts(path: str, method: str = "get") -> tuple[str | None, str | None]:
        operation = doc["paths"][path][method]
        return operation.get("summary"), operation.get("description")

    assert texts("/a") == ("Docstring summary.", "From the decorator.")
    assert texts("/b") == (
        "Decorator summary",
        "The whole docstring describes it.\n\nBoth paragraphs.",
    )
    assert texts("/c") == ("S", "D")
    assert texts("/d") == ("Only a summary.", None)
    assert "/e" not in doc["paths"]
    assert list(doc["paths"]["/f"]) == ["delete"]
    assert doc["paths"]["/f"]["delete"]["deprecated"] is True
