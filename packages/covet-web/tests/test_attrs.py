"""attrs classes as return values: encoded like dataclasses (every field, by name), in
the handler's response, in JSONResponse and MessagePack, and described in OpenAPI."""

import dataclasses
import datetime
import uuid
from decimal import Decimal
from typing import Any

import attrs
import msgspec

from covet.web import Covet, JSONResponse, MsgPackResponse
from covet.web.testing import TestClient


@dataclasses.dataclass
class Price:
    amount: Decimal
    currency: str = "EUR"


@attrs.define
class Tag:
    name: str


@attrs.define
class Parcel:
    weight: int
    sent: datetime.date
    price: Price
    tags: list[Tag] = attrs.Factory(list)
    note: str | None = None
    label: str = attrs.field(default="", init=False)


@attrs.frozen
class Ref:
    id: uuid.UUID
    _secret: int = 0  # a private attribute: still a field, written under its name


PARCEL = Parcel(3, datetime.date(2024, 5, 6), Price(Decimal("9.50")), [Tag("fragile")])
PARCEL_JSON = {
    "weight": 3,
    "sent": "2024-05-06",
    "price": {"amount": "9.50", "currency": "EUR"},
    "tags": [{"name": "fragile"}],
    "note": None,
    "label": "",
}

app = Covet()


@app.get("/parcel")
async def get_parcel() -> Parcel:
    return PARCEL


@app.get("/parcels")
async def list_parcels() -> list[Parcel]:
    return [PARCEL, Parcel(1, datetime.date(2024, 1, 2), Price(Decimal(1), "USD"))]


@app.get("/untyped")
async def untyped() -> Any:
    return {"ref": Ref(uuid.UUID(int=7), 5)}


@app.post("/echo")
async def echo(parcel: Parcel) -> Parcel:
    parcel.label = "seen"
    return parcel


@app.get("/msgpack", msgpack=True)
async def as_msgpack() -> Tag:
    return Tag("a")


def test_returned_attrs_instance_is_json_with_every_field() -> None:
    with TestClient(app) as client:
        response = client.get("/parcel")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == PARCEL_JSON


def test_attrs_inside_containers_and_untyped_returns() -> None:
    with TestClient(app) as client:
        many = client.get("/parcels")
        untyped = client.get("/untyped")
    assert many.status_code == 200
    assert many.json()[0] == PARCEL_JSON
    assert many.json()[1]["price"] == {"amount": "1", "currency": "USD"}
    assert untyped.json() == {"ref": {"id": "00000000-0000-0000-0000-000000000007", "_secret": 5}}


def test_accepted_attrs_body_round_trips() -> None:
    body = {**PARCEL_JSON, "tags": [{"name": "x"}, {"name": "y"}], "note": "hi"}
    del body["label"]  # not an init field: the client cannot send it
    with TestClient(app) as client:
        response = client.post("/echo", json=body)
        minimal = client.post(
            "/echo", json={"weight": 1, "sent": "2024-01-01", "price": {"amount": "2"}}
        )
    assert response.status_code == 200
    assert response.json() == {**body, "label": "seen"}
    assert minimal.json() == {
        "weight": 1,
        "sent": "2024-01-01",
        "price": {"amount": "2", "currency": "EUR"},
        "tags": [],
        "note": None,
        "label": "seen",
    }


def test_json_and_msgpack_responses_of_attrs() -> None:
    assert JSONResponse(Tag("a")).body == b'{"name":"a"}'
    assert msgspec.msgpack.decode(MsgPackResponse(Tag("a")).body) == {"name": "a"}
    with TestClient(app) as client:
        response = client.get("/msgpack", headers={"accept": "application/msgpack"})
    assert response.headers["content-type"] == "application/msgpack"
    assert msgspec.msgpack.decode(response.content) == {"name": "a"}


def test_openapi_describes_the_returned_attrs_class() -> None:
    with TestClient(app) as client:
        spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/parcel"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Parcel"}
    parcel = spec["components"]["schemas"]["Parcel"]
    assert set(parcel["properties"]) == set(PARCEL_JSON)
    assert parcel["required"] == ["weight", "sent", "price"]
