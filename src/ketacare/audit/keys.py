"""The audit key: what makes the chain something a database user cannot rewrite.

`KETACARE_AUDIT_KEY` (or the file named by `KETACARE_AUDIT_KEY_FILE`, the way
container secrets are mounted) holds one key, or several separated by white space:
the first signs new entries and checkpoints, the others only verify what older keys
signed (a rotation: put the new key first and keep the old one after it). Keys live
outside the database, so someone who can write the database cannot compute a valid
entry or checkpoint. Settings refuse to start without a key when DEBUG is off; with
DEBUG on a published development key is used, which protects nothing.

Each entry and checkpoint stores the key's id: the first 16 hex digits of an HMAC of
a fixed label under the key. It names the key without revealing it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_CHARS = 32
DEVELOPMENT_KEY = "ketacare-audit-development-key-not-secret"


def key_id(key: bytes) -> str:
    return hmac.new(key, b"ketacare audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    signing: bytes
    signing_id: str
    by_id: dict[str, bytes]

    def get(self, kid: str) -> bytes | None:
        return self.by_id.get(kid)


def parse(raw: str, *, debug: bool) -> Keyring:
    """The keyring of a KETACARE_AUDIT_KEY value; ImproperlyConfigured when unusable."""
    keys = [part.encode("utf-8") for part in raw.split()]
    if not keys:
        raise ImproperlyConfigured("KETACARE_AUDIT_KEY is empty: set the audit key.")
    short = [k for k in keys if len(k) < MIN_KEY_CHARS]
    if short and not debug:
        raise ImproperlyConfigured(
            f"KETACARE_AUDIT_KEY: each key needs at least {MIN_KEY_CHARS} characters "
            "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    return Keyring(
        signing=keys[0],
        signing_id=key_id(keys[0]),
        by_id={key_id(k): k for k in keys},
    )


def keyring() -> Keyring:
    """The keyring of the running settings (read each time: tests override settings)."""
    return parse(str(settings.KETACARE_AUDIT_KEY), debug=settings.DEBUG)
