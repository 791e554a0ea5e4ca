"""No duplicate from a retry: a request that creates something carries a key chosen by its client,
and the same key again answers as the first request did, without creating again.

- The contact form carries a random hidden key made when the form is shown
  (``achievements.views.contact_new``); a second submit of it lands where the first did.
- The API's creating endpoints take an ``Idempotency-Key`` header (``@idempotent`` on the view
  method): the same key from the same user with the same request returns the first response,
  status and body; with another request (another body or another endpoint) it answers 422.

How it holds under concurrency: the key's row (unique per user and key) is inserted in the same
transaction as what the request creates, before it creates anything. A second request with the key
fails to insert it, at once when the first has committed or, while the first is still running,
after waiting on the unique index (PostgreSQL) or the write lock (SQLite), and replays the row the
first committed. If the first request fails (a validation error, any non-2xx answer) its
row is rolled back with everything else, so the client may correct the request and send it again
with the same key.

The keys live in the leftmost room with tables (``notices``; ``config`` is not an app), so every
room may use them; a daily job forgets those older than ``KEY_LIFETIME``.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status as http_status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyKey

#: A key is remembered at least this long (the daily job forgets it after that).
KEY_LIFETIME = timedelta(days=1)
#: The request header the API reads the key from.
HEADER = "Idempotency-Key"
#: The most characters a key may have (the column's width).
MAX_KEY_LENGTH = 255
#: Set on a response replayed from a key: "true".
REPLAYED_HEADER = "Idempotent-Replayed"
#: The header as the OpenAPI schema declares it, on the operations ``@idempotent`` decorates
#: (through ``openapi_parameters``, which ``config.api_schema.PortalAutoSchema`` reads).
SCHEMA_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        "A key of the client's choosing (a UUID, say) that makes a retry safe: the same key from the same "
        "user with the same request answers the first response again (with Idempotent-Replayed: true) and "
        "creates nothing; the same key with another request answers 422. Kept for a day."
    ),
)


class KeyReused(Exception):
    """The key was used before by this user for another request."""


@dataclass(frozen=True)
class Outcome:
    """What a request with a key answered: its status, body and where it led."""

    status: int
    body: object = None
    location: str = ""
    #: True when this is the first request's answer given again.
    replayed: bool = False


class _NotKept(Exception):
    """Rolls the key back with the request's work when the request did not succeed."""

    def __init__(self, result):
        self.result = result


def fingerprint_of(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _stored(user, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=user, key=key).first()


def _replay(row: IdempotencyKey, fingerprint: str) -> Outcome:
    if row.fingerprint != fingerprint:
        raise KeyReused(key_reused_message())
    return Outcome(status=row.status, body=row.body, location=row.location, replayed=True)


def key_reused_message() -> str:
    return _("This Idempotency-Key was already used for another request. Send a new key with a new request.")


def idempotent_replay(*, user, key: str, fingerprint: str) -> Outcome | None:
    """The first response to ``key`` from ``user``, if there was one (``KeyReused`` if it was for a
    request with another fingerprint)."""
    row = _stored(user, key)
    return None if row is None else _replay(row, fingerprint)


def idempotent_run(*, user, key: str, fingerprint: str, run: Callable[[], tuple[Outcome, object]]):
    """Run ``run`` once per ``(user, key)``: return ``(outcome, result)`` where ``result`` is what
    ``run`` returned the first time, or None when the first request's ``outcome`` is replayed.

    ``run`` returns ``(Outcome, result)``; only an outcome with a 2xx or 3xx status is kept. Raises
    ``KeyReused`` when the key was used by this user for a request with another fingerprint.
    Exceptions from ``run`` propagate, and nothing is kept. Without a key (``""``), ``run`` runs.
    """
    if not key:
        return run()
    # No look for the key before claiming it: the claim finds it (its INSERT fails), and a first
    # request's key is rare (a retry) where a new key is every request. A page that looks first
    # (``idempotent_replay``, to answer a twice-sent form before checking it) reads the key once.
    try:
        with transaction.atomic():
            # Claim the key first: a concurrent request with it waits here, then fails. No savepoint
            # of its own: a failed claim ends this block, which holds nothing else yet.
            row = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint, status=0)
            outcome, result = run()
            if not 200 <= outcome.status < 400:
                raise _NotKept((outcome, result))
            row.status, row.body, row.location = outcome.status, outcome.body, outcome.location
            row.save(update_fields=["status", "body", "location"])
    except _NotKept as not_kept:
        return not_kept.result
    except IntegrityError:
        # The key was used before, or another request with it committed first: answer as it did.
        row = _stored(user, key)
        if row is None:
            raise
        return _replay(row, fingerprint), None
    return outcome, result


@transaction.atomic
def idempotency_keys_forget(*, before=None) -> int:
    """Delete the keys made before ``before`` (default: ``KEY_LIFETIME`` ago); return how many."""
    if before is None:
        before = timezone.now() - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted


# --- the API -------------------------------------------------------------------------------------


def _request_fingerprint(request) -> str:
    return fingerprint_of(request.method, request.path, request.content_type or "", _body_digest(request))


def _body_digest(request) -> str:
    """A digest of what the request says, not of its bytes: a client that encodes the same request
    again (another multipart boundary, keys in another order) sends the same request."""
    digest = hashlib.sha256()
    data = request.data
    if not hasattr(data, "lists"):
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
        return digest.hexdigest()
    for name, values in sorted(data.lists(), key=lambda item: item[0]):
        digest.update(name.encode() + b"\0")
        for value in values:
            if hasattr(value, "chunks"):  # an uploaded file: its name and content
                digest.update(value.name.encode() + b"\0")
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(str(value).encode())
            digest.update(b"\0")
    return digest.hexdigest()


def idempotent(method):
    """Decorate an API view's creating method (``create``, or a POST action): with an
    ``Idempotency-Key`` header, the same key from the same user with the same request answers the
    first response again (with ``Idempotent-Replayed: true``) and creates nothing; the same key
    with another request answers 422. Without the header the method runs as before."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return Response(
                {HEADER: [_("Use a key of at most %(count)d characters.") % {"count": MAX_KEY_LENGTH}]},
                status=http_status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = _request_fingerprint(request)

        def run():
            response = method(self, request, *args, **kwargs)
            body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
            return Outcome(status=response.status_code, body=body, location=response.get("Location", "")), response

        try:
            outcome, response = idempotent_run(user=request.user, key=key, fingerprint=fingerprint, run=run)
        except KeyReused as error:
            return Response({HEADER: [str(error)]}, status=http_status.HTTP_422_UNPROCESSABLE_ENTITY)
        if response is not None:
            return response
        headers = {REPLAYED_HEADER: "true"}
        if outcome.location:
            headers["Location"] = outcome.location
        return Response(outcome.body, status=outcome.status, headers=headers)

    wrapper.openapi_parameters = [*getattr(method, "openapi_parameters", []), SCHEMA_PARAMETER]
    return wrapper
