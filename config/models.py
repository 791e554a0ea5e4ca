"""The models of the project's own app: the audit's historical records (``config.audit``)."""

from . import audit  # noqa: F401
