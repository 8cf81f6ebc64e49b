"""`Idempotency-Key` for the patient's POSTs: a phone retrying never records a dose twice.

The record is a part of the use case (`kernel.usecase.joined`): inside the use case's
one transaction, the first request with a key claims (user, key) by inserting its
record before the use case runs, and stores the rendered response after it. If the
use case is refused, nothing is stored and a retry runs again. A retry with the same
key and the same request gets the stored response back (`Idempotent-Replayed: true`,
raised as `Replayed` and answered by the error handlers); the same key with another
request is refused (422, "idempotency_key_reused"). Two copies arriving together are
serialised by the unique (user, key): on PostgreSQL the second insert waits for the
first transaction, fails on the constraint, and then replays what the first stored.

    return once(
        Idempotent(request, user, key, lambda dosed: Status(200, SessionOut...)),
        lambda: services.record_dose_taken(user, session, spec),
    )
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status
from ninja.params.functions import Header
from ninja.responses import NinjaJSONEncoder

from ketacare.api.models import IdempotencyRecord
from ketacare.kernel import usecase

if TYPE_CHECKING:
    from ketacare.accounts.models import User

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

T = TypeVar("T", bound=Schema)
R = TypeVar("R")

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


class Replayed(Exception):
    """The request was answered before under its key: `response` is that answer again."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("replayed")
        self.response = response


class Idempotent(Generic[R, T]):
    """The idempotency record of one request, joined to its use case's transaction."""

    def __init__(
        self,
        request: HttpRequest,
        user: User,
        key: str | None,
        render: Callable[[R], Status[T]],
    ) -> None:
        self.request, self.user, self.key, self.render = request, user, key, render
        self._claim: IdempotencyRecord | None = None
        self._answer: Status[T] | None = None

    def begin(self) -> None:
        """Claim (user, key); raise Replayed (or IdempotencyKeyReused) if it was claimed."""
        if self.key is None:
            return
        fingerprint = _fingerprint(self.request)
        claim = IdempotencyRecord(
            user=self.user,
            key=self.key,
            method=self.request.method or "",
            path=self.request.path[:500],
            request_sha256=fingerprint,
            response_status=0,
            response_body={},
        )
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:
            earlier = IdempotencyRecord.objects.select_for_update().get(
                user=self.user, key=self.key
            )
            raise Replayed(_replay(earlier, fingerprint)) from None
        self._claim = claim

    def end(self, result: R) -> None:
        """Render the use case's result; store it with the claim (before the commit)."""
        self._answer = self.render(result)
        if self._claim is not None:
            self._claim.response_status = self._answer.status_code
            self._claim.response_body = _as_json(self._answer.value)
            self._claim.save(update_fields=["response_status", "response_body"])

    def response(self) -> Status[T]:
        """The answer rendered inside the use case."""
        if self._answer is None:
            msg = "the service is not a use case: the idempotency record was never joined"
            raise RuntimeError(msg)
        return self._answer


def once(answer: Idempotent[R, T], run: Callable[[], R]) -> Status[T]:
    """Run the use case `run` with `answer` joined to it; the answer it rendered."""
    with usecase.joined(answer):
        run()
    return answer.response()
