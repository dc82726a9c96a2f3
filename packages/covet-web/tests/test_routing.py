"""Routing: converters, the matcher, 404/405, trailing slashes, routers, mounts, url_for,
class-based resources, and random paths that must never yield a 500."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covet.web import (
    ConfigurationError,
    Covet,
    HTTPRoute,
    PlainTextResponse,
    Request,
    Router,
    URLBuildError,
    operation,
)
from covet.web.params import Depends, Header
from covet.web.testing import TestClient


def make_app(**options: Any) -> Covet:
    app = Covet(**options)

    @app.get("/")
    async def index() -> str:
        return "index"

    @app.get("/items/{id:int}")
    async def get_item(id: int) -> dict[str, Any]:
        return {"id": id, "type": type(id).__name__}

    @app.delete("/items/{id:int}")
    async def delete_item(id: int) -> None:
        return None

    @app.get("/prices/{value:float}")
    async def price(value: float) -> dict[str, float]:
        return {"value": value}

    @app.get("/uuids/{key:uuid}")
    async def by_uuid(key: uuid.UUID) -> dict[str, str]:
        return {"key": str(key), "type": type(key).__name__}

    @app.get("/files/{rest:path}")
    async def files(rest: str) -> dict[str, str]:
        return {"rest": rest}

    @app.get("/slugs/{slug:slug}")
    async def slugs(slug: str) -> dict[str, str]:
        return {"slug": slug}

    @app.get("/days/{day:date}")
    async def days(day: datetime.date) -> dict[str, str]:
        return {"day": day.isoformat(), "weekday": day.strftime("%A")}

    @app.get("/users/me")
    async def me() -> str:
        return "me"

    @app.get("/users/{name}")
    async def user(name: str) -> str:
        return f"user {name}"

    @app.get("/typed/{id}")
    async def typed(id: int) -> dict[str, Any]:
        return {"id": id, "type": type(id).__name__}

    @app.get("/archive/{name}.{ext}")
    async def archive(name: str, ext: str) -> dict[str, str]:
        return {"name": name, "ext": ext}

    @app.get("/slash/")
    async def slash() -> str:
        return "slash"

    return app


@pytest.fixture
def client() -> Any:
    with TestClient(make_app()) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/items/42", {"id": 42, "type": "int"}),
        ("/prices/3.5", {"value": 3.5}),
        ("/prices/7", {"value": 7.0}),
        (
            "/uuids/12345678-1234-5678-1234-567812345678",
            {"key": "12345678-1234-5678-1234-567812345678", "type": "UUID"},
        ),
        ("/files/a/b/c.txt", {"rest": "a/b/c.txt"}),
        ("/files/", {"rest": ""}),
        ("/slugs/hello-world_2", {"slug": "hello-world_2"}),
        ("/days/2024-02-29", {"day": "2024-02-29", "weekday": "Thursday"}),
        ("/typed/7", {"id": 7, "type": "int"}),
        ("/archive/report.tar", {"name": "report", "ext": "tar"}),
    ],
)
def test_converters_match_and_convert(client: TestClient, path: str, expected: Any) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == expected


@pytest.mark.parametrize(
    "path",
    [
        "/items/abc",
        "/items/-1",
        "/prices/1e5",
        "/uuids/not-a-uuid",
        "/slugs/not a slug",
        "/days/2023-02-30",  # matches the pattern, fails to convert: still a 404
        "/days/tomorrow",
        "/typed/seven",  # {id} typed int by the annotation
        "/nowhere",
    ],
)
def test_non_matching_paths_are_404_problems(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["title"] == "Not Found"


def test_static_route_wins_over_parameter(client: TestClient) -> None:
    assert client.get("/users/me").text == "me"
    assert client.get("/users/ada").text == "user ada"


def test_405_lists_allowed_methods(client: TestClient) -> None:
    response = client.post("/items/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"
    problem = response.json()
    assert problem["status"] == 405
    assert "POST" in problem["detail"]
    assert client.delete("/items/1").status_code == 204


def test_options_is_answered_with_allow(client: TestClient) -> None:
    response = client.options("/items/1")
    assert response.status_code == 204
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"


def test_head_uses_get_without_body(client: TestClient) -> None:
    response = client.head("/items/5")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(b'{"id":5,"type":"int"}'))


def test_trailing_slash_redirects_by_default(client: TestClient) -> None:
    response = client.get("/items/3/?x=1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/items/3?x=1"
    response = client.get("/slash", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/slash/"
    assert client.get("/items/3/").json() == {"id": 3, "type": "int"}


def test_trailing_slash_strict() -> None:
    with TestClient(make_app(trailing_slash="strict")) as client:
        assert client.get("/items/3/", follow_redirects=False).status_code == 404
        assert client.get("/slash", follow_redirects=False).status_code == 404
        assert client.get("/slash/").text == "slash"


def test_trailing_slash_ignore() -> None:
    with TestClient(make_app(trailing_slash="ignore")) as client:
        assert client.get("/items/3/", follow_redirects=False).json()["id"] == 3
        assert client.get("/slash", follow_redirects=False).text == "slash"
        assert client.get("/slash/", follow_redirects=False).text == "slash"


def test_bad_trailing_slash_option() -> None:
    with pytest.raises(ConfigurationError, match="trailing_slash"):
        Covet(trailing_slash="sometimes")  # type: ignore[arg-type]


def test_register_converter() -> None:
    app = Covet()
    app.register_converter(
        "hexint",
        r"[0-9a-f]+",
        lambda text: int(text, 16),
        lambda value: format(value, "x"),
        python_type=int,
    )

    @app.get("/colors/{value:hexint}", name="color")
    async def color(value: int) -> dict[str, int]:
        return {"value": value}

    with TestClient(app) as client:
        assert client.get("/colors/ff").json() == {"value": 255}
        assert client.get("/colors/zz").status_code == 404
    assert app.url_for("color", value=255) == "/colors/ff"


def test_unknown_converter_is_a_clear_error() -> None:
    app = Covet()

    @app.get("/x/{id:integer}")
    async def handler(id: int) -> None: ...

    with pytest.raises(ConfigurationError, match=r"unknown path converter 'integer'.*int"):
        app.build()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("items", "must start with '/'"),
        ("/a/{id", "unbalanced braces"),
        ("/a/{1x}", "must be an identifier"),
        ("/a/{x}/{x}", "appears twice"),
        ("/a/{p:path}/b", "whole, final segment"),
    ],
)
def test_bad_paths_fail_at_start_up(path: str, message: str) -> None:
    app = Covet()
    app.add_route(path, lambda: None)
    with pytest.raises(ConfigurationError, match=message):
        app.build()


def test_duplicate_route_is_an_error() -> None:
    app = Covet()
    app.add_route("/a", lambda: None)
    app.add_route("/a", lambda: None)
    with pytest.raises(ConfigurationError, match="two routes for GET /a"):
        app.build()


def test_bad_route_surfaces_as_lifespan_startup_failure() -> None:
    from covet.web.testing import LifespanFailed

    app = Covet()
    app.add_route("/a/{x:nope}", lambda: None)
    with pytest.raises(LifespanFailed, match="unknown path converter"), TestClient(app):
        pass


def test_unknown_method_is_rejected() -> None:
    app = Covet()
    with pytest.raises(ConfigurationError, match="unknown HTTP method"):
        app.add_route("/a", lambda: None, methods=["FETCH"])


def test_route_decorator_with_methods() -> None:
    app = Covet()

    @app.route("/both", methods=["GET", "POST"])
    async def both(request: Request) -> str:
        return request.method

    with TestClient(app) as client:
        assert client.get("/both").text == "GET"
        assert client.post("/both").text == "POST"


def test_router_prefix_tags_and_dependencies() -> None:
    calls: list[str] = []

    async def audit() -> None:
        calls.append("router")

    async def app_wide() -> None:
        calls.append("app")

    users = Router(prefix="/users", tags=["users"], dependencies=[Depends(audit)])

    @users.get("/{id:int}", name="user")
    async def get_user(id: int) -> dict[str, int]:
        return {"id": id}

    app = Covet(dependencies=[Depends(app_wide)])
    app.include_router(users, prefix="/v1", tags=["v1"])

    @users.get("/late")  # added after include: still served
    async def late() -> str:
        return "late"

    with TestClient(app) as client:
        assert client.get("/v1/users/3").json() == {"id": 3}
        assert calls == ["app", "router"]
        assert client.get("/v1/users/late").text == "late"
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.name == "user")
    assert route.path == "/v1/users/{id:int}"
    assert route.tags == ("v1", "users")
    assert app.url_for("user", id=9) == "/v1/users/9"


def test_nested_routers() -> None:
    inner = Router(prefix="/inner")

    @inner.get("/leaf")
    async def leaf() -> str:
        return "leaf"

    outer = Router(prefix="/outer")
    outer.include_router(inner)
    app = Covet()
    app.include_router(outer, prefix="/api")
    with TestClient(app) as client:
        assert client.get("/api/outer/inner/leaf").text == "leaf"
    with pytest.raises(ConfigurationError, match="cannot include itself"):
        inner.include_router(outer)


def test_url_for_wrong_type_names_parameter_converter_and_value() -> None:
    app = Covet()

    @app.get("/books/{book_id:int}", name="page")
    async def page(book_id: int) -> str:
        return "page"

    @app.get("/prices/{price:float}", name="price")
    async def price(price: float) -> str:
        return "price"

    @app.get("/things/{key:uuid}", name="thing")
    async def thing(key: uuid.UUID) -> str:
        return "thing"

    @app.get("/days/{day:date}", name="day")
    async def day(day: datetime.date) -> str:
        return "day"

    cases: list[tuple[str, str, Any, str]] = [
        (
            "page",
            "book_id",
            "x",
            r"parameter 'book_id': 'x' \(str\) does not fit the int "
            r"converter: expected an int, got str",
        ),
        ("page", "book_id", 1.5, r"'book_id': 1\.5 \(float\) does not fit the int converter"),
        ("page", "book_id", True, r"'book_id': True \(bool\) does not fit the int converter"),
        ("price", "price", "1.5", r"'price': '1\.5' \(str\) does not fit the float converter"),
        ("thing", "key", 42, r"'key': 42 \(int\) does not fit the uuid converter"),
        ("day", "day", "2024-01-02", r"'day': '2024-01-02' \(str\) does not fit the date"),
    ]
    for name, param, value, message in cases:
        with pytest.raises(URLBuildError, match=message) as info:
            app.url_for(name, **{param: value})
        assert "not supported between" not in str(info.value)
    # The right types still build.
    key = uuid.UUID(int=1)
    assert app.url_for("page", book_id=3) == "/books/3"
    assert app.url_for("price", price=2) == "/prices/2.0"
    assert app.url_for("thing", key=key) == f"/things/{key}"
    assert app.url_for("thing", key=str(key)) == f"/things/{key}"
    assert app.url_for("day", day=datetime.date(2024, 1, 2)) == "/days/2024-01-02"


def test_bad_prefixes() -> None:
    with pytest.raises(ConfigurationError, match="prefix"):
        Router(prefix="api")
    with pytest.raises(ConfigurationError, match="prefix"):
        Covet().include_router(Router(), prefix="/api/")


def test_url_for() -> None:
    app = make_app()
    assert app.url_for("get_item", id=5) == "/items/5"
    assert app.url_for("files", rest="a b/c") == "/files/a%20b/c"
    assert app.url_for("user", name="ada lovelace") == "/users/ada%20lovelace"
    with pytest.raises(URLBuildError, match="does not match the str converter"):
        app.url_for("user", name="a/b")  # could never route back to this handler
    assert app.url_for("archive", name="r", ext="zip") == "/archive/r.zip"
    assert app.url_for("days", day=datetime.date(2024, 1, 2)) == "/days/2024-01-02"
    with pytest.raises(URLBuildError, match="no route named 'missing'"):
        app.url_for("missing")
    with pytest.raises(URLBuildError, match="missing id"):
        app.url_for("get_item")
    with pytest.raises(URLBuildError, match="unexpected other"):
        app.url_for("get_item", id=1, other=2)
    with pytest.raises(URLBuildError, match="does not fit the int converter"):
        app.url_for("get_item", id=-1)
    with pytest.raises(URLBuildError, match="does not match the slug"):
        app.url_for("slugs", slug="not a slug")


def test_url_for_ambiguous_name() -> None:
    app = Covet()
    one, two = Router(prefix="/one"), Router(prefix="/two")
    for router in (one, two):

        @router.get("/")
        async def index() -> str:
            return "x"

    app.include_router(one)
    app.include_router(two)
    with pytest.raises(URLBuildError, match="several paths"):
        app.url_for("index")


def test_request_url_for_is_absolute_and_honours_root_path() -> None:
    app = Covet()

    @app.get("/items/{id:int}", name="item")
    async def item(id: int, request: Request) -> str:
        return str(request.url_for("item", id=id + 1))

    with TestClient(app) as client:
        assert client.get("/items/1").text == "http://testserver/items/2"
    with TestClient(app, root_path="/api") as client:
        assert client.get("/items/1").text == "http://testserver/api/items/2"


def test_mount_any_asgi_app() -> None:
    seen: list[tuple[str, str]] = []

    async def raw(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["root_path"], scope["path"]))
        await PlainTextResponse("raw")(scope, receive, send)

    sub = Covet()

    @sub.get("/hello/{name}", name="hello")
    async def hello(name: str, request: Request) -> dict[str, str]:
        return {"hello": name, "url": str(request.url_for("hello", name="x"))}

    app = Covet()
    app.mount("/raw", raw, name="raw")
    app.mount("/sub", sub, name="sub")

    with TestClient(app) as client:
        assert client.get("/raw/x/y").text == "raw"
        assert client.get("/raw").text == "raw"
        assert seen == [("/raw", "/raw/x/y"), ("/raw", "/raw")]
        assert client.get("/rawish").status_code == 404
        assert client.get("/sub/hello/ada").json() == {
            "hello": "ada",
            "url": "http://testserver/sub/hello/x",
        }
        assert client.get("/sub/nope").json()["status"] == 404
    assert app.url_for("sub:hello", name="b") == "/sub/hello/b"
    assert app.url_for("raw", path="/a.css") == "/raw/a.css"


def test_mounted_covet_app_lifespan_runs() -> None:
    events: list[str] = []
    sub = Covet(
        on_startup=[lambda: events.append("sub up")],
        on_shutdown=[lambda: events.append("sub down")],
    )
    app = Covet(
        on_startup=[lambda: events.append("up")], on_shutdown=[lambda: events.append("down")]
    )
    app.mount("/sub", sub)
    with TestClient(app):
        assert events == ["up", "sub up"]
    assert events == ["up", "sub up", "sub down", "down"]


def test_routes_added_after_start_are_served() -> None:
    app = Covet()
    with TestClient(app) as client:
        assert client.get("/new").status_code == 404

        @app.get("/new")
        async def new() -> str:
            return "new"

        assert client.get("/new").text == "new"


# -- class-based resources -------------------------------------------------------------


class Store:
    def __init__(self) -> None:
        self.items: dict[int, str] = {1: "pen"}


STORE = Store()


def get_store() -> Store:
    return STORE


def require_token(x_token: Annotated[str, Header()]) -> None:
    from covet.web import HTTPError

    if x_token != "secret":
        raise HTTPError(401, "bad token")


def test_resource_class() -> None:
    app = Covet()
    instances: list[object] = []

    @app.resource("/items/{id:int}", name="item")
    class ItemResource:
        """Items by id."""

        dependencies = [Depends(require_token)]
        tags = ["items"]

        def __init__(self, store: Annotated[Store, Depends(get_store)]) -> None:
            self.store = store
            instances.append(self)

        async def get(self, id: int) -> dict[str, Any]:
            """Read one item.

            Longer description.
            """
            return {"id": id, "name": self.store.items.get(id)}

        @operation(status_code=201, summary="Replace an item")
        def put(self, id: int, name: str) -> dict[str, Any]:
            self.store.items[id] = name
            return {"id": id, "name": name}

        async def delete(self, id: int) -> None:
            self.store.items.pop(id, None)

    headers = {"x-token": "secret"}
    with TestClient(app, headers=headers) as client:
        assert client.get("/items/1").json() == {"id": 1, "name": "pen"}
        response = client.put("/items/2?name=ink")
        assert response.status_code == 201
        assert response.json() == {"id": 2, "name": "ink"}
        assert client.delete("/items/2").status_code == 204
        assert client.get("/items/2").json() == {"id": 2, "name": None}
        assert client.get("/items/1", headers={"x-token": "wrong"}).status_code == 401
        assert client.post("/items/1").status_code == 405
    assert len(instances) == 4  # one instance per request
    assert app.url_for("item", id=3) == "/items/3"
    routes = {r.methods[0]: r for r in app.routes if isinstance(r, HTTPRoute)}
    assert routes["GET"].summary == "Read one item."
    assert routes["GET"].description == "Longer description."
    assert routes["PUT"].summary == "Replace an item"
    assert routes["GET"].tags == ("items",)


def test_resource_without_handlers_or_with_clashing_names() -> None:
    app = Covet()
    with pytest.raises(ConfigurationError, match="defines none of"):

        @app.resource("/x")
        class Empty:
            pass

    with pytest.raises(ConfigurationError, match=r"\['id'\] appear in both"):

        @app.resource("/y/{id}")
        class Clash:
            def __init__(self, id: int) -> None: ...

            async def get(self, id: int) -> None: ...


# -- random input never yields a 500 ----------------------------------------------------

_FUZZ_APP = make_app()
_FUZZ_CLIENT = TestClient(_FUZZ_APP)

path_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="?#"),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    segments=st.lists(path_text, max_size=5),
    query=st.text(max_size=40),
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD"]),
)
def test_random_paths_never_500(segments: list[str], query: str, method: str) -> None:
    from urllib.parse import quote

    path = "/" + "/".join(quote(s, safe="") for s in segments)
    url = path + ("?" + quote(query, safe="=&") if query else "")
    response = _FUZZ_CLIENT.request(method, "http://testserver" + url, follow_redirects=False)
    assert response.status_code < 500, (url, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from(["/items/", "/prices/", "/uuids/", "/days/", "/files/", "/archive/"]),
    tail=path_text,
)
def test_random_parameters_never_500(prefix: str, tail: str) -> None:
    from urllib.parse import quote

    response = _FUZZ_CLIENT.get(
        "http://testserver" + prefix + quote(tail, safe="/."), follow_redirects=False
    )
    assert response.status_code in (200, 307, 404), response.text
