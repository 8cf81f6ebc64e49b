"""FHIR over HTTP: GET only, JSON as application/fhir+json, refusals as OperationOutcome.

Who calls: the REST API's bearer tokens (`Authorization: Bearer kc_...`, issued with
its second factor by POST /api/v1/auth/token) or a signed-in browser session (the
second factor asked before any request by web.signin). No caller: 401. What they may
read and how it is audited: ketacare.interop.fhir.server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from ketacare.accounts.models import User
from ketacare.api.services import find_token
from ketacare.interop.fhir import server
from ketacare.interop.fhir.capability import capability_statement
from ketacare.interop.fhir.outcome import FhirError, operation_outcome

CONTENT_TYPE = "application/fhir+json"
BEARER = "bearer "


def fhir_response(body: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, content_type=CONTENT_TYPE)


def refusal(error: FhirError) -> JsonResponse:
    response = fhir_response(operation_outcome(error.code, error.message), error.status)
    if error.status == 401:  # noqa: PLR2004
        response.headers["WWW-Authenticate"] = 'Bearer realm="ketacare"'
    return response


def caller(request: HttpRequest) -> User | None:
    """The bearer token's user, else the session's; None for no one (or a bad token)."""
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() == BEARER:
        token = find_token(header[len(BEARER) :].strip())
        return token.user if token is not None and token.user.is_active else None
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _params(request: HttpRequest) -> dict[str, list[str]]:
    return dict(request.GET.lists())


def _answer(request: HttpRequest, work: Callable[[User, str], dict[str, Any]]) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        message = "This FHIR server reads only: use GET."
        response = refusal(FhirError(405, "not-supported", message))
        response.headers["Allow"] = "GET, HEAD"
        return response
    user = caller(request)
    if user is None:
        message = (
            "Sign in first: send Authorization: Bearer <token>, a token from "
            "POST /api/v1/auth/token."
        )
        return refusal(FhirError(401, "login", message))
    try:
        return fhir_response(work(user, _base_url(request)))
    except FhirError as error:
        return refusal(error)


def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: no sign-in needed."""
    if request.method not in {"GET", "HEAD"}:
        return refusal(FhirError(405, "not-supported", "This FHIR server reads only: use GET."))
    return fhir_response(capability_statement(_base_url(request)))


def search(request: HttpRequest, type_name: str) -> HttpResponse:
    return _answer(
        request,
        lambda user, base: server.search_type(user, type_name, _params(request), base_url=base),
    )


def read(request: HttpRequest, type_name: str, fhir_id: str) -> HttpResponse:
    return _answer(request, lambda user, base: server.read(user, type_name, fhir_id, base_url=base))


def everything(request: HttpRequest, patient_id: str) -> HttpResponse:
    return _answer(
        request,
        lambda user, base: server.everything(user, patient_id, _params(request), base_url=base),
    )
