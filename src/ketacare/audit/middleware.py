from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ketacare.audit.context import acting, new_request_id

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _client_ip(request: HttpRequest) -> str:
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return ""


class AuditContextMiddleware:
    """Gives every request an id and makes (user, id, IP) available to the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else new_request_id()
        with acting(request.user, request_id=request_id, ip_address=_client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
