"""The API's schema class (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``): drf-spectacular's, and the
parameters a view method carries in ``openapi_parameters`` (set by a decorator such as
``notices.idempotency.idempotent``, whose ``Idempotency-Key`` header the schema thus declares on
exactly the operations that honour it).

Read from the method rather than set with ``@extend_schema`` in the decorator: DRF's ``@action``
replaces the method's schema settings when it is applied on top, and the parameter would be lost.
"""

from drf_spectacular.openapi import AutoSchema


class PortalAutoSchema(AutoSchema):
    def _view_method(self):
        # A viewset names the method serving this operation in ``action``; an APIView by HTTP method.
        return getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *getattr(self._view_method(), "openapi_parameters", [])]
