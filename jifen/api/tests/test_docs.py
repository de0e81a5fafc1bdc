import re


def test_serves_the_openapi_schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/programmes/{slug}/members" in paths
    assert "/api/v1/me" in paths


def test_the_docs_page_loads_only_local_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in url for url in urls)
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in html and "https://" not in html


def test_the_docs_static_files_are_served(client):
    response = client.get("/static/ninja/swagger-ui-bundle.js")
    assert response.status_code == 200


def _operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield schema, path, method, operation


def test_every_operation_declares_its_refusals_with_the_one_error_schema(client):
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for _, path, method, operation in _operations(client):
        declared = operation["responses"]
        expected = (
            {"404", "422"} if "{" in path else {"422"} if operation.get("parameters") else set()
        )
        if operation.get("security"):
            expected |= {"401"} | ({"403", "409"} if method != "get" else set())
        if "requestBody" in operation:
            expected |= {"400", "409"}
        assert expected <= set(declared), (method, path)
        for status in expected:
            assert declared[status]["content"]["application/json"]["schema"] == ref


def test_the_error_schema_holds_what_refusals_carry(client, api_as, admin, programme):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ErrorOut"]
    url = f"/programmes/{programme.slug}/awards"
    refusals = [
        api_as(None).get("/me"),
        api_as(admin).get("/programmes/nowhere"),
        api_as(admin).post(url, {"member": "x", "amount": "lots", "reason": ""}),
        _signed_in(client, admin).post(
            f"/api/v1{url}", data="{not json", content_type="application/json"
        ),
    ]
    for response in refusals:
        body = response.json()
        assert set(schema["required"]) <= set(body) <= set(schema["properties"]), body
    assert [r.status_code for r in refusals] == [401, 404, 422, 400]


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_no_two_schemas_share_a_name_unless_they_are_the_same():
    """The OpenAPI description names each schema by its class name: two different classes
    with one name give one operation the other's schema (a body it does not take)."""
    import importlib
    import pkgutil

    from ninja import Schema

    import jifen.api

    by_name: dict[str, dict[str, object]] = {}
    for module in pkgutil.iter_modules(jifen.api.__path__):
        found = importlib.import_module(f"jifen.api.{module.name}")
        for value in vars(found).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == found.__name__
            ):
                by_name.setdefault(value.__name__, {})[found.__name__] = value.model_json_schema()
    clashes = {
        name: sorted(schemas)
        for name, schemas in by_name.items()
        if len({repr(sorted(s.items())) for s in schemas.values()}) > 1
    }
    assert clashes == {}
