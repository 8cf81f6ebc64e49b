"""The audit log: an append-only, keyed hash chain of every access to health data.

Each entry stores the hash of the entry before it and its own HMAC over all of its
fields under the audit key (audit.chain, audit.keys; the key lives outside the
database), so editing, deleting or forging any entry breaks the chain at that point and
`ketacare audit verify` names it. `AuditHead` holds the last sequence number and
hash; appending locks it, which serialises writers on PostgreSQL (row lock) and
SQLite (the write lock), so the chain never forks.

Guards in the database itself (migrations 0002 and 0004, PostgreSQL and SQLite): no
UPDATE or DELETE of an entry, no DELETE of the head, the head's seq only grows, and on
PostgreSQL no TRUNCATE of either table. A database owner can drop triggers, so the
last word is outside the database: signed checkpoints (audit.checkpoints) that the
worker appends to a file and `verify` checks the log against.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    READ = "read", "Read"
    LIST = "list", "List"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"
    LOGIN = "login", "Sign in"
    LOGOUT = "logout", "Sign out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    # The actor is kept as plain values, not a foreign key: the log must outlive
    # and never block changes to the rows it describes.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Chain version (audit.chain): 1 plain SHA-256 (entries from before the key), 2 keyed.
    version = models.PositiveSmallIntegerField(default=1)
    # Which audit key signed a version 2 entry (audit.keys.key_id), never the key itself.
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering: ClassVar = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label} {self.action} {self.object_type} {self.object_id}"


class AuditHead(models.Model):
    """The single row that remembers the end of the chain (pk is always 1)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
