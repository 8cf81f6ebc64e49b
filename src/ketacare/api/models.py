"""What the API stores of its own: bearer tokens and the responses to idempotent requests."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from ketacare.kernel.clock import now


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Not revoked, not expired, of an active user."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now(), user__is_active=True)


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is kept: the token itself is shown once, at issue.

    `prefix` (the token's first characters) finds the row without comparing hashes in
    SQL; the hash is then compared in constant time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    prefix = models.CharField(max_length=8, db_index=True)
    key_sha256 = models.CharField("SHA-256 of the token", max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'token'})"


class IdempotencyRecord(models.Model):
    """The response to a request sent with an `Idempotency-Key`, replayed on a retry.

    Written in the same transaction as the use case it answers, so either both are
    stored or neither; the unique (user, key) makes a concurrent duplicate wait for
    the first and then replay it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_sha256 = models.CharField("SHA-256 of method, path and body", max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["-created_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "key"], name="one_response_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
