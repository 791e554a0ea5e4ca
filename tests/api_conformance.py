"""A response checked against the portal's own OpenAPI schema, as `.ci/schemathesis.sh` checks the
served portal's (Schemathesis's ``response_schema_conformance``), for the regression tests of what
that run found."""

import requests
import schemathesis
from schemathesis.core.transport import Response as SchemathesisResponse


def assert_conforms(client, response, *, method: str, path: str) -> None:
    """Fail unless ``response`` (from the test ``client``) is what the schema documents for the
    operation ``method path`` (``path`` as the schema writes it: ``/api/v1/achievements/{id}/``).
    A status the schema does not document passes, as in the CI run."""
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schemathesis.openapi.from_dict(document)[path][method.upper()]
    answered = SchemathesisResponse(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(method.upper(), f"http://testserver{response.request['PATH_INFO']}").prepare(),
        elapsed=0.0,
        verify=True,
    )
    operation.validate_response(answered)
