"""The people of the ownership pattern, and an HTTP client that speaks JSON with a token.

Clinic A treats the patient; Alice and Bob are its clinicians, Charlie a clinician of
clinic B. Besides them: another patient of clinic A, the patient's sitter, and a sitter
of the other patient (who must see nothing of the patient).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.api.services import issue_token
from ketacare.patients.models import Patient, Sitter
from tests.factories import PatientFactory, SitterFactory

API = "/api/v1"


class ApiClient:
    """JSON in and out, authenticated with a bearer token (or not at all)."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Any:
        url = path if path.startswith("/") else f"{API}/{path}"
        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": self.headers(headers)}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        elif query:
            kwargs["data"] = query
        return call(url, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, {} if body is None else body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, {} if body is None else body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, {} if body is None else body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(autouse=True)
def _db(db: Any) -> None:
    """Every test here touches the database."""


@pytest.fixture
def as_user():
    """`as_user(alice)`: an API client holding a fresh bearer token of that user."""

    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient()
        _, raw = issue_token(user, name="test")
        return ApiClient(raw)

    return make


@pytest.fixture
def other_patient(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, with_account=True, legal_name="Olive Otherpatient")


@pytest.fixture
def sitter(clinic: Clinic, patient: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[patient], name="Robin Sitter")


@pytest.fixture
def other_sitter(clinic: Clinic, other_patient: Patient) -> Sitter:
    """Sits for the other patient only."""
    return SitterFactory(clinic=clinic, patients=[other_patient], name="Sasha Othersitter")
