"""Hashing of audit entries: the one place that defines what an entry's hash covers.

Two chain versions live in one log:
- version 1 (`PLAIN`): SHA-256 over the entry's fields. Entries written before the
  audit key existed are version 1; anyone who can write the database can recompute
  them, so they are trusted only as the start of the log.
- version 2 (`KEYED`): HMAC-SHA256 with the audit key (`KETACARE_AUDIT_KEY`, kept
  outside the database) over the same fields plus the version and the key's id. Nobody
  without the key can write an entry that verifies.

Every new entry is keyed. `verify` accepts plain entries only before the first keyed
one: a plain entry after it is a forgery. The key id (a fingerprint of the key, never
the key) lets `verify` pick the right key after a rotation (see `keys`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
PLAIN = 1
KEYED = 2

# The fields an entry's hash covers, in a fixed order. Adding a field means a new
# chain version, never changing this list in place.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "clinic_id",
    "request_id",
    "ip_address",
    "detail",
    "prev_hash",
)
# Version 2 covers these too: a keyed entry cannot be passed off as another version or key.
KEYED_FIELDS = (*HASHED_FIELDS, "version", "key_id")


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def canonical_text(fields: dict[str, Any], names: tuple[str, ...]) -> bytes:
    payload = {name: _canonical(fields[name]) for name in names}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def entry_hash(fields: dict[str, Any]) -> str:
    """Version 1: the plain SHA-256 of an entry written before the key."""
    return hashlib.sha256(canonical_text(fields, HASHED_FIELDS)).hexdigest()


def keyed_hash(fields: dict[str, Any], key: bytes) -> str:
    """Version 2: the HMAC-SHA256 of an entry (fields include `version` and `key_id`)."""
    return hmac.digest(key, canonical_text(fields, KEYED_FIELDS), "sha256").hex()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
