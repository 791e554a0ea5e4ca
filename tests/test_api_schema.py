"""The OpenAPI schema and its docs page, which must work on an intranet with no internet."""

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema


@pytest.mark.django_db
def test_the_schema_is_valid_openapi_3_and_generates_without_warnings(client):
    GENERATOR_STATS.reset()

    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert not GENERATOR_STATS, "the schema generator warned: see the captured stderr"
    for path in [
        "/api/v1/platforms/",
        "/api/v1/platforms/{id}/",
        "/api/v1/platforms/{id}/deactivate/",
        "/api/v1/platforms/{id}/transfer/",
        "/api/v1/units/",
        "/api/v1/cadres/",
        "/api/v1/cadres/{id}/set-platforms/",
        "/api/v1/cadres/{id}/deactivate/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/end/",
        "/api/v1/contacts/",
        "/api/v1/services/",
        "/api/v1/services/{id}/",
        "/api/v1/services/{id}/delete/",
    ]:
        assert path in schema["paths"], path
    assert {"UnitKindEnum", "ContactKindEnum", "LevelEnum", "ServiceKindEnum"} <= set(schema["components"]["schemas"])
    transfer = schema["paths"]["/api/v1/platforms/{id}/transfer/"]["post"]
    assert transfer["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PlatformTransfer")


@pytest.mark.django_db
def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/v1/schema/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "expected the page to load Swagger UI's script and stylesheet"
    # Swagger UI's start script is the page's own (?script), not inline: the Content-Security-Policy
    # allows scripts from the portal only.
    own_script = "/api/v1/schema/docs/?script="
    for url in assets:
        if url == own_script:
            continue
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    assert own_script in assets and "<script>" not in html
    script = client.get(own_script).content.decode()
    assert 'url: "/api/v1/schema/"' in script and "http://" not in script and "https://" not in script


#: The operations that honour an ``Idempotency-Key`` header (README, "No duplicate from a retry"):
#: the API's creating endpoints, the imports of the scheme's lists and a cadre's hand-over.
IDEMPOTENT_OPERATIONS = {
    ("post", "/api/v1/contacts/"),
    ("post", "/api/v1/assignments/"),
    ("post", "/api/v1/issues/"),
    ("post", "/api/v1/achievements/"),
    ("post", "/api/v1/demands/"),
    ("post", "/api/v1/matches/"),
    ("post", "/api/v1/services/"),
    ("post", "/api/v1/import/units/"),
    ("post", "/api/v1/import/cadres/"),
    ("post", "/api/v1/import/platforms/"),
    ("post", "/api/v1/import/assignments/"),
    ("post", "/api/v1/cadres/{id}/hand-over/"),
}


@pytest.mark.django_db
def test_the_schema_declares_the_idempotency_key_header_on_exactly_the_operations_that_honour_it(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    declared = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"].lower() == "idempotency-key":
                    declared[(method, path)] = parameter

    assert set(declared) == IDEMPOTENT_OPERATIONS
    for parameter in declared.values():
        assert parameter["in"] == "header"
        assert not parameter.get("required", False)
        assert parameter["schema"] == {"type": "string", "maxLength": 255}
        assert parameter["description"]
