"""`Idempotency-Key` for the patient's POSTs: a phone retrying never records a dose twice.

The first request with a key claims (user, key) by inserting its record, runs the use
case and stores the response, all in one transaction: if the use case fails, nothing
is stored and a retry runs again. A retry with the same key and the same request gets
the stored response back (`Idempotent-Replayed: true`); the same key with another
request is refused (422, "idempotency_key_reused"). Two copies arriving together are
serialised by the unique (user, key): on PostgreSQL the second insert waits for the
first transaction, fails on the constraint, and then replays what the first stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status
from ninja.params.functions import Header
from ninja.responses import NinjaJSONEncoder

from ketacare.api.models import IdempotencyRecord

if TYPE_CHECKING:
    from ketacare.accounts.models import User

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

T = TypeVar("T", bound=Schema)

IDEMPOTENCY_KEY = Header(
    None,
    alias=KEY_HEADER,
    min_length=1,
    max_length=MAX_KEY_LENGTH,
    pattern=r"^[!-~]+$",  # printable ASCII without spaces, e.g. a UUID
    description="Any unique string (a UUID) per intended action: a retry with the same key "
    "and body returns the first response instead of recording the action twice.",
)


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""

    field = f"header.{KEY_HEADER}"
    message = (
        "This Idempotency-Key was already used for a different request; "
        "use a new key for a new action."
    )


def _fingerprint(request: HttpRequest) -> str:
    body = request.body
    # The same JSON with its keys in another order is the same request.
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, ""):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(body)
    return digest.hexdigest()


def _as_json(value: Schema) -> object:
    # Stored exactly as ninja renders it, so a replay reads like the first answer.
    return json.loads(json.dumps(value.model_dump(by_alias=True), cls=NinjaJSONEncoder))


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.request_sha256 != fingerprint:
        raise IdempotencyKeyReused
    response = HttpResponse(
        json.dumps(record.response_body),
        status=record.response_status,
        content_type="application/json; charset=utf-8",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(
    request: HttpRequest,
    user: User,
    key: str | None,
    run: Callable[[], Status[T]],
) -> Status[T] | HttpResponse:
    """Run `run` (the use case and its response) once per key; replay it after that."""
    if key is None:
        with transaction.atomic():
            return run()
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        claim = IdempotencyRecord(
            user=user,
            key=key,
            method=request.method or "",
            path=request.path[:500],
            request_sha256=fingerprint,
            response_status=0,
            response_body={},
        )
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            earlier = IdempotencyRecord.objects.select_for_update().get(user=user, key=key)
            return _replay(earlier, fingerprint)
        result = run()
        claim.response_status = result.status_code
        claim.response_body = _as_json(result.value)
        claim.save(update_fields=["response_status", "response_body"])
    return result
